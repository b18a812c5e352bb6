"""Run the portal's ASGI app in a background thread on 127.0.0.1 (the demo, `serve`, browser tests)."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def background_server(app: Any, port: int, host: str = "127.0.0.1", timeout: float = 15) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL."""
    # proxy_headers=False: uvicorn would believe X-Forwarded-* from 127.0.0.1; the app decides whom
    # to believe (its trusted_proxy setting).
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=False))
    # The thread runs in a copy of this context: settings made for the caller (the Prefect server
    # `serve` started) hold for the portal's requests too.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(server.run,), name="portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the portal did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
