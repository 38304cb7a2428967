"""Every lesson page as a notebook (`hooks/page_to_notebook.py`, `hooks/page_notebooks.py`), and
the install cell every downloadable notebook starts with.

- The conversion, on small pages: hidden setup, shown outputs, doctests, admonitions with code in
  them, tabs, links, figures, attribute lists; code spans and math left alone.
- Every chapter converts, in both languages, to one code cell per Python block (plus the install
  cell) with the outputs the page shows, and the two languages have the same code.
- The install cell: the installed version, accepted by IPython (an indented `%pip`), the same code
  in both languages, first among the code cells.
- No downloadable notebook reads a file by a path into this repository.
- The built site (`TestBuiltSite`): each chapter offers its notebook, made from its page, and the
  hand-written notebooks start with the install cell too.

Their runs in a kernel: `test_page_notebook_runs.py`.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import re
from pathlib import Path, PurePosixPath

import nbformat
import pytest
from test_course import PROJECT_TALK, lectures

from pages import DOCS, LANGUAGES, ROOT, fences, import_file

install = import_file(ROOT / "hooks/install_cell.py", "install_cell")
notebook_markdown = import_file(ROOT / "hooks/notebook_markdown.py", "notebook_markdown")
convert = import_file(ROOT / "hooks/page_to_notebook.py", "page_to_notebook")
runs_hook = import_file(ROOT / "hooks/notebooks.py", "dlnotes_notebooks_hook")

CHAPTERS = [PurePosixPath(name).stem for _, name in lectures() if name.endswith(".md")]
NOTEBOOKS = [PurePosixPath(name).stem for _, name in lectures() if name.endswith(".ipynb")]
VERSION = "9.8.7"


def notebook(text: str, language: str = "en", **targets) -> nbformat.NotebookNode:
    return convert.page_to_notebook(
        text, language, version=VERSION, targets=notebook_markdown.Targets(**targets)
    )


def code_cells(nb) -> list:
    """The code cells after the install cell."""
    cells = [c for c in nb.cells if c.cell_type == "code"]
    assert cells[0].id == install.INSTALL_CELL_ID
    return cells[1:]


def figure(target: str) -> bytes | None:
    """A page's figure, as the site has it: `images/` is the repository's (hooks/languages.py)."""
    path = ROOT / target
    return path.read_bytes() if target.startswith("images/") and path.is_file() else None


def chapter_notebook(name: str, lang: str) -> nbformat.NotebookNode:
    return notebook((DOCS / lang / f"{name}.md").read_text(encoding="utf-8"), lang, image=figure)


# --- The converter ------------------------------------------------------------------------------


def test_hidden_setup_shown_code_and_its_output():
    nb = notebook(
        "# Title { #title }\n\nSome text.\n\n"
        "<!-- invisible-code-block: python\nimport math\n-->\n\n"
        "```python\nprint(math.pi > 3)\n```\n\n```output\nTrue\n```\n\nMore text.\n"
    )
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code", "markdown"]
    assert nb.cells[0].source == '# Title <a id="title"></a>\n\nSome text.'
    setup, shown = code_cells(nb)
    assert setup.source == f"{convert.SETUP_COMMENT['en']}\nimport math"  # says what it is
    assert setup.metadata == {"jupyter": {"source_hidden": True}, "tags": ["setup"]}
    assert shown.source == "print(math.pi > 3)" and shown.metadata == {}
    assert shown.outputs == [nbformat.v4.new_output("stream", name="stdout", text="True\n")]
    assert not setup.outputs
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_a_doctest_block_is_one_cell_per_example():
    nb = notebook('```python\n>>> x = [1, 2]\n>>> x\n[1, 2]\n>>> print("a")\na\n```\n')
    first, value, printed = code_cells(nb)
    assert (first.source, first.outputs) == ("x = [1, 2]", [])
    assert value.source == "x"
    assert value.outputs[0]["output_type"] == "execute_result"
    assert value.outputs[0]["data"] == {"text/plain": "[1, 2]"}
    assert printed.outputs == [nbformat.v4.new_output("stream", name="stdout", text="a\n")]


def test_an_output_block_needs_a_python_block_before_it():
    with pytest.raises(ValueError, match="must follow a ```python block"):
        notebook("Text.\n\n```output\n1\n```\n")
    with pytest.raises(ValueError, match="must follow"):
        notebook("```python\nprint(1)\n```\n\n```output\n1\n```\n\n```output\n1\n```\n")


def test_admonitions_keep_their_code_in_order():
    nb = notebook(
        '!!! question "Exercise 1"\n    Compute $a_{ij}$.\n\n'
        '??? success "Solution"\n\n    Like this:\n\n'
        "    ```python\n    print(2)\n    ```\n\n    ```output\n    2\n    ```\n\n"
        "    Then that.\n\nAfter.\n",
        language="ko",
    )
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["markdown", "code", "code", "markdown"]
    question = nb.cells[0].source
    assert question.startswith(
        "<blockquote>\n\n**Exercise 1**\n\nCompute $a_{ij}$.\n\n</blockquote>"
    )
    folded = f"*{convert.FOLDED_CODE['ko']}*"
    assert question.endswith(
        "<blockquote>\n\n<details>\n<summary><strong>Solution</strong></summary>\n\n"
        f"Like this:\n\n{folded}\n\n</details>\n\n</blockquote>"
    )
    (solution,) = code_cells(nb)
    assert solution.source == "print(2)"
    assert solution.outputs[0]["text"] == "2\n"
    # Folded like the box it is in on the page.
    assert solution.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    continued = "<blockquote>\n\n<details>\n<summary><strong>Solution (이어서)</strong></summary>"
    assert nb.cells[3].source.startswith(continued)
    assert nb.cells[3].source.endswith("</details>\n\n</blockquote>\n\nAfter.")


def test_a_collapsed_box_that_opens_with_code_is_not_an_empty_details():
    nb = notebook('??? success "Solution"\n    ```python\n    print(2)\n    ```\n\nAfter.\n')
    hint = f"*{convert.FOLDED_CODE['en']}*"
    assert nb.cells[0].source == (
        "<blockquote>\n\n<details>\n<summary><strong>Solution</strong></summary>\n\n"
        f"{hint}\n\n</details>\n\n</blockquote>"
    )
    assert code_cells(nb)[0].metadata["jupyter"]["source_hidden"]
    assert nb.cells[-1].source == "After."  # no code after it: no hint
    assert not re.search(r"</summary>\s*</details>", nb.cells[0].source)


def test_tabs_become_titled_sections():
    nb = notebook(
        '=== "NumPy"\n\n    ```python\n    a = 1\n    ```\n\n'
        '=== "PyTorch"\n\n    Text.\n\n    ```python\n    b = 2\n    ```\n'
    )
    assert [c.source for c in nb.cells if c.id != install.INSTALL_CELL_ID] == [
        "**NumPy**",
        "a = 1",
        "**PyTorch**\n\nText.",
        "b = 2",
    ]


def test_links_figures_and_attribute_lists():
    page = (
        "See [tensors](tensor-basics.md#views), [`describe`][dlnotes.tensor.describe], "
        "[`dlnotes.models.MLP`][], [above](#top), [torch](https://pytorch.org) "
        "and `x[0][1]` with $[a](b)$.\n\n![A figure](images/a.png){ .dlnotes-no-zoom }\n\n"
        "```mermaid\nflowchart LR\n    A --> B\n```\n"
    )
    offline = notebook(page).cells[0]
    assert offline.source.startswith(
        "See tensors, `describe`, `dlnotes.models.MLP`, [above](#top), "
        "[torch](https://pytorch.org) and `x[0][1]` with $[a](b)$."
    )
    assert "![A figure](images/a.png)\n" in offline.source  # no bytes given: left as written
    assert "```mermaid\nflowchart LR\n    A --> B\n```" in offline.source

    site = "https://example.org/course/"
    online = notebook(
        page,
        page_url=lambda target: site + target.replace(".md", ".html"),
        api_url=lambda identifier: f"{site}api.html#{identifier}",
        image=lambda target: b"\x89PNG" if target == "images/a.png" else None,
    ).cells[0]
    assert online.source.startswith(
        f"See [tensors]({site}tensor-basics.html#views), "
        f"[`describe`]({site}api.html#dlnotes.tensor.describe), "
        f"[`dlnotes.models.MLP`]({site}api.html#dlnotes.models.MLP), [above](#top)"
    )
    assert "![A figure](attachment:a.png)\n" in online.source
    assert online.attachments == {"a.png": {"image/png": base64.b64encode(b"\x89PNG").decode()}}


EMPHASIS_CASES = {
    # Python-Markdown's bold that CommonMark does not read (punctuation, then a letter): HTML.
    "특히 **텐서의 모양(shape)**을 봅니다.": "특히 <strong>텐서의 모양(shape)</strong>을 봅니다.",
    "1. **`Dataset`**은 샘플을": "1. <strong>`Dataset`</strong>은 샘플을",
    "an *(x)*y and **x.**y": "an <em>(x)</em>y and <strong>x.</strong>y",
    # What CommonMark reads as Python-Markdown does: left as written.
    "**브로드캐스팅(broadcasting)** 규칙, **`for` 반복문**은": "**브로드캐스팅(broadcasting)** 규칙, "
    "**`for` 반복문**은",
    "the **median**. *반복 가능한 객체*(iterable)": "the **median**. *반복 가능한 객체*(iterable)",
    # Not emphasis: a list's bullet, code, math.
    "* item `**x**`y $a*b*c$": "* item `**x**`y $a*b*c$",
}


@pytest.mark.parametrize("page", EMPHASIS_CASES, ids=range(len(EMPHASIS_CASES)))
def test_bold_and_italics_that_commonmark_misreads_become_html(page):
    markdown_it = pytest.importorskip("markdown_it")
    cell = notebook(page).cells[0]
    assert cell.source == EMPHASIS_CASES[page]
    html = markdown_it.MarkdownIt("commonmark").render(cell.source)
    html = re.sub(r"<code>.*?</code>|\$[^$]*\$", "", html)
    assert "*" not in html.replace("<li>item", ""), html


def test_a_fenced_block_in_a_list_item_stays_in_it():
    markdown_it = pytest.importorskip("markdown_it")
    fence = "    ```text\n    y = 2.0 * x  # **not** bold)**here**\n    ```"
    nb = notebook(f"- First:\n\n{fence}\n\n- Second.\n")
    (cell,) = [c for c in nb.cells if c.cell_type == "markdown"]
    assert cell.source == f"- First:\n\n{fence}\n\n- Second."  # as written
    html = markdown_it.MarkdownIt("commonmark").render(cell.source)
    assert html.count("<ul>") == 1 and re.search(r"<li>.*First.*<pre>.*</pre>.*</li>", html, re.S)


def test_skipped_blocks_are_shown_not_run():
    nb = notebook(
        "<!-- skip: next -->\n\n```python\nimport network\n```\n\n```python\nx = 1\n```\n"
    )
    assert nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source == "```python\nimport network\n```"
    assert [c.source for c in code_cells(nb)] == ["x = 1"]


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="Unknown language 'fr'"):
        convert.page_to_notebook("x", "fr", version=VERSION)


# --- The install cell ---------------------------------------------------------------------------


def test_install_cell_names_the_installed_version_and_ipython_runs_it():
    from IPython.core.inputtransformer2 import TransformerManager

    version = importlib.metadata.version("dlnotes-course")
    assert install.package_version() == version
    ko, en = (install.install_source(lang, version) for lang in LANGUAGES)
    assert f"dlnotes-course {version}" in ko.splitlines()[0]
    assert f"dlnotes-course {version}" in en.splitlines()[0]
    assert runs_hook.code_tokens(ko) == runs_hook.code_tokens(en)  # comments aside, the same
    python = TransformerManager().transform_cell(en)
    assert f"get_ipython().run_line_magic('pip', 'install dlnotes-course=={version}')" in python
    compile(python, "install", "exec")
    for source in (ko, en):
        assert not PROJECT_TALK.search(source)


def test_install_cell_goes_before_the_first_code_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1")]
    install.with_install_cell(nb, "ko", VERSION)
    assert [c.get("id") for c in nb.cells][1] == install.INSTALL_CELL_ID
    with pytest.raises(ValueError, match="already"):
        install.with_install_cell(nb, "ko", VERSION)
    with pytest.raises(ValueError, match="Invalid version"):
        install.install_source("en", "1.0; rm -rf /")


# --- Every chapter --------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_chapter_converts_in_both_languages(name):
    made = {}
    for lang in LANGUAGES:
        text = (DOCS / lang / f"{name}.md").read_text(encoding="utf-8")
        nb = made[lang] = chapter_notebook(name, lang)
        blocks = [f for f in fences(text) if f.info == "python"]
        shown = [f for f in fences(text) if f.info == "output"]
        cells = code_cells(nb)
        assert len(cells) == len(blocks), f"{name} ({lang}): a Python block is not a code cell"
        assert sum(bool(c.outputs) for c in cells) == len(shown), f"{name} ({lang}): outputs"
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert not re.search(r"^\s*(?:!!!|\?\?\?|===) ", markdown, re.M), "an admonition is left"
        assert not re.search(r"\{\s*[#.][\w-]+\s*\}", markdown), "an attribute list is left"
        assert not re.search(r"\]\((?!https?:|#|attachment:)", markdown), "a relative link is left"
        assert not re.search(r"</summary>\s*</details>", markdown), "empty details"
    ko, en = (code_cells(made[lang]) for lang in LANGUAGES)
    assert [runs_hook.code_tokens(c.source) for c in ko] == [
        runs_hook.code_tokens(c.source) for c in en
    ], f"{name}: the languages' code differs"
    assert [c.outputs for c in ko] == [c.outputs for c in en], f"{name}: outputs differ"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_chapters_bold_and_italics_render_in_commonmark(lang):
    """Jupyter's Markdown is CommonMark: no `*` of the prose is left showing."""
    markdown_it = pytest.importorskip("markdown_it").MarkdownIt("commonmark")
    left = []
    for name in CHAPTERS:
        for cell in chapter_notebook(name, lang).cells:
            if cell.cell_type == "markdown":
                html = markdown_it.render(cell.source)  # code, math and alt texts aside:
                shown = r'<pre>.*?</pre>|<code>.*?</code>|\$\$.*?\$\$|\$[^$\n]*\$|alt="[^"]*"'
                html = re.sub(shown, "", html, flags=re.S)
                left += [f"{name} {cell.id}: {line}" for line in html.splitlines() if "*" in line]
    assert not left, "\n".join(left)


# A path into this repository in a string: a downloaded notebook has none of these folders.
REPOSITORY_PATH = re.compile(r"""["'](?:\.\./|\./)?(?:docs|images|shared|src|tests|figures)/""")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_notebook_reads_files_of_the_repository(lang):
    sources = {
        f"{name}.md": [c.source for c in code_cells(chapter_notebook(name, lang))]
        for name in CHAPTERS
    }
    for path in sorted((DOCS / lang).glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        sources[path.name] = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    found = [
        f"{name}: {line.strip()}"
        for name, cells in sources.items()
        for source in cells
        for line in source.splitlines()
        if REPOSITORY_PATH.search(line) or "__file__" in line
    ]
    assert not found, "\n".join(found)


# --- The built site -----------------------------------------------------------------------------


@pytest.fixture(scope="class")
def site(tmp_path_factory) -> Path:
    from site_build import shared_site

    return shared_site(tmp_path_factory)


def _download_link(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"[^>]*class="[^"]*dlnotes-download', html)


class TestBuiltSite:
    @pytest.mark.slow
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_each_chapter_offers_its_notebook(self, site, lang):
        folder = site if lang == LANGUAGES[0] else site / lang
        version = importlib.metadata.version("dlnotes-course")
        for name in CHAPTERS:
            html = (folder / f"{name}.html").read_text(encoding="utf-8")
            assert _download_link(html) == [f"{name}.ipynb"], name
            built = nbformat.read(folder / f"{name}.ipynb", as_version=4)
            nbformat.validate(built)
            made = notebook((DOCS / lang / f"{name}.md").read_text(encoding="utf-8"), lang)
            assert [(c.source, c.outputs) for c in code_cells(built)] == [
                (c.source, c.outputs) for c in code_cells(made)
            ], f"{name} ({lang}): the site's notebook is not the page's"
            first = next(c for c in built.cells if c.cell_type == "code")
            assert f"dlnotes-course=={version}" in first.source
            markdown = [c for c in built.cells if c.cell_type == "markdown"]
            text = "\n".join(c.source for c in markdown)
            # Links reach the published site; figures travel inside the notebook.
            assert not re.search(r"\]\((?!https?:|#|attachment:)", text), name
            if "](attachment:" in text:
                assert any(c.get("attachments") for c in markdown)

    @pytest.mark.slow
    @pytest.mark.parametrize("lang", LANGUAGES)
    def test_hand_written_notebooks_start_with_the_install_cell(self, site, lang):
        folder = site if lang == LANGUAGES[0] else site / lang
        version = importlib.metadata.version("dlnotes-course")
        for name in NOTEBOOKS:
            built = nbformat.read(folder / f"{name}.ipynb", as_version=4)
            first = next(c for c in built.cells if c.cell_type == "code")
            assert first.id == install.INSTALL_CELL_ID, name
            assert first.source == install.install_source(lang, version), name
            page = (folder / f"{name}.html").read_text(encoding="utf-8")
            assert f"dlnotes-course=={version}" in page, f"{name}: the page shows no install cell"
            text = "\n".join(c.source for c in built.cells if c.cell_type == "markdown")
            assert not re.search(r"\]\((?!https?:|#|attachment:)", text), f"{name}: a relative link"
            # The page itself links to the same pages relatively (it works from file://).
            for url in re.findall(r"\]\((https://[^)]+\.html(?:#[^)]*)?)\)", text):
                assert f'href="{url.rsplit("/", 1)[1]}"' in page, f"{name}: {url}"
