"""No Python shown on a page goes untested: sybil only runs fences whose info string is `python`."""

from __future__ import annotations

import pytest

from pages import DOCS, fences, skipped_python_fences

PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_python_fence_is_collected(path):
    bad = skipped_python_fences(path.read_text(encoding="utf-8"))
    assert not bad, "\n".join(
        f"{path.relative_to(DOCS)}:{f.line}: fence '```{f.info}' is not run by the tests; "
        "use a bare ```python fence (or ```text for code that must not run)"
        for f in bad
    )


def test_pages_have_code():
    assert PAGES, "no pages found under docs/"


PLANTED = """
# Page

```python
x = 1
```

```py
y = 2
```

    ```python title="x.py"
    z = 3
    ```

~~~ python
w = 4
~~~

```pycon
>>> 1
1
```

```{.python}
v = 5
```

```text
python is not code here
```

```bash
python -m pytest
```
"""


def test_lint_catches_planted_fences():
    bad = skipped_python_fences(PLANTED)
    assert [f.info for f in bad] == ["py", 'python title="x.py"', " python", "pycon", "{.python}"]
    assert [f.line for f in bad] == [8, 12, 16, 20, 25]


def test_fences_reads_indented_blocks():
    text = '??? success "x"\n\n    ```python\n    print(1)\n    ```\n'
    [block] = fences(text)
    assert block.info == "python"
    assert block.source == "print(1)"


def test_docstrings_use_the_examples_section():
    """griffe renders `Examples:` as code; a singular `Example:` becomes nested quotes on the site."""
    import re

    from pages import ROOT

    bad = [
        f"{path.relative_to(ROOT)}:{i}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.fullmatch(r"\s+Example:\s*", line)
    ]
    assert not bad, "use 'Examples:' (plural) in docstrings: " + ", ".join(bad)
