"""A Prefect server of `dutyflow serve`'s own, when none is configured (decision "Ctrl-C stops serve
cleanly").

Without `PREFECT_API_URL`, Prefect's client starts a temporary server as a child process in the
caller's process group: a Ctrl-C in the terminal reaches it too, it dies at once, and the runner's
shutdown then retries against a dead server for up to minutes, printing tracebacks. This module
starts the server through Prefect's public CLI (`python -m prefect server start`, with its UI, which the console's run-now links to) in a
session of its own, so a terminal's signals never reach it, waits for its `/api/health`, and stops
it when the block ends: terminate, wait, kill. The caller stops its runner inside the block, so the
runner shuts down while its server still answers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

STARTUP_TIMEOUT_SECONDS = 90.0
"""How long the server may take to answer: its first start migrates its database, and on a loaded
2-core machine that takes tens of seconds."""

STOP_TIMEOUT_SECONDS = 10.0
"""How long the server may take to stop after SIGTERM before it is killed."""

LOG_NAME = "temporary-server.log"
"""The server's output, in its `PREFECT_HOME`; a failed start quotes its last lines."""


class ServerDidNotStart(Exception):
    """The server exited or did not answer in time; `log_tail` is the end of its output."""

    def __init__(self, log: Path, log_tail: str) -> None:
        super().__init__(f"the Prefect server did not start (see {log})")
        self.log = log
        self.log_tail = log_tail


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def tail(path: Path, lines: int = 5) -> str:
    """The last `lines` lines of `path` a person reads: the frames of a traceback are left out (the
    error's own line stays), the whole log is at `path`; nothing when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    said = [line for line in text.splitlines() if line.strip() and not line[0].isspace() and "Traceback" not in line]
    return "\n".join(said[-lines:])


def server_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", str(port)]


def server_environment(home: Path) -> dict[str, str]:
    """This process's environment for the server, on `home`, quiet, with the UI the console links a run to."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_UI_ENABLED": "true",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)  # the server is not a client of another server
    return env


@contextmanager
def prefect_api() -> Iterator[str | None]:
    """Within the block, this process's Prefect client talks to a real server: the configured one
    (`PREFECT_API_URL`, yielded as None: nothing was started), or a temporary one on the configured
    `PREFECT_HOME` (its API URL yielded), set for this context; a thread that should use it runs in
    a copy of this context."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    if settings.api.url:
        yield None
        return
    with temporary_server(Path(settings.home)) as api, temporary_settings(updates={PREFECT_API_URL: api}):
        yield api


@contextmanager
def temporary_server(
    home: Path, host: str = "127.0.0.1", startup_timeout: float = STARTUP_TIMEOUT_SECONDS
) -> Iterator[str]:
    """Run a Prefect server on `home` (its database and log) until the block ends; yields its API
    URL. Raises `ServerDidNotStart` when it exits or does not answer within `startup_timeout`."""
    home.mkdir(parents=True, exist_ok=True)
    log = home / LOG_NAME
    port = free_port(host)
    with log.open("wb") as output:
        process = subprocess.Popen(
            server_command(host, port),
            env=server_environment(home),
            stdin=subprocess.DEVNULL,  # not interactive: the CLI asks no question about profiles
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the terminal's Ctrl-C reaches us, not the server
        )
    try:
        api = f"http://{host}:{port}/api"
        wait_healthy(process, api, log, startup_timeout)
        yield api
    finally:
        stop(process)


def wait_healthy(process: subprocess.Popen[bytes], api: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise ServerDidNotStart(log, tail(log))


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after `timeout`. A second
    Ctrl-C meanwhile kills it at once rather than leave it running in its own session."""
    try:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    except BaseException:
        _signal_group(process, signal.SIGKILL)
        process.wait()
        raise
    # Anything the server started in its session (a worker process) goes with it.
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


__all__ = ["STARTUP_TIMEOUT_SECONDS", "ServerDidNotStart", "prefect_api", "temporary_server"]
