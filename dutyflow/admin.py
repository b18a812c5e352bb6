"""What an administrator changes without code: extensions, pauses, schedules. Every change is audited.

Each function runs in the caller's transaction, writes one audit event per change, and marks the
affected obligations for the chase to look at again on its next run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dutyflow import audit, lifecycle
from dutyflow.calendar import WorkingCalendar
from dutyflow.messages import t
from dutyflow.states import OPEN_STATES
from dutyflow.store.models import AuditEventRow, DeliverableRow, ObligationRow, PlanRow, ScheduleRow, UnitRow

DEFAULT_SCHEDULES = {
    "assign": "0 7 * * 1-5",
    "chase": "0 8 * * 1-5",
    "consolidate": "0 17 * * 1-5",
    "intake-mail": "*/10 * * * 1-5",
}
"""Working days (Monday to Friday) in the plan's timezone; the ladder itself skips holidays."""

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
"""A plan's timezone when its calendar names none (the plan model's default)."""

_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?LW#]+$")


class AdminError(Exception):
    """A change that cannot be made; the message says why, in Vietnamese."""


def acting_moment(
    calendar: WorkingCalendar, day: dt.date | None, *, now: dt.datetime, future_key: str = "dates.as_of_in_future"
) -> dt.datetime:
    """When an action given a day (a report received, a decision taken) takes effect: `now` for
    today or no day, noon of that day in the plan's timezone for a past one; a day still to come is
    refused (`future_key` says how)."""
    if day is None:
        return now
    today = calendar.local_date(now)
    if day > today:
        raise AdminError(t(future_key, day=f"{day:%d/%m/%Y}", today=f"{today:%d/%m/%Y}"))
    return now if day == today else calendar.start_of_day(day) + dt.timedelta(hours=12)


def _unit(session: Session, plan_id: int, code: str) -> UnitRow:
    unit = session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code == code)).first()
    if unit is None:
        raise AdminError(t("cli.unknown_unit", code=code))
    return unit


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise AdminError(t("admin.reason_required"))
    return reason


def extend(
    session: Session,
    plan_id: int,
    unit_code: str,
    deliverable_code: str,
    until: dt.date,
    reason: str,
    *,
    now: dt.datetime,
    actor: str,
    period: str | None = None,
) -> list[str]:
    """Extend the last day of a unit's open obligations for a deliverable; returns their periods.

    `now` is when the decision takes effect: it is audited at that instant and the chase looks
    again from then. The new last day must fall after the current one, not before the day of
    `now` (a day already past extends nothing) and not after the end of the year following the
    plan's (docs/decisions.md, "Which days an extension may name").
    """
    reason = _require_reason(reason)
    unit = _unit(session, plan_id, unit_code)
    deliverable = session.scalars(
        select(DeliverableRow).where(DeliverableRow.plan_id == plan_id, DeliverableRow.code == deliverable_code)
    ).first()
    if deliverable is None:
        raise AdminError(t("admin.unknown_deliverable", code=deliverable_code))
    query = select(ObligationRow).where(
        ObligationRow.unit_id == unit.id,
        ObligationRow.deliverable_id == deliverable.id,
        ObligationRow.state.in_(OPEN_STATES),
    )
    if period:
        query = query.where(ObligationRow.period == period)
    rows: Sequence[ObligationRow] = session.scalars(query).all()
    if not rows:
        raise AdminError(t("admin.nothing_to_extend", unit=unit_code, deliverable=deliverable_code))
    for row in rows:
        if until <= row.last_day:
            raise AdminError(
                t("admin.extension_too_early", until=f"{until:%d/%m/%Y}", last_day=f"{row.last_day:%d/%m/%Y}")
            )
    plan = session.get(PlanRow, plan_id)
    assert plan is not None
    today = now.astimezone(ZoneInfo(plan.document.get("calendar", {}).get("timezone", DEFAULT_TIMEZONE))).date()
    if until < today:
        raise AdminError(t("dates.extension_in_past", until=f"{until:%d/%m/%Y}", today=f"{today:%d/%m/%Y}"))
    if until.year > plan.year + 1:
        raise AdminError(t("dates.extension_too_far", until=f"{until:%d/%m/%Y}", year=plan.year, limit=plan.year + 1))
    for row in rows:
        audit.write(session, lifecycle.extend(row, until, reason, now=now), actor=actor, at=now)
    return [row.period for row in rows]


def pause(session: Session, plan_id: int, unit_code: str, reason: str, *, now: dt.datetime, actor: str) -> None:
    reason = _require_reason(reason)
    unit = _unit(session, plan_id, unit_code)
    if unit.paused:
        raise AdminError(t("admin.already_paused", unit=unit_code))
    audit.write(session, lifecycle.pause(unit, reason), actor=actor, at=now)


def resume(session: Session, plan_id: int, unit_code: str, reason: str, *, now: dt.datetime, actor: str) -> None:
    unit = _unit(session, plan_id, unit_code)
    if not unit.paused:
        raise AdminError(t("admin.not_paused", unit=unit_code))
    event = lifecycle.resume(unit, reason.strip())
    session.execute(
        update(ObligationRow)
        .where(ObligationRow.unit_id == unit.id, ObligationRow.next_action_at.is_not(None))
        .values(next_action_at=now)
    )
    audit.write(session, event, actor=actor, at=now)


def validate_cron(cron: str) -> str:
    fields = cron.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise AdminError(t("admin.bad_cron", cron=cron))
    return " ".join(fields)


def schedules(session: Session, timezone: str) -> dict[str, ScheduleRow]:
    """Every flow's schedule; defaults are written on first read so the store is the one owner."""
    rows = {row.flow: row for row in session.scalars(select(ScheduleRow))}
    for flow, cron in DEFAULT_SCHEDULES.items():
        if flow not in rows:
            row = ScheduleRow(
                flow=flow,
                cron=cron,
                timezone=timezone,
                active=True,
                updated_at=dt.datetime.now(dt.UTC),
                updated_by="default",
            )
            session.add(row)
            rows[flow] = row
    session.flush()
    return rows


def set_schedule(
    session: Session, flow: str, cron: str, timezone: str, *, now: dt.datetime, actor: str, reason: str | None = None
) -> ScheduleRow:
    if flow not in DEFAULT_SCHEDULES:
        raise AdminError(t("admin.unknown_flow", flow=flow, flows=", ".join(DEFAULT_SCHEDULES)))
    cron = validate_cron(cron)
    row = schedules(session, timezone)[flow]
    before = row.cron
    row.cron, row.timezone, row.updated_at, row.updated_by = cron, timezone, now, actor
    change = audit.AuditEvent("schedule_changed", "schedule", flow, {"before": before, "after": cron}, reason)
    audit.write(session, change, actor=actor, at=now)
    return row


AUDITED_CHANGES = ("extended", "paused", "resumed", "schedule_changed")


def recent_changes(session: Session, limit: int = 10, *, until: dt.datetime | None = None) -> list[AuditEventRow]:
    """The latest audited changes, of those made before `until` when given."""
    query = select(AuditEventRow).where(AuditEventRow.action.in_(AUDITED_CHANGES))
    if until is not None:
        query = query.where(AuditEventRow.at < until)
    return list(session.scalars(query.order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc()).limit(limit)))


def audit_token(session: Session, now: dt.datetime, actor: str, unit_code: str, generation: int) -> None:
    audit.write(session, audit.AuditEvent("token_reissued", "unit", unit_code, {"generation": generation}), actor=actor, at=now)
