"""The package as a user gets it: its metadata, its distributions, a fresh install, a notebook.

The distribution is `dlnotes-course` (`dlnotes` on PyPI is another project); the import name is
`dlnotes`. The first tests read the installed metadata and the files that must agree with it;
the slow ones build the sdist and the wheel as `.github/workflows/release.yml` does, check them
with twine, install the wheel into a fresh virtual environment and use it from a folder outside
the repository: the `dlnotes` command, one page's examples, and a notebook downloaded from the
built site, whose first cell installs the package.

The fresh environment gets the package's requirements (torch and the rest, nothing else but pip and
the tools that run a notebook or a page) from this one, through a `.pth` file naming a folder of
links to them: installing torch anew would take minutes and gigabytes. Its pip sees them as
installed, so `pip install --no-index` of the wheel also checks that its requirements are met.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from pages import ROOT
from site_build import shared_site

DISTRIBUTION = "dlnotes-course"
METADATA = importlib.metadata.metadata(DISTRIBUTION)
# A notebook from the built site: the course's first, which also draws with matplotlib. (Every
# notebook's install cell and every chapter's notebook run are tested in test_page_notebooks.py
# and test_page_notebook_runs.py; here the point is the install, which is the same cell in all.)
DOWNLOADED_NOTEBOOKS = ["quick-tour.ipynb"]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- Metadata a user can trust -------------------------------------------------------------------


def test_classifiers_list_the_pythons_the_tests_run_on():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    tested = workflow["jobs"]["unit"]["strategy"]["matrix"]["python"]
    classifiers = METADATA.get_all("Classifier")
    listed = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c)]
    assert listed == tested
    assert METADATA["Requires-Python"] == f">={tested[0]}"


def test_project_urls_are_public_and_name_the_site():
    urls = dict(entry.split(", ", 1) for entry in METADATA.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(urls)
    for label, url in urls.items():
        assert url.startswith("https://"), (label, url)
        assert not re.search(r"localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]", url), (label, url)
    site_url = re.search(r"^site_url: (\S+)$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert site_url is not None and urls["Documentation"] == site_url.group(1)


def test_extras_name_this_distribution_not_the_other_dlnotes():
    """`dlnotes[docs]` in an extra would install the other project from PyPI."""
    for requirement in METADATA.get_all("Requires-Dist"):
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        assert normalized(name) != "dlnotes", requirement


def test_license_file_and_readme_ship():
    assert METADATA["License-Expression"] == "MIT"
    assert METADATA.get_all("License-File") == ["LICENSE"]
    assert METADATA["Description-Content-Type"] == "text/markdown"


def test_readme_links_work_on_pypi():
    """PyPI shows the README without the repository around it: no link relative to it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    relative = [t for t in targets if not re.match(r"(https?:|mailto:|#)", t)]
    assert targets and not relative


def test_version_tag_and_changelog_agree():
    pytest.importorskip("tomllib", reason="tools/check_release.py needs Python 3.11's tomllib")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import check_release
    finally:
        sys.path.remove(str(ROOT / "tools"))
    assert check_release.problems(None) == []
    assert check_release.problems(f"v{importlib.metadata.version(DISTRIBUTION)}") == []
    assert check_release.problems("v0.0.0-not-this") != []


INSTALL_DLNOTES = re.compile(r"pip install\s+(?:-[-\w]+\s+)*dlnotes(?![-\w])")


def test_no_one_is_told_to_install_the_other_dlnotes():
    texts = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]
    texts += sorted((ROOT / "docs").rglob("*.md")) + sorted((ROOT / "docs").rglob("*.ipynb"))
    told = [str(p.relative_to(ROOT)) for p in texts if INSTALL_DLNOTES.search(p.read_text())]
    assert told == []
    assert INSTALL_DLNOTES.search("%pip install dlnotes")
    assert not INSTALL_DLNOTES.search("pip install dlnotes-course")


# --- The distributions, built and installed ------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist and the wheel, built as the release workflow builds them (without isolation:
    this environment already has the build backend that pyproject.toml asks for)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


# What the fresh environments run besides the package: pip, a notebook runner, the page tests.
TOOLS = ["pip", "nbconvert", "ipykernel", "pytest", "sybil"]


def requirement_closure(names: list[str]) -> set[str]:
    """The installed distributions `names` need, theirs included, with the extras asked for."""
    needed: set[tuple[str, str]] = set()
    todo = [(name, "") for name in names]
    while todo:
        name, extra = todo.pop()
        if (normalized(name), extra) in needed:
            continue
        needed.add((normalized(name), extra))
        for line in importlib.metadata.requires(name) or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                todo += [(requirement.name, e) for e in ["", *requirement.extras]]
    return {name for name, _ in needed}


def fresh_environment(folder: Path) -> Path:
    """A new virtual environment with what `dlnotes-course` requires and TOOLS, but not the
    package itself: links to this environment's copies of those distributions only, so that a
    dependency the package uses but does not declare is missing there too."""
    links = folder / "packages"
    links.mkdir(parents=True)
    wanted = requirement_closure([DISTRIBUTION, *TOOLS]) - {DISTRIBUTION}
    for dist in importlib.metadata.distributions():
        if normalized(dist.metadata["Name"]) not in wanted:
            continue
        for top in {Path(str(f)).parts[0] for f in dist.files or ()} - {"..", "__pycache__"}:
            target = Path(str(dist.locate_file(top)))
            if target.exists() and not (links / top).exists() and not top.endswith(".pth"):
                (links / top).symlink_to(target)
    env = folder / "venv"
    venv.create(env, with_pip=False)  # pip comes with the links
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "dlnotes_course_test_packages.pth").write_text(f"{links}\n")
    return python


def run(args, cwd: Path, **env) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONNOUSERSITE": "1", **env},
        timeout=600,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
def test_distributions_pass_twine_check(dist: Path):
    result = run([sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir()], dist)
    assert result.stdout.count("PASSED") == 2


@pytest.mark.slow
def test_wheel_and_sdist_hold_the_package(dist: Path):
    version = importlib.metadata.version(DISTRIBUTION)
    wheel = only(dist, f"dlnotes_course-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    sources = {
        p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "dlnotes").rglob("*.py")
    }
    assert sources <= names
    assert "dlnotes/py.typed" in names
    info = f"dlnotes_course-{version}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    assert {n.split("/")[0] for n in names} == {"dlnotes", info}
    with tarfile.open(only(dist, f"dlnotes_course-{version}.tar.gz")) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    assert {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md"} <= members
    assert {s for s in members if s.startswith("src/dlnotes/")} >= {f"src/{s}" for s in sources}
    assert not any(m.startswith(("tests/", "docs/")) for m in members)


@pytest.mark.slow
def test_wheel_in_a_fresh_environment_runs_the_command_and_a_page(dist: Path, tmp_path: Path):
    python = fresh_environment(tmp_path / "env")
    work = tmp_path / "elsewhere"
    work.mkdir()
    run([python, "-m", "pip", "install", "--no-index", "--find-links", dist, DISTRIBUTION], work)
    run([python, "-m", "pip", "check"], work)
    version = importlib.metadata.version(DISTRIBUTION)
    command = python.parent / "dlnotes"
    assert run([command, "--version"], work).stdout.strip() == f"dlnotes ({DISTRIBUTION}) {version}"
    assert f"{DISTRIBUTION}   {version}" in run([command, "info"], work).stdout
    where = run([python, "-c", "import dlnotes; print(dlnotes.__file__)"], work).stdout
    assert Path(where.strip()).is_relative_to(tmp_path / "env" / "venv")
    # One page's examples, run by the course's own collector (conftest.py), as the release does.
    page = work / "docs" / "en" / "tensor-basics.md"
    page.parent.mkdir(parents=True)
    page.write_bytes((ROOT / "docs" / "en" / "tensor-basics.md").read_bytes())
    (work / "conftest.py").write_bytes((ROOT / "conftest.py").read_bytes())
    result = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "docs"], work)
    assert re.search(r"\b\d+ passed", result.stdout) and "failed" not in result.stdout


@pytest.mark.slow
class TestBuiltSite:
    """Reads the built site: named so that the run schedules it after the build (conftest.py)."""

    @pytest.mark.parametrize("notebook", DOWNLOADED_NOTEBOOKS)
    def test_downloaded_notebook_installs_the_package_and_runs(
        self, notebook: str, dist: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
    ):
        """A notebook from the built site, alone in a new folder, in an environment without the
        package: its first cell installs it (from the built wheel, as pip would from PyPI)."""
        site = shared_site(tmp_path_factory)
        python = fresh_environment(tmp_path / "env")
        work = tmp_path / "downloads"
        work.mkdir()
        downloaded = work / Path(notebook).name
        downloaded.write_bytes((site / notebook).read_bytes())
        first = next(
            c for c in json.loads(downloaded.read_text())["cells"] if c["cell_type"] == "code"
        )
        assert f"%pip install {DISTRIBUTION}==" in "".join(first["source"])
        execute = ["-m", "nbconvert", "--execute", "--to", "notebook", "--output", "ran"]
        env = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(dist), "JUPYTER_PLATFORM_DIRS": "1"}
        run([python, *execute, downloaded], work, **env)
        assert (work / "ran.ipynb").is_file()
        installed = run([python, "-m", "pip", "show", DISTRIBUTION], work).stdout
        assert f"Version: {importlib.metadata.version(DISTRIBUTION)}" in installed
