"""The flows' schedules as the office reads and changes them, for the CLI and the console alike.

`overview` is every flow's schedule with its cron in words and its next runs; `change` checks an
expression (cronsim must read it, as the served deployment's scheduler will) and stores it through
`admin.set_schedule` (audited). Pushing the change to a served deployment is Prefect's side
(`run_now.FlowLauncher.push_schedule`): this module never imports Prefect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from dutyflow import admin, cron_words
from dutyflow.messages import t
from dutyflow.store.models import PlanRow

NEXT_RUNS = 5


@dataclass(frozen=True)
class FlowSchedule:
    """A flow's schedule as a page shows it: next runs are local times of `timezone`."""

    flow: str
    cron: str
    timezone: str
    words: str
    next_runs: list[dt.datetime]
    updated_by: str
    updated_at: dt.datetime


def plan_timezone(plan: PlanRow) -> str:
    return str(plan.document.get("calendar", {}).get("timezone") or admin.DEFAULT_TIMEZONE)


def overview(session: Session, plan: PlanRow, *, now: dt.datetime) -> list[FlowSchedule]:
    """Every flow's schedule (defaults written on first read, as `admin.schedules` does)."""
    rows = admin.schedules(session, plan_timezone(plan))
    return [
        FlowSchedule(
            row.flow,
            row.cron,
            row.timezone,
            cron_words.describe(row.cron),
            _next(row.cron, row.timezone, now),
            row.updated_by,
            row.updated_at,
        )
        for row in rows.values()
    ]


def _next(cron: str, timezone: str, now: dt.datetime) -> list[dt.datetime]:
    try:
        return cron_words.next_runs(cron, timezone, now, NEXT_RUNS)
    except cron_words.BadCron:  # stored before expressions were checked with cronsim
        return []


def change(
    session: Session, plan: PlanRow, flow: str, cron: str, reason: str | None, *, now: dt.datetime, actor: str
) -> FlowSchedule:
    """Store `flow`'s new `cron` in the plan's timezone, audited; refuse (`AdminError`) an unknown
    flow or an expression the scheduler would not read."""
    cron = " ".join(cron.split())
    try:
        cron_words.check(cron)
    except cron_words.BadCron:
        raise admin.AdminError(t("admin.bad_cron", cron=cron)) from None
    row = admin.set_schedule(session, flow, cron, plan_timezone(plan), now=now, actor=actor, reason=reason or None)
    return FlowSchedule(row.flow, row.cron, row.timezone, cron_words.describe(row.cron), _next(row.cron, row.timezone, now), actor, now)


__all__ = ["NEXT_RUNS", "FlowSchedule", "change", "overview", "plan_timezone"]
