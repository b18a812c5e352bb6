"""The demo's Prefect side: Prefect on a store in the demo folder, and `run_demo`, which plays the
year of `dutyflow.demo` as the flow `demo-year` (`flows/demo_year.py`). What the units do and
when, the clock, the set-up and the summary are in `dutyflow/demo/`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dutyflow.demo.plan import demo_span, prepare
from dutyflow.demo.year import DemoResult, Progress
from dutyflow.paths import BUNDLED_PLAN

__all__ = ["DemoResult", "demo_span", "run_demo"]


def run_demo(
    out_dir: Path,
    *,
    plan_path: Path = BUNDLED_PLAN,
    seed: int = 2025,
    quick: bool = False,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the year of the plan at `plan_path` (the bundled 2025 plan by default) as the flow
    `demo-year`, on Prefect in `out_dir`, telling `progress` each day it reaches."""
    started = time.monotonic()
    out_dir = out_dir.resolve()
    plan_path = prepare(out_dir, plan_path, quick=quick)  # empties the folder, Prefect's store too
    with _prefect(out_dir):
        # Imported once Prefect's settings are in place: importing `prefect.flow` sets up
        # Prefect's logging from them (at WARNING here, as the demo prints its own summary).
        from flows.demo_year import demo_year, reporting

        with reporting(progress or (lambda d, s: None)):
            result = demo_year(out_dir, plan_path, seed)
    result.seconds = time.monotonic() - started
    return result


STARTUP_TIMEOUT_SECONDS = 90
"""How long the demo waits for its ephemeral Prefect server: on a loaded machine 20 s is not enough."""


@contextmanager
def _prefect(out_dir: Path) -> Iterator[None]:
    """Prefect on a store in the demo folder, offline and quiet, with no flow heartbeats (they
    cost about a second per flow run) and a patient start of its ephemeral server."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    prefect_home = out_dir / "prefect"
    prefect_home.mkdir(parents=True, exist_ok=True)
    values = {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_SECONDS),
    }
    saved = {key: os.environ.get(key) for key in [*values, "PREFECT_API_URL"]}
    os.environ.update(values)
    os.environ.pop("PREFECT_API_URL", None)
    updates = {
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: STARTUP_TIMEOUT_SECONDS,
    }
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
