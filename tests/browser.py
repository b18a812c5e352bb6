"""A live portal on 127.0.0.1 and Debian's Chromium driven by Playwright, for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dutyflow.portal.server import background_server
from tests.ci import unavailable

CHROMIUM = os.environ.get("DUTYFLOW_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        unavailable(f"Chromium not found at {CHROMIUM} (Debian package `chromium`; `bash .ci/setup --test` installs it)")
    return path


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with background_server(app, port) as base:
        yield base


@contextmanager
def chromium_page(tmp_dir: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, locale="vi-VN", viewport={"width": 1280, "height": 900})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()
