"""The demo's year as a flow, `demo-year`: its days run the real flows (assign, chase, intake-mail,
consolidate) as subflows. Imported by `flows.simulate.run_demo` once Prefect is set up on the
demo's folder; the stage and the days themselves are `dutyflow.demo`'s.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prefect import flow

from dutyflow.demo.session import demo_stage
from dutyflow.demo.year import DemoResult, Progress, run_year
from dutyflow.flow_results import ReportRun
from flows._common import override


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
def reporting(progress: Progress) -> Iterator[None]:
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
