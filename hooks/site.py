"""MkDocs hook: glue between mkdocs-static-i18n, mkdocs-jupyter and the top-level `images/`.

1. mkdocs-static-i18n (1.3.1) rebuilds the file list after mkdocs-jupyter has wrapped notebooks
   as pages, and turns each `.ipynb` back into a plain file copy: the "page" would be raw JSON
   (upstream ultrabug/mkdocs-static-i18n #135, #198). We run after it and wrap each notebook of
   the language being built again, at the URL the i18n plugin would give a page, with its
   alternates so that the language switcher lands on the other language's notebook.
2. The download link mkdocs-jupyter adds is absolute (`/quick-tour/x.ipynb`), which breaks a site
   opened from disk; we make it relative to the page.
3. Each language is a separate build, and mkdocs-jupyter evicts from its cache every notebook not
   rendered in the current build, so each language evicted the other's. We keep both.
4. mkdocs-jupyter makes heading ids from the ASCII part of a heading, so a Korean notebook's
   headings got ids such as `1` or none at all. We give notebook headings the same readable
   Unicode ids as Markdown pages (`pymdownx.slugs.slugify`, lower case), in the page and its
   table of contents alike.
5. Figures are made by code into the top-level `images/` (not under `docs/`), so the code that
   makes them and the pages that show them stay independent; we add them to the site as
   `images/<name>`.
6. mkdocs-jupyter executes each notebook when its page is rendered, one after another, and the
   Korean and English copies of a notebook run the same code (the translation tests make sure of
   it: only comments differ). Before the build renders anything, we start every notebook that
   needs executing in its own process (`run_notebook.py`, nbconvert's `ExecutePreprocessor` as
   mkdocs-jupyter configures it), several at once, while the Markdown pages are rendered; a
   notebook whose code is the same as another's, token for token and at the same positions
   (comments aside), with the same kernel and folder, is executed once and both pages show that
   run's outputs. A failing cell still fails the build, naming the notebook.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import tokenize
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePath, PurePosixPath

from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
log = get_plugin_logger("dlnotes")
IMAGES = ROOT / "images"


def _slugify(text: str, sep: str = "-") -> str:
    from pymdownx.slugs import slugify

    return slugify(case="lower")(text, sep)


def on_config(config):
    import markdown
    from markdown.extensions.toc import TocExtension
    from mkdocs_jupyter import convert, plugin
    from nbconvert.filters import strings

    # The page's heading ids (nbconvert renderer, patched by mkdocs-jupyter) ...
    convert.slugify = _slugify
    # ... which nbconvert would percent-encode; Markdown pages keep Unicode ids, and so do we.
    strings._convert_header_id = lambda text: text.replace(" ", "-")

    # ... and the table of contents, which must produce the same ids.
    def markdown_toc(markdown_source, toc_depth):
        md = markdown.Markdown(
            extensions=["fenced_code", TocExtension(toc_depth=toc_depth, slugify=_slugify)]
        )
        md.convert(markdown_source)
        return md.toc_tokens

    plugin._get_markdown_toc = markdown_toc

    # mkdocs-jupyter makes the table of contents from an nbconvert Markdown export from which it
    # deletes inline code, so `## 2. The layer `nn.Linear`` got the id `2-the-layer` in the table
    # of contents but `2-the-layer-nnlinear` on the page. Read the Markdown cells as written
    # instead (fenced code in them is skipped by the `fenced_code` extension above).
    def notebook_markdown(nb_path, *args, **kwargs):
        cells = json.loads(Path(nb_path).read_text(encoding="utf-8"))["cells"]
        return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")

    convert.nb2md = notebook_markdown

    # The notebook cache's key covers the notebook and the plugin's options only. A cached page
    # is also stale when this hook (the table of contents above) or the package the notebook
    # imports has changed since: mix both into the key.
    salt = _code_fingerprint()
    if not getattr(plugin._compute_cache_key, "dlnotes_salted", False):
        original_key = plugin._compute_cache_key

        def salted_key(nb_path, config, exec_nb):
            return hashlib.sha256(
                (original_key(nb_path, config, exec_nb) + salt).encode()
            ).hexdigest()

        salted_key.dlnotes_salted = True
        plugin._compute_cache_key = salted_key

    _share_notebook_runs()
    return config


def _code_fingerprint() -> str:
    """A hash of this hook and of every module of the package."""
    hasher = hashlib.sha256(Path(__file__).read_bytes())
    for path in sorted((ROOT / "src" / "dlnotes").rglob("*.py")):
        hasher.update(path.relative_to(ROOT).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _i18n(config):
    return config.plugins.get("i18n")


def _jupyter(config):
    return config.plugins.get("mkdocs-jupyter")


def _page_url(dest_path: str, use_directory_urls: bool) -> tuple[str, str]:
    """Returns (dest_path, url) for a page whose source would land at `dest_path`."""
    stem = PurePosixPath(dest_path).with_suffix("")
    if use_directory_urls:
        return f"{stem}/index.html", f"{stem}/"
    return f"{stem}.html", f"{stem}.html"


# --- Notebooks executed in the background, once per distinct code -------------------------------

RUNNER = Path(__file__).resolve().parent / "run_notebook.py"


def _code_tokens(source: str) -> str:
    """The cell's code as tokens with their positions, comments left out.

    A translated comment changes no token of code and no position of one (a comment only ends a
    line), so the two languages of a cell give the same string; any other difference, even in
    layout, gives another string and the notebooks are executed separately.
    """
    try:
        tokens = [
            (t.type,) if t.type == tokenize.NEWLINE else (t.type, t.string, t.start)
            for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL)
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "raw:" + source  # not Python (a magic, say): compare the text itself
    return repr(tokens)


def _execution_key(nb, cwd: str, kernel_name: str, allow_errors: bool, timeout) -> str:
    kernel = kernel_name or nb.metadata.get("kernelspec", {}).get("name", "")
    hasher = hashlib.sha256(json.dumps([kernel, str(cwd), allow_errors, timeout]).encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            hasher.update(b"\0" + _code_tokens(cell.source).encode())
    return hasher.hexdigest()


class _NotebookRuns:
    """Notebook executions in other processes, at most `os.cpu_count()` at a time, one per key."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._tmp = Path(tempfile.mkdtemp(prefix="dlnotes-notebooks-"))
        atexit.register(shutil.rmtree, self._tmp, ignore_errors=True)

    def start(self, nb, origin: str, cwd: str, kernel_name, allow_errors, timeout) -> str:
        """Starts executing `nb` unless a run of the same code is under way or done; its key."""
        key = _execution_key(nb, cwd, kernel_name, allow_errors, timeout)
        with self._lock:
            if key not in self._futures:
                settings = {
                    "source": str(self._tmp / f"{key}.ipynb"),
                    "output": str(self._tmp / f"{key}.out.ipynb"),
                    "cwd": str(cwd),
                    "kernel_name": kernel_name,
                    "allow_errors": allow_errors,
                    "timeout": timeout,
                }
                import nbformat

                nbformat.write(nb, settings["source"])
                self._futures[key] = self._pool.submit(self._run, origin, settings)
                log.info("Executing notebook %s in the background (run %s)", origin, key[:12])
            else:
                log.info(
                    "Notebook %s has the code of run %s: its outputs are shared", origin, key[:12]
                )
        return key

    def result(self, key: str):
        """The executed notebook of a started run (waits for it); a failed run is forgotten."""
        try:
            return self._futures[key].result()
        except BaseException:
            with self._lock:
                self._futures.pop(key, None)
            raise

    @staticmethod
    def _run(origin: str, settings: dict):
        import nbformat

        # Several kernels run at once beside the build: one thread each unless told otherwise
        # (two-thread kernels sharing two cores spin and took twice as long in all).
        env = {"OMP_NUM_THREADS": "1", **os.environ}
        done = subprocess.run(
            [sys.executable, str(RUNNER), json.dumps(settings)],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"executing notebook {origin} failed:\n{(done.stderr or done.stdout)[-8000:]}"
            )
        return nbformat.read(settings["output"], as_version=4)


def _runs() -> _NotebookRuns:
    # Kept on nbconvert's class, not in this module: each language's build may load the hook anew.
    from nbconvert.preprocessors import ExecutePreprocessor

    if not hasattr(ExecutePreprocessor, "_dlnotes_runs"):
        ExecutePreprocessor._dlnotes_runs = _NotebookRuns()
    return ExecutePreprocessor._dlnotes_runs


def _share_notebook_runs() -> None:
    """Makes nbconvert's ExecutePreprocessor take its outputs from `_runs()`."""
    from nbconvert.preprocessors import ExecutePreprocessor

    if getattr(ExecutePreprocessor.preprocess, "dlnotes_shared", False):
        return

    def preprocess(self, nb, resources=None, km=None):
        cwd = ((resources or {}).get("metadata") or {}).get("path") or os.getcwd()
        name = ((resources or {}).get("metadata") or {}).get("name", "notebook")
        runs = _runs()
        key = runs.start(nb, name, cwd, self.kernel_name, self.allow_errors, self.timeout)
        _copy_outputs(runs.result(key), nb)
        return nb, resources

    preprocess.dlnotes_shared = True
    ExecutePreprocessor.preprocess = preprocess


def _copy_outputs(executed, nb) -> None:
    """Gives `nb`'s code cells the outputs of `executed`, the same code run."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    ran = [c for c in executed.cells if c.cell_type == "code"]
    # The run's key covers every code cell, so the two lists pair up one to one.
    for cell, done in zip(cells, ran, strict=True):
        cell.outputs = copy.deepcopy(done.outputs)
        cell.execution_count = done.execution_count
        if "execution" in done.metadata:
            cell.metadata["execution"] = copy.deepcopy(done.metadata["execution"])
    for field in ("language_info", "widgets"):
        if field in executed.metadata:
            nb.metadata[field] = copy.deepcopy(executed.metadata[field])


def on_pre_build(config) -> None:
    """Starts executing every notebook this build will execute (not those served from cache)."""
    jupyter = _jupyter(config)
    if jupyter is None or not jupyter.config["execute"]:
        return
    import nbformat
    from mkdocs_jupyter.nbconvert2 import get_nbconvert_app
    from nbconvert.preprocessors import ExecutePreprocessor

    options = jupyter.config
    # The executor mkdocs-jupyter will configure (with any nbconvert config file of the user's).
    app = get_nbconvert_app(
        execute=True, kernel_name=options["kernel_name"], allow_errors=options["allow_errors"]
    )
    executor = ExecutePreprocessor(config=app.config)
    for path, execute, cache_path in _notebooks(config, jupyter):
        if not execute or (options["cache"] and cache_path.exists()):
            continue
        nb = nbformat.read(path, as_version=4)
        _runs().start(
            nb,
            path.name,
            str(path.parent),
            executor.kernel_name,
            executor.allow_errors,
            executor.timeout,
        )


@event_priority(-200)  # after mkdocs-static-i18n (-100)
def on_files(files: Files, config) -> Files:
    from mkdocs_jupyter.plugin import NotebookFile

    i18n = _i18n(config)
    jupyter = _jupyter(config)
    # Mutate `files` in place: it is the i18n plugin's Files subclass, whose lookups we need.
    replacements = []
    for file in list(files):
        if (
            jupyter is not None
            and file.src_uri.endswith(".ipynb")
            and not isinstance(file, NotebookFile)
        ):
            nb = NotebookFile(file, **config)
            dest, url = _page_url(file.dest_uri, config.use_directory_urls)
            nb.dest_uri = dest
            nb.url = url
            nb.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, dest))
            nb.name = PurePosixPath(url).stem if not url.endswith("/") else url.strip("/")
            if i18n is not None:
                default = i18n.default_language
                norm = PurePosixPath(file.dest_uri)
                if i18n.current_language != default:
                    norm = norm.relative_to(i18n.current_language)
                alternates = {}
                for lang in i18n.all_languages:
                    prefix = "" if lang == default else f"{lang}/"
                    alt = File.generated(config, f"{prefix}{norm}", content=b"")
                    alt.url = _page_url(f"{prefix}{norm}", config.use_directory_urls)[1]
                    alternates[lang] = alt
                file.alternates = alternates
            replacements.append((file, nb))
    for file, nb in replacements:
        files.remove(file)
        files.append(nb)
    if IMAGES.is_dir():
        for path in sorted(IMAGES.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                rel = path.relative_to(IMAGES).as_posix()
                files.append(
                    File(f"images/{rel}", str(ROOT), config.site_dir, config.use_directory_urls)
                )
    return files


# A link in a notebook's Markdown to another page of the course, `x.md#a` or `x.ipynb`; not the
# download link of a notebook file, which names its language (`x.ko.ipynb`).
_NOTEBOOK_LINK = re.compile(r'href="((?:\.\./)*[\w-]+)\.(?:md|ipynb)(#[^"]*)?"')


def on_page_content(html, page, config, files):
    """Points a notebook page's links to other pages at their HTML, as MkDocs does for Markdown
    pages (mkdocs-jupyter renders a notebook's Markdown cells without MkDocs' link rewriting)."""
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    # mkdocs.yml has use_directory_urls: false, so a page x.md is x.html beside this one.
    return _NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html)


def on_page_context(context, page, config, nav):
    nb_url = getattr(page, "nb_url", None)
    if nb_url:
        # The notebook is copied next to the page's HTML: link it relatively.
        page.nb_url = posixpath.basename(nb_url)
    return context


@event_priority(50)  # before mkdocs-jupyter's own on_post_build evicts its cache
def on_post_build(config) -> None:
    _keep_notebook_cache(config)


def _keep_notebook_cache(config) -> None:
    """Marks the cache entries of every notebook, in every language, as used in this build.

    The default language's build ends (and mkdocs-jupyter evicts) before the other languages are
    built, so keeping only what this build used would evict the other languages' entries.
    """
    jupyter = _jupyter(config)
    if jupyter is None or not hasattr(jupyter, "_used_cache_paths"):
        return
    for _, _, cache_path in _notebooks(config, jupyter):
        jupyter._used_cache_paths.add(cache_path)


def _notebooks(config, jupyter):
    """Each notebook of the docs (both languages), whether mkdocs-jupyter executes it
    (`execute`, less `execute_ignore`), and its cache file, as the plugin computes them."""
    from mkdocs_jupyter import plugin  # its _compute_cache_key, salted in on_config

    options = jupyter.config
    for path in sorted(Path(config.docs_dir).rglob("*.ipynb")):
        ignored = any(PurePath(path).match(p) for p in options["execute_ignore"] or ())
        execute = options["execute"] and not ignored
        key = plugin._compute_cache_key(str(path), options, execute)
        yield path, execute, plugin._get_cache_path(options["cache_dir"], key)
