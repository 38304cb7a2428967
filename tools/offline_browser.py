"""The built site in the system's Chromium, offline: used by `make_pdf.py` and the browser tests.

- `serve(folder)` serves a folder on 127.0.0.1 (a free port) while in the block.
- `offline_chromium(playwright)` launches headless Chromium (Playwright for Python driving the
  system's browser: it never downloads one) whose only proxy is a local port that is bound but
  never listens, so connections to it are refused: a request to another host fails without
  leaving the machine, and 127.0.0.1 is reached directly. (A Playwright route would do the same
  but turns off the browser's cache.)

Chromium is `$DLNOTES_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str:
    chromium = (
        os.environ.get("DLNOTES_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not chromium:
        raise FileNotFoundError(
            "no Chromium found (apt-get install chromium, or set DLNOTES_CHROMIUM)"
        )
    return chromium


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """Serves `folder` on 127.0.0.1 (a free port) while in the block; yields its URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def offline_chromium(playwright) -> Iterator:
    """Headless Chromium that reaches 127.0.0.1 only (see the module's docstring), closed after
    the block; `playwright` is a started `sync_playwright()`."""
    with socket.socket() as dead_port:
        dead_port.bind(("127.0.0.1", 0))
        proxy = {"server": f"http://127.0.0.1:{dead_port.getsockname()[1]}", "bypass": "127.0.0.1"}
        browser = playwright.chromium.launch(
            executable_path=find_chromium(), args=CHROMIUM_ARGS, proxy=proxy
        )
        try:
            yield browser
        finally:
            browser.close()
