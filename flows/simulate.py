"""The demo's Prefect side: the year of `dutyflow.demo` as a flow (`demo-year`) whose days run the real
flows as its subflows, Prefect on a store in the demo folder. What the units do and when, the clock,
the set-up and the summary are in `dutyflow/demo/`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import flow

from dutyflow.demo.plan import demo_span, prepare
from dutyflow.demo.session import demo_stage
from dutyflow.demo.year import DemoResult, Progress, run_year
from dutyflow.flow_results import ReportRun
from dutyflow.paths import BUNDLED_PLAN
from flows._common import override

__all__ = ["DemoResult", "demo_span", "demo_year", "run_demo"]


class PrefectFlows:
    """The year's flows: the real Prefect flows, each a run in the demo's Prefect store."""

    def assign(self, as_of: dt.date) -> object:
        from flows.assign import assign

        return assign(as_of=as_of)

    def chase(self, as_of: dt.date) -> object:
        from flows.chase import chase

        return chase(as_of=as_of)

    def intake_mail(self, as_of: dt.date) -> object:
        from flows.intake_mail import intake_mail

        return intake_mail(as_of=as_of)

    def consolidate(self, as_of: dt.date, final: bool) -> ReportRun:
        from flows.consolidate import consolidate_flow

        return consolidate_flow(as_of=as_of, final=final)


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
    with _prefect(out_dir), _reporting(progress or (lambda d, s: None)):
        result = demo_year(out_dir, plan_path, seed)
    result.seconds = time.monotonic() - started
    return result


@flow(name="demo-year")
def demo_year(out_dir: Path, plan_path: Path, seed: int = 2025) -> DemoResult:
    """The year of the plan at `plan_path`, simulated in `out_dir` (both prepared by `run_demo`):
    every day something happens, through the real flows, which run as this flow's subflows."""
    with demo_stage(out_dir, plan_path, install=override) as (stage, result):
        run_year(stage, PrefectFlows(), seed, result, _progress())
    return result


_lock = threading.Lock()
_listeners: list[Progress] = []


@contextmanager
def _reporting(progress: Progress) -> Iterator[None]:
    """`progress` hears of each day of the flow run inside the block (a callback is no flow
    parameter: Prefect would try to store it)."""
    with _lock:
        _listeners.append(progress)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(progress)


def _progress() -> Progress:
    with _lock:
        return _listeners[-1] if _listeners else (lambda d, s: None)


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
