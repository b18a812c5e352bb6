"""`dutyflow serve` starts the portal and serves the deployments until it is stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dutyflow.messages import t
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan
from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at


def group_ends(pgid: int, within: float = 10) -> bool:
    """Whether every process of the group has ended within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_starts_the_portal_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(BUNDLED_PLAN), BUNDLED_PLAN, now=at("2025-04-20"), actor="t")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DUTYFLOW_DATABASE_URL": url,
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dutyflow.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        healthy = False
        while time.monotonic() < deadline and process.poll() is None:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                healthy = False
            if healthy:
                break
            time.sleep(0.5)
        assert healthy, (tmp_path / "serve.log").read_text()
        # Stop it once the runner serves its deployments (Prefect's temporary server is up by then: a
        # Ctrl-C while that server's process is still importing is Python's traceback, not ours to word).
        while time.monotonic() < deadline and process.poll() is None:
            if "being served" in (tmp_path / "serve.log").read_text():
                break
            time.sleep(0.5)
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
        assert "being served" in (tmp_path / "serve.log").read_text(), (tmp_path / "serve.log").read_text()

        # Ctrl-C, as a terminal sends it, to the whole process group; SIGTERM, as a service manager does.
        if stop == signal.SIGINT:
            os.killpg(process.pid, stop)
        else:
            process.send_signal(stop)
        returncode = process.wait(timeout=30)  # TimeoutExpired: it did not stop on its own
        output = (tmp_path / "serve.log").read_text()
        assert returncode in (0, 130), output  # 130: Typer's exit status after an interrupt
        assert "Traceback" not in output and "Error" not in output, output
        assert t("serve_stop.own_server") in output and t("serve_stop.stopped") in output, output
        # The Prefect server `serve` started, in a session of its own, let go of its port too.
        prefect_ui = re.search(r"Prefect UI: (http://127\.0\.0\.1:\d+)/", output)
        assert prefect_ui is not None, output
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{prefect_ui.group(1)}/api/health", timeout=1)
        with pytest.raises(httpx.ConnectError):  # the portal let go of its port
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        assert group_ends(process.pid), "a process of `dutyflow serve` outlived it"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def test_serve_says_why_its_prefect_server_did_not_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(make_engine(url))
    env = {
        **os.environ,
        "DUTYFLOW_DATABASE_URL": url,
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        # The server's own database is on a port nobody listens on: it exits at start-up.
        "PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "dutyflow.cli", "serve", "--no-portal"],
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        start_new_session=True,
    )
    output = done.stdout + done.stderr
    words = " ".join(output.split())  # the terminal's width may wrap the lines
    assert done.returncode == 1, output
    log = tmp_path / "prefect" / "temporary-server.log"
    assert " ".join(t("serve_stop.server_failed", log=str(log), tail="").split()) in words, output
    assert "Connect call failed" in words, output  # the log's last lines name the cause
    assert "Traceback" not in output and 'File "' not in output, output
    assert "Application startup failed" in log.read_text(), log.read_text()
