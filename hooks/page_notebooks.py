"""MkDocs hook: every lesson page also as a Jupyter notebook, with the page's download button.

Through MkDocs' public events and `File.generated` only, nothing generated is committed:

1. When the navigation is known (`on_nav`), each Markdown chapter (a page of the lessons section,
   `extra.lessons`, as `reader.py` decides) gets a generated file `NAME.ipynb` beside its
   `NAME.html`, in both languages.
2. When every page is rendered (`on_env`: the API pages' anchors are known by then, and static
   files are not written yet), the notebook is made from the page's Markdown source by
   `page_to_notebook.py`: its code, hidden setup and shown outputs, its prose, its figures
   embedded, its links to other pages and to the API pointing to the site (`site_url`), or
   reduced to their text when `site_url` is not set, so that nothing in it points to a file the
   reader does not have.
3. The page's template gets the notebook's relative link (`dlnotes_notebook`), shown by
   `overrides/main.html` as the same download button the notebook pages have.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urljoin

import nbformat
from install_cell import package_version
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from mkdocs.utils.meta import get_data
from notebook_markdown import Targets
from page_to_notebook import page_to_notebook
from reader import is_chapter

_NOTEBOOKS: dict[str, File] = {}  # a chapter's src_uri -> its notebook
_VERSION: dict[str, str] = {}


def on_config(config):
    _VERSION["package"] = package_version()
    return config


def notebook_uri(src_uri: str) -> str:
    return posixpath.splitext(src_uri)[0] + ".ipynb"


def on_nav(nav, config, files):
    _NOTEBOOKS.clear()
    for page in nav.pages:
        if not (page.file.src_uri.endswith(".md") and is_chapter(page, config)):
            continue
        uri = notebook_uri(page.file.src_uri)
        if files.get_file_from_path(uri) is not None:
            raise PluginError(
                f"{page.file.src_uri}: its notebook would be {uri}, which is already a file of "
                "the site; rename one of them"
            )
        file = File.generated(config, uri, content="")
        files.append(file)
        _NOTEBOOKS[page.file.src_uri] = file
    return nav


def targets(page, config, files) -> Targets:
    """Where the notebook of `page` finds what the page links to (see the module's docstring)."""
    site_url = config.site_url or None
    here = urljoin(site_url, page.url) if site_url else None

    def resolve(target: str) -> File | None:
        path = target.split("#", 1)[0].split("?", 1)[0]
        uri = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), path))
        return files.get_file_from_path(uri)

    def page_url(target: str) -> str | None:
        file = resolve(target)
        if here is None or file is None:
            return None
        fragment = "#" + target.split("#", 1)[1] if "#" in target else ""
        return urljoin(here, file.url_relative_to(page.file)) + fragment

    def api_url(identifier: str) -> str | None:
        autorefs = config.plugins.get("autorefs")
        if here is None or autorefs is None:
            return None
        try:
            url, _title = autorefs.get_item_url(identifier, from_url=page.url)
        except KeyError:
            return None
        return urljoin(here, url)

    def image(target: str) -> bytes | None:
        file = resolve(target)
        return None if file is None else file.content_bytes

    return Targets(page_url=page_url, api_url=api_url, image=image)


def on_env(env, config, files):
    language = config.theme["language"]
    for page in (f.page for f in files.documentation_pages() if f.page is not None):
        notebook = _NOTEBOOKS.get(page.file.src_uri)
        if notebook is None:
            continue
        markdown, _meta = get_data(page.file.content_string)  # without a YAML front matter
        try:
            nb = page_to_notebook(
                markdown,
                language,
                version=_VERSION["package"],
                targets=targets(page, config, files),
            )
        except ValueError as error:
            raise PluginError(f"{page.file.src_uri}: cannot make its notebook: {error}") from None
        notebook.content_string = nbformat.writes(nb) + "\n"
    return env


def on_page_context(context, page, config, nav):
    notebook = _NOTEBOOKS.get(page.file.src_uri)
    if notebook is not None:
        # Beside the page: a relative link, for file:// and for a site under a sub-path.
        context["dlnotes_notebook"] = notebook.url_relative_to(page.file)
    return context
