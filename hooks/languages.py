"""MkDocs hook: one site from one plain MkDocs configuration per language (FastAPI's layout).

`mkdocs.yml` builds the Korean pages of `docs/ko/` at the top of the site; `mkdocs.en.yml`
inherits it and builds `docs/en/`. Each is an ordinary MkDocs build, so every plugin works as
documented (mkdocs-jupyter included). This hook, through MkDocs' public events only:

1. Builds the other languages from the top language's build: each is `mkdocs build -f
   mkdocs.<lang>.yml` in a process of its own, started when the top build starts (the two run on
   two cores at once) into a folder of its own, and moved to `<site>/<lang>/` when both are done.
   So `mkdocs build` and `mkdocs serve` (with live reload of every language) give the whole site.
2. Points the language menu (Material's `extra.alternate`) of each page at the same page in each
   language, as links relative to the page, which work from `file://` too.
3. Gives English titles to the navigation (`extra.nav_translations` of `mkdocs.en.yml`): the
   navigation is written once, in `mkdocs.yml`.
4. Adds the files both languages share to each build: `docs/assets/` (styles, scripts, vendored
   KaTeX and mermaid) and `images/` (the figures, drawn by code in `figures/`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
SHARED = {"assets": ROOT / "docs" / "assets", "images": ROOT / "images"}
log = get_plugin_logger("dlnotes")


@dataclass
class Build:
    """Another language's build, running in its own process."""

    lang: str
    process: subprocess.Popen
    out: Path
    log: Path


_BUILDS: list[Build] = []


def languages(config) -> list[dict]:
    """The site's languages, the top one first (`extra.alternate`, its `link` being `./`)."""
    return list(config.extra.get("alternate") or [])


def current(config) -> dict:
    """This build's entry of `extra.alternate`."""
    lang = config.theme["language"]
    for alt in languages(config):
        if alt["lang"] == lang:
            return alt
    raise PluginError(f"theme.language {lang!r} is not in extra.alternate")


def is_top(config) -> bool:
    return current(config)["link"] in ("./", "")


def language_root(config, alt: dict) -> Path:
    """`docs/<lang>/`: the folders of the languages are siblings."""
    return Path(config.docs_dir).parent / alt["lang"]


def config_file(config, alt: dict) -> Path:
    return Path(config.config_file_path).with_name(f"mkdocs.{alt['lang']}.yml")


def on_config(config):
    titles = config.extra.get("nav_translations")
    if titles and config.nav:
        config.nav = _translate(config.nav, titles)
    return config


def _translate(nav, titles: dict):
    if isinstance(nav, list):
        return [_translate(item, titles) for item in nav]
    if isinstance(nav, dict):
        return {titles.get(k, k): _translate(v, titles) for k, v in nav.items()}
    return nav


# --- 1. The other languages' builds -------------------------------------------------------------


def on_pre_build(config) -> None:
    _BUILDS.clear()
    if not is_top(config):
        return
    for alt in languages(config)[1:]:
        out = Path(tempfile.mkdtemp(prefix=f"dlnotes-site-{alt['lang']}-"))
        log_path = out.with_suffix(".log")
        command = [sys.executable, "-m", "mkdocs", "build", "--quiet"]
        command += ["--config-file", str(config_file(config, alt)), "--site-dir", str(out)]
        if config.strict:
            command.append("--strict")
        with open(log_path, "w", encoding="utf-8") as stream:
            process = subprocess.Popen(
                command, cwd=ROOT, stdout=stream, stderr=subprocess.STDOUT, env=os.environ.copy()
            )
        _BUILDS.append(Build(alt["lang"], process, out, log_path))


@event_priority(-100)  # after the other plugins have written the site
def on_post_build(config) -> None:
    failures = []
    for build in _BUILDS:
        code = build.process.wait()
        output = build.log.read_text(encoding="utf-8", errors="replace").strip()
        if code != 0:
            failures.append(f"the {build.lang} build failed:\n{output[-6000:]}")
        else:
            if output:
                log.info("%s build:\n%s", build.lang, output)
            target = Path(config.site_dir) / build.lang
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(build.out, target)
        _remove(build)
    _BUILDS.clear()
    if failures:
        raise PluginError("\n".join(failures))


def on_build_error(error) -> None:
    for build in _BUILDS:
        build.process.terminate()
        build.process.wait()
        _remove(build)
    _BUILDS.clear()


def _remove(build: Build) -> None:
    shutil.rmtree(build.out, ignore_errors=True)
    build.log.unlink(missing_ok=True)


def on_serve(server, config, builder):
    """`mkdocs serve` rebuilds (every language) when another language's pages change too."""
    for alt in languages(config)[1:]:
        server.watch(str(language_root(config, alt)))
        server.watch(str(config_file(config, alt)))
    for folder in SHARED.values():
        server.watch(str(folder))
    return server


# --- 2. The language menu -----------------------------------------------------------------------


def on_page_context(context, page, config, nav):
    here = PurePosixPath(current(config)["link"], page.file.dest_uri).parent
    links = []
    for alt in languages(config):
        exists = (language_root(config, alt) / page.file.src_uri).is_file()
        target = PurePosixPath(alt["link"], page.file.dest_uri if exists else "index.html")
        href = PurePosixPath(os.path.relpath(target, here or ".")).as_posix()
        links.append({"name": alt["name"], "lang": alt["lang"], "href": href})
    context["dlnotes_alternates"] = links
    return context


# --- 4. Files both languages share --------------------------------------------------------------


@event_priority(100)  # before the other plugins look at the files
def on_files(files: Files, config) -> Files:
    for prefix, folder in SHARED.items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                src_uri = f"{prefix}/{path.relative_to(folder).as_posix()}"
                if files.get_file_from_path(src_uri) is None:
                    src_dir = str(folder.parent) if folder.name == prefix else None
                    if src_dir is None:
                        files.append(File.generated(config, src_uri, abs_src_path=str(path)))
                    else:
                        files.append(
                            File(src_uri, src_dir, config.site_dir, config.use_directory_urls)
                        )
    return files
