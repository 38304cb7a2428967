"""MkDocs hook: each notebook executed once for both languages, and readable heading ids.

mkdocs-jupyter renders the notebooks (`execute: false`); this hook hands it executed copies,
through MkDocs' public file and page events and nbconvert's public API only:

1. The Korean and English copies of a notebook run the same code (the translation tests make
   sure of it: only comments differ). When a build starts, every notebook of every language is
   started in a process of its own (`run_notebook.py`, nbconvert's `ExecutePreprocessor`), several
   at once, while the Markdown pages are rendered. Notebooks whose code is the same token for
   token and at the same positions (comments aside) are one run, keyed by that code: a file lock
   per key lets the other language's build, in another process, wait for the run instead of
   repeating it. Runs are kept in `.cache/notebooks/` and reused while the code, the package and
   this hook are unchanged; `DLNOTES_NOTEBOOK_CACHE=false` keeps them for one build only (the
   tests). A failing cell fails the build, naming the notebook.
2. Each notebook page is rendered from a copy of the language's own notebook (its Markdown and
   comments) with the run's outputs, given to MkDocs as a generated file at the notebook's place
   (a `File` in a folder of copies). Notebook pages are rendered after the Markdown pages, so that their runs
   have time to finish.
3. mkdocs-jupyter makes heading ids from the ASCII part of a heading; the page gets the ids a
   Markdown page would have (`pymdownx.slugs.slugify`, lower case, as `mkdocs.yml`'s `toc`), in
   its HTML and its table of contents alike.
4. Links in a notebook's Markdown to other pages (`x.md#a`, `x.ipynb`) point to their HTML, as
   MkDocs does for Markdown pages (mkdocs-jupyter renders Markdown cells without MkDocs' link
   rewriting).
5. The notebook's download link (next to the page) is made relative, for `file://`. In the
   downloaded file, links to other pages of the course point to the published site (`site_url`),
   or become their text without it: the reader's copy has no pages beside it.
6. Every notebook starts its code with the cell that installs the package when it is missing,
   naming the version that made its outputs (`install_cell.py`, shared with the lesson pages'
   notebooks): added here to what runs, to the page and to the download, so the
   notebooks in `docs/` name no version.

A notebook matching mkdocs-jupyter's `execute_ignore` is shown unexecuted: a copy with the install
cell, no outputs.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import tokenize
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

from install_cell import package_version, with_install_cell
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc
from notebook_markdown import Targets, markdown_cell

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "run_notebook.py"
log = get_plugin_logger("dlnotes")


def cache_enabled() -> bool:
    return os.environ.get("DLNOTES_NOTEBOOK_CACHE", "true").strip().lower() not in (
        "false",
        "0",
        "no",
        "off",
    )


# --- What counts as the same code ---------------------------------------------------------------


def code_tokens(source: str) -> str:
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


def execution_key(
    nb, cwd: str, kernel_name: str, allow_errors: bool, timeout, salt: str = ""
) -> str:
    """One run per key: the code of every cell, the kernel, the folder and the options."""
    kernel = kernel_name or nb.metadata.get("kernelspec", {}).get("name", "")
    hasher = hashlib.sha256(json.dumps([kernel, str(cwd), allow_errors, timeout, salt]).encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            hasher.update(b"\0" + code_tokens(cell.source).encode())
    return hasher.hexdigest()


def code_fingerprint() -> str:
    """A hash of the hooks and of every module of the package: a run is stale when they change."""
    hasher = hashlib.sha256()
    for path in [Path(__file__), RUNNER, *sorted((ROOT / "src" / "dlnotes").rglob("*.py"))]:
        hasher.update(path.relative_to(ROOT).as_posix().encode())
        hasher.update(path.read_bytes())
    return hasher.hexdigest()


def copy_outputs(executed, nb) -> None:
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


# --- Runs, shared between threads and between processes -----------------------------------------


class NotebookRuns:
    """Notebook executions in other processes, at most `os.cpu_count()` at a time, one per key.

    A run's result is `folder/<key>.ipynb`, written under the lock `folder/<key>.lock`: another
    process asking for the same key waits for it and reads it instead of running it again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()

    def start(
        self, nb, origin: str, cwd: str, kernel_name="", allow_errors=False, timeout=None, salt=""
    ) -> str:
        """Starts executing `nb` unless a run of the same code is under way or done; its key."""
        key = execution_key(nb, cwd, kernel_name, allow_errors, timeout, salt)
        with self._lock:
            if key not in self._futures:
                settings = {
                    "source": str(self.folder / f"{key}.source.ipynb"),
                    "output": str(self.folder / f"{key}.ipynb"),
                    "cwd": str(cwd),
                    "kernel_name": kernel_name,
                    "allow_errors": allow_errors,
                    "timeout": timeout,
                }
                self._futures[key] = self._pool.submit(self._run, nb, origin, key, settings)
        return key

    def result(self, key: str):
        """The executed notebook of a started run (waits for it); a failed run is forgotten."""
        try:
            return self._futures[key].result()
        except BaseException:
            with self._lock:
                self._futures.pop(key, None)
            raise

    def _run(self, nb, origin: str, key: str, settings: dict):
        import nbformat
        from filelock import FileLock

        output = Path(settings["output"])
        with FileLock(str(self.folder / f"{key}.lock")):
            if output.is_file():
                log.info("Notebook %s: outputs of run %s", origin, key[:12])
                return nbformat.read(output, as_version=4)
            log.info("Executing notebook %s (run %s)", origin, key[:12])
            nbformat.write(nb, settings["source"])
            # Several kernels run at once beside the build: one thread each unless told otherwise
            # (two-thread kernels sharing two cores spin and took twice as long in all).
            env = {"OMP_NUM_THREADS": "1", **os.environ}
            # A backend set for the tests (MPLBACKEND=Agg) would keep plots out of the page.
            env.pop("MPLBACKEND", None)
            done = subprocess.run(
                [sys.executable, str(RUNNER), json.dumps(settings)],
                capture_output=True,
                text=True,
                env=env,
            )
            Path(settings["source"]).unlink(missing_ok=True)
            if done.returncode != 0:
                raise RuntimeError(
                    f"executing notebook {origin} failed:\n{(done.stderr or done.stdout)[-8000:]}"
                )
            return nbformat.read(output, as_version=4)


_RUNS: dict[str, NotebookRuns] = {}


def runs_folder() -> Path:
    """`.cache/notebooks/`, or with the cache off a folder for this build and those it starts."""
    given = os.environ.get("DLNOTES_NOTEBOOK_RUNS")
    if given:
        return Path(given)
    if cache_enabled():
        return ROOT / ".cache" / "notebooks"
    folder = tempfile.mkdtemp(prefix="dlnotes-notebooks-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # Seen by the other languages' builds, which this process starts (hooks/languages.py).
    os.environ["DLNOTES_NOTEBOOK_RUNS"] = folder
    return Path(folder)


def runs() -> NotebookRuns:
    folder = runs_folder()
    if str(folder) not in _RUNS:
        _RUNS[str(folder)] = NotebookRuns(folder)
    return _RUNS[str(folder)]


# --- The build's events -------------------------------------------------------------------------

# src_uri -> (source, the copy the page shows, its run's key: None for a notebook not executed)
_PAGES: dict[str, tuple[Path, Path, str | None]] = {}
_VERSION: dict[str, str] = {}


def read_notebook(path: Path, language: str):
    """A notebook of `docs/` as the reader gets it: the install cell first among its code."""
    import nbformat

    return with_install_cell(nbformat.read(path, as_version=4), language, _VERSION["package"])


def _languages_folder(config) -> Path:
    """`docs/`: the folder of the language folders, where every notebook runs."""
    return Path(config.docs_dir).parent


def pages_folder(config) -> Path:
    """Where this language's executed copies are: `<runs>/pages/<lang>/`, laid out as the docs."""
    return runs().folder / "pages" / config.theme["language"]


def on_config(config):
    runs()  # with the cache off, before hooks/languages.py starts the other languages' builds
    _VERSION["package"] = package_version()
    return config


def on_pre_build(config) -> None:
    """Starts every notebook of every language (a run already done or under way is not repeated)."""
    _PAGES.clear()
    salt = code_fingerprint()
    here = Path(config.docs_dir)
    # This language's notebooks first; then the others' (`extra.alternate`, hooks/languages.py).
    folders = {here: config.theme["language"]}
    for alt in config.extra.get("alternate") or ():
        folder = _languages_folder(config) / alt["lang"]
        if folder.is_dir():
            folders.setdefault(folder, alt["lang"])
    jupyter = config.plugins.get("mkdocs-jupyter")
    ignored = (jupyter.config["execute_ignore"] if jupyter is not None else None) or ()
    seen = set()
    for folder, language in folders.items():
        for path in sorted(folder.rglob("*.ipynb")):
            if path in seen or ".ipynb_checkpoints" in path.parts:
                continue
            seen.add(path)
            key = None  # shown unexecuted
            if not any(path.match(pattern) for pattern in ignored):
                nb = read_notebook(path, language)
                key = runs().start(nb, path.name, str(_languages_folder(config)), salt=salt)
            if folder == here:
                src_uri = path.relative_to(here).as_posix()
                copy_path = pages_folder(config) / src_uri
                _PAGES[src_uri] = (path, copy_path, key)


@event_priority(50)  # before mkdocs-jupyter wraps the notebooks as pages
def on_files(files: Files, config) -> Files:
    notebooks, others = [], []
    for file in files:
        if file.src_uri in _PAGES:
            # The executed copy, in a folder laid out as the docs (mkdocs-jupyter 0.26 reads a
            # notebook's path from its file's folder, so no File.generated).
            folder = pages_folder(config)
            notebooks.append(
                File(file.src_uri, str(folder), config.site_dir, config.use_directory_urls)
            )
        else:
            others.append(file)
    # Pages are rendered in this order: the notebooks last, while their runs finish.
    return Files(others + notebooks)


@event_priority(50)  # before mkdocs-jupyter reads the notebook
def on_pre_page(page, config, files):
    entry = _PAGES.get(page.file.src_uri)
    if entry is None:
        return page
    import nbformat

    source, copy_path, key = entry
    nb = read_notebook(source, config.theme["language"])
    if key is not None:
        try:
            executed = runs().result(key)
        except RuntimeError as error:
            raise PluginError(str(error)) from None
        copy_outputs(executed, nb)
    copy_path.parent.mkdir(parents=True, exist_ok=True)
    partial = copy_path.with_name(f".{copy_path.name}.{os.getpid()}.partial")
    nbformat.write(nb, partial)
    os.replace(partial, copy_path)
    return page


# --- Readable heading ids on notebook pages -----------------------------------------------------

HEADING = re.compile(
    r'<h(?P<level>[1-6])(?P<before>[^>]*?) id="(?P<id>[^"]*)"(?P<after>[^>]*)>(?P<body>.*?)</h(?P=level)>',
    re.S,
)
ANCHOR = re.compile(r'<a class="anchor-link" href="#[^"]*">')
TAG = re.compile(r"<[^>]+>")


def slugify(text: str) -> str:
    """The id a Markdown page gives a heading (`mkdocs.yml`: `pymdownx.slugs.slugify`, lower)."""
    from pymdownx.slugs import slugify as make

    return make(case="lower")(text, "-")


def readable_headings(content: str) -> tuple[str, list[dict]]:
    """Gives each heading of a notebook page a Markdown page's id; returns the page and its
    table of contents (Python-Markdown's `toc_tokens`)."""
    from markdown.extensions.toc import nest_toc_tokens

    used: set[str] = set()
    flat: list[dict] = []

    def rename(match: re.Match) -> str:
        body = match.group("body")
        name = html.unescape(TAG.sub("", ANCHOR.split(body)[0])).strip()
        base = slugify(name) or "section"
        new, n = base, 0
        while new in used:
            n += 1
            new = f"{base}_{n}"
        used.add(new)
        flat.append({"level": int(match.group("level")), "id": new, "name": name, "html": name})
        body = ANCHOR.sub(f'<a class="anchor-link" href="#{new}">', body)
        level = match.group("level")
        return (
            f'<h{level}{match.group("before")} id="{new}"{match.group("after")}>{body}</h{level}>'
        )

    content = HEADING.sub(rename, content)
    return content, nest_toc_tokens(flat)


# A link in a notebook's Markdown to another page of the course, `x.md#a` or `x.ipynb`.
NOTEBOOK_LINK = re.compile(r'href="((?:\.\./)*[\w-]+(?:/[\w-]+)*)\.(?:md|ipynb)(#[^"]*)?"')


def on_page_content(html_text, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html_text
    html_text, tokens = readable_headings(html_text)
    page.toc = get_toc(tokens)
    # mkdocs.yml has use_directory_urls: false, so a page x.md is x.html beside this one.
    return NOTEBOOK_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', html_text)


def on_page_context(context, page, config, nav):
    nb_url = getattr(page, "nb_url", None)
    if nb_url:
        # The notebook is copied next to the page's HTML: link it relatively.
        page.nb_url = nb_url.rsplit("/", 1)[-1]
    return context


def site_links(nb, page, config) -> None:
    """Points `nb`'s links to the course's pages (`x.md#a`, `x.ipynb`) at the published site, or
    makes them text when `site_url` is not set (point 5)."""
    here = urljoin(config.site_url, page.url) if config.site_url else None

    def page_url(target: str) -> str | None:
        path, hash_, fragment = target.partition("#")
        if here is None or not path.endswith((".md", ".ipynb")):
            return None
        return urljoin(here, path.rsplit(".", 1)[0] + ".html") + hash_ + fragment

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_cell(cell.source, Targets(page_url=page_url)).source


@event_priority(-50)  # after mkdocs-jupyter has copied the notebook beside the page
def on_post_page(output, page, config):
    if page.file.src_uri not in _PAGES:
        return output
    import nbformat

    download = Path(page.file.abs_dest_path).with_name(Path(page.file.src_uri).name)
    if download.is_file():
        nb = nbformat.read(download, as_version=4)
        site_links(nb, page, config)
        nbformat.write(nb, download)
    return output
