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
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from pathlib import Path, PurePosixPath

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
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
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    for path in Path(config.docs_dir).rglob("*.ipynb"):
        key = _compute_cache_key(str(path), jupyter.config, jupyter.config["execute"])
        jupyter._used_cache_paths.add(_get_cache_path(jupyter.config["cache_dir"], key))
