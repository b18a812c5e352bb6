"""Shared plumbing of the flows: their resources, the date a run is for, batching, run names, artifacts."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from dutyflow.audit import SYSTEM_ACTOR
from dutyflow.messages import t
from dutyflow.notify import Notifier, Outcome, UnitRef
from dutyflow.resources import Resources, utcnow
from dutyflow.run_artifacts import run_artifacts
from dutyflow.store.db import session_scope
from dutyflow.store.queries import status_lines
from dutyflow.store.sync import sync_obligations

_lock = threading.Lock()
_default: Resources | None = None
_overrides: list[Resources] = []


def resources() -> Resources:
    """The resources every flow and task runs on: the innermost `override`, else the production
    ones built once from the settings. Module-level rather than a context variable, so the
    task runner's worker threads see what the flow's caller put in place."""
    global _default
    with _lock:
        if _overrides:
            return _overrides[-1]
        if _default is None:
            _default = Resources.from_settings()
        return _default


@contextmanager
def override(replacement: Resources) -> Iterator[Resources]:
    """Run the flows on `replacement` inside the block (tests, the demo)."""
    with _lock:
        _overrides.append(replacement)
    try:
        yield replacement
    finally:
        with _lock:
            _overrides.remove(replacement)


def resolve_now(as_of: dt.date | None, tz: dt.tzinfo) -> tuple[dt.date, dt.datetime]:
    """The plan-local day a run is for, and the instant it acts at.

    An explicit `as_of` (the CLI, the simulation) means 08:00 local on that day; otherwise the
    run's scheduled start time, or the clock for an ad-hoc run.
    """
    if as_of is not None:
        now = dt.datetime.combine(as_of, dt.time(8), tzinfo=tz)
        return as_of, now
    scheduled = flow_run.scheduled_start_time
    now = scheduled if isinstance(scheduled, dt.datetime) else utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(tz).date(), now


def run_name(key: str) -> str:
    as_of = flow_run.parameters.get("as_of")
    day = as_of if isinstance(as_of, dt.date) else (dt.date.fromisoformat(as_of) if as_of else None)
    text = day.strftime("%d/%m/%Y") if day else t("flows.scheduled")
    return t(key, day=text)


def batches(units: Sequence[UnitRef], size: int) -> Iterator[tuple[str, list[str]]]:
    """(label, unit codes): one unit per batch up to `size` units, else chunks of `size`."""
    if len(units) <= size:
        for unit in units:
            yield unit.name, [unit.code]
        return
    for start in range(0, len(units), size):
        chunk = units[start : start + size]
        label = t("flows.batch", first=chunk[0].name, last=chunk[-1].name, count=len(chunk))
        yield label, [u.code for u in chunk]


def hand_over(notifier: Notifier, now: dt.datetime) -> None:
    """The store owes what the plan asks on `now`'s day (`store.sync.sync_obligations`): what units
    closed by then still owe passes to their successors. Said in the run's log when anything
    changed. A step of the flow, not a task run of its own (docs/decisions.md, "A chase is two
    kinds of task runs")."""
    with session_scope(notifier.engine) as session:
        report = sync_obligations(session, notifier.plan_id, notifier.plan, now=now, actor=SYSTEM_ACTOR)
    if report.changed:
        print(report.describe())


def publish(kind: str, today: dt.date, outcome: Outcome, units: int, notifier: Notifier) -> None:
    """A table of what was sent, a short summary and who stands where, readable in the Prefect UI
    (the rows are `dutyflow.run_artifacts`')."""
    with session_scope(notifier.engine) as session:
        standing = status_lines(session, notifier.plan_id, today, needing_attention=True)
    shown = run_artifacts(kind, today, outcome, units, standing)
    create_table_artifact(key=f"{kind}-sent", table=shown.sent, description=shown.title)
    create_markdown_artifact(key=f"{kind}-summary", markdown=shown.summary, description=shown.title)
    create_table_artifact(key=f"{kind}-status", table=shown.status, description=shown.title)
