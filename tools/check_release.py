"""Checks that a release is consistent before it is built: one version, written in one place.

    python tools/check_release.py              # pyproject's version has its CHANGELOG section
    python tools/check_release.py --tag v0.1.0 # ... and the tag being released names it

The version is `[project] version` in `pyproject.toml` (the package reads it back at run time
with `importlib.metadata`). A release is the git tag `v<version>`; `CHANGELOG.md` must have a
section `## [<version>] - YYYY-MM-DD` for it. `.github/workflows/release.yml` runs this first.
Exits 1 with one line per problem.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def project_version(root: Path = ROOT) -> str:
    """`[project] version` of `pyproject.toml`."""
    with open(root / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["version"]


def changelog_versions(root: Path = ROOT) -> list[str]:
    """The released versions of `CHANGELOG.md`, newest first (sections `## [X.Y.Z] - date`)."""
    text = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    return re.findall(r"^## \[(\d[^\]]*)\] - \d{4}-\d{2}-\d{2}\s*$", text, flags=re.MULTILINE)


def problems(tag: str | None, root: Path = ROOT) -> list[str]:
    """What is wrong with releasing `tag` (or the current version when `tag` is None)."""
    version = project_version(root)
    found = []
    if tag is not None and tag != f"v{version}":
        found.append(
            f"the tag {tag!r} does not name pyproject.toml's version {version} (v{version})"
        )
    released = changelog_versions(root)
    if version not in released:
        found.append(f"CHANGELOG.md has no section '## [{version}] - YYYY-MM-DD'")
    elif released[0] != version:
        found.append(f"CHANGELOG.md's newest section is {released[0]}, not {version}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tag", help="the git tag being released, e.g. v0.1.0")
    args = parser.parse_args(argv)
    found = problems(args.tag)
    for problem in found:
        print(f"check_release: {problem}", file=sys.stderr)
    if not found:
        print(f"release {project_version()}: version, tag and CHANGELOG agree")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
