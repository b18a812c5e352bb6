"""What the intake refuses before anything is stored, and the checks that refuse it.

A refusal records nothing: no version, no state change, no email, no count against the daily
limit (docs/decisions.md, 27). Every message is Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dutyflow.formatting import format_size
from dutyflow.lifetimes import closed_on, successor_on, where_it_went
from dutyflow.messages import t
from dutyflow.plan import Plan
from dutyflow.refusals import RefusalKind
from dutyflow.states import ObligationState
from dutyflow.store.models import ObligationRow, SubmissionRow


class IntakeRefused(Exception):
    """Refused before anything was stored (wrong unit, too big, too many); the message is Vietnamese."""

    kind: RefusalKind = RefusalKind.INVALID


class UnknownObligation(IntakeRefused):
    """No such obligation (or submission)."""

    kind = RefusalKind.NOT_FOUND


class NoLongerOwed(IntakeRefused):
    """The obligation was withdrawn, or its unit has closed: nothing more is taken for it."""

    kind = RefusalKind.GONE


class NotYours(IntakeRefused):
    """The obligation belongs to another unit."""

    kind = RefusalKind.FORBIDDEN


class TooBig(IntakeRefused):
    """The file is larger than the limit."""

    kind = RefusalKind.TOO_LARGE


class TooMany(IntakeRefused):
    """The unit has submitted too often today for this obligation."""

    kind = RefusalKind.RATE_LIMITED


class NothingEntered(IntakeRefused):
    """A web form posted with nothing in it, or for a report that has no form to type into."""


class FileRefused(IntakeRefused):
    """The file is not the kind of file this report is handed in as, or is unsafe to open. It is not
    a version of the report, so nothing is recorded (docs/decisions.md, 27)."""

    kind = RefusalKind.UNSUPPORTED


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_per_day: int = 20


DEFAULT_LIMITS = Limits()



def check_received_year(received_on: dt.date, plan_year: int) -> None:
    """A report for a plan cannot have been received before the plan's year began."""
    if received_on.year < plan_year:
        raise IntakeRefused(t("dates.received_before_plan", day=f"{received_on:%d/%m/%Y}", year=plan_year))


def obligation_for_unit(session: Session, obligation_id: int, unit_id: int) -> ObligationRow:
    obligation = session.get(ObligationRow, obligation_id)
    if obligation is None:
        raise UnknownObligation(t("intake.unknown_obligation"))
    if obligation.unit_id != unit_id:
        raise NotYours(t("intake.not_yours"))
    return obligation


def check_owed(plan: Plan, obligation: ObligationRow, now: dt.datetime) -> None:
    """Refuse a version for a unit closed on `now`'s day (saying where its duties went), or for an
    obligation the plan no longer asks for."""
    day = now.astimezone(ZoneInfo(plan.calendar.timezone)).date()
    unit = next((u for u in plan.units if u.code == obligation.unit.code), None)
    if unit is not None and closed_on(unit, day):
        raise NoLongerOwed(t("lifetimes.intake_closed", where=where_it_went(plan, unit, day)))
    if obligation.state is ObligationState.WITHDRAWN:
        carrier = successor_on(plan, unit, unit.closes) if unit is not None and unit.closes else None
        passed = carrier is not None and unit is not None and carrier.code != unit.code
        why = t("lifetimes.why_passed", successor=carrier.name) if passed and carrier else t("lifetimes.why_removed")
        raise NoLongerOwed(
            t(
                "lifetimes.intake_withdrawn",
                deliverable=obligation.deliverable.name,
                period=obligation.period_label,
                why=why,
            )
        )


def check_limits(session: Session, obligation: ObligationRow, size: int, now: dt.datetime, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise TooBig(
            t("intake.too_big", size=format_size(size), limit=format_size(limits.max_bytes))
        )
    since = now - dt.timedelta(days=1)
    count = session.scalar(
        select(func.count(SubmissionRow.id)).where(
            SubmissionRow.obligation_id == obligation.id, SubmissionRow.received_at > since
        )
    )
    if (count or 0) >= limits.max_per_day:
        raise TooMany(t("intake.too_many", count=count, limit=limits.max_per_day))


def clean_name(filename: str | None) -> str | None:
    """The name the sender gave, kept only as a label: no control characters (a NUL cannot even be
    stored), no folders (it never names a path: files are kept under their hash)."""
    if filename is None:
        return None
    name = "".join(ch for ch in filename if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None
