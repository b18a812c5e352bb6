"""Read-side queries that return plain values for the CLI, the portal and the flows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from dutyflow.messages import t
from dutyflow.obligations import DUE_SOON_DAYS, Standing, State, standing
from dutyflow.store.chasing import deadline
from dutyflow.store.models import DeliverableRow, NotificationRow, ObligationRow, PlanRow, UnitRow

QUIET = frozenset({Standing.ACCEPTED, Standing.ON_TRACK, Standing.NOT_YET})
"""Standings that need nobody's attention."""


class NoPlanLoaded(LookupError):
    pass


@dataclass(frozen=True)
class StatusLine:
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period: str
    period_label: str
    last_day: dt.date
    extended_until: dt.date | None
    state: State
    standing: Standing
    days_left: int
    obligation_id: int = 0
    last_notice: str | None = None
    """The latest message delivered for it: "<step> dd/mm/yyyy"."""
    problem: str | None = None
    """The latest delivery problem (refused recipient, failed or unconfirmed send), if any."""


def current_plan(session: Session, code: str | None = None) -> PlanRow:
    """The plan named `code`, or the one loaded most recently."""
    query = select(PlanRow)
    query = query.where(PlanRow.code == code) if code else query.order_by(PlanRow.loaded_at.desc(), PlanRow.id.desc())
    plan = session.scalars(query.limit(1)).first()
    if plan is None:
        raise NoPlanLoaded(code or "")
    return plan


def status_lines(
    session: Session,
    plan_id: int,
    today: dt.date,
    *,
    unit: str | None = None,
    deliverable: str | None = None,
    needing_attention: bool = False,
) -> list[StatusLine]:
    """Every obligation of the plan (of `unit`, of `deliverable`) and where it stands on `today`.

    `needing_attention` leaves out, in the query, what can only be accepted or on track: accepted
    reports, and obligations not submitted, returned nor paused whose last day is more than
    DUE_SOON_DAYS away. Two queries, columns only: no ORM object per obligation.
    """
    where = [ObligationRow.plan_id == plan_id]
    if unit:
        where.append(UnitRow.code == unit)
    if deliverable:
        where.append(DeliverableRow.code == deliverable)
    if needing_attention:
        soon = today + dt.timedelta(days=DUE_SOON_DAYS)
        where.append(ObligationRow.state != State.ACCEPTED.value)
        where.append(
            or_(
                ObligationRow.state.in_([State.SUBMITTED.value, State.RETURNED.value]),
                UnitRow.paused.is_(True),
                deadline() <= soon,
            )
        )
    rows = session.execute(
        select(
            ObligationRow.id,
            ObligationRow.state,
            ObligationRow.last_day,
            ObligationRow.extended_until,
            ObligationRow.period,
            ObligationRow.period_label,
            UnitRow.code,
            UnitRow.name,
            UnitRow.paused,
            DeliverableRow.code,
            DeliverableRow.name,
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*where)
        .order_by(ObligationRow.last_day, DeliverableRow.id, UnitRow.id, ObligationRow.period)
    ).all()
    notices = _last_notices(session, where)
    lines = []
    for oid, state_value, last_day, extended_until, period, period_label, code, name, paused, d_code, d_name in rows:
        state = State(state_value)
        kind, days_left = standing(state, last_day, today, extended_until=extended_until, paused=paused)
        if needing_attention and kind in QUIET:
            continue  # the query keeps a superset; the standing decides
        last_notice, problem = notices.get(oid, (None, None))
        lines.append(
            StatusLine(
                unit=code,
                unit_name=name,
                deliverable=d_code,
                deliverable_name=d_name,
                period=period,
                period_label=period_label,
                last_day=last_day,
                extended_until=extended_until,
                state=state,
                standing=kind,
                days_left=days_left,
                obligation_id=oid,
                last_notice=last_notice,
                problem=problem,
            )
        )
    return lines


def _last_notices(
    session: Session, obligation_filter: list[ColumnElement[bool]]
) -> dict[int, tuple[str | None, str | None]]:
    """Per obligation matching `obligation_filter`: its latest delivered message and its latest
    delivery problem."""
    out: dict[int, tuple[str | None, str | None]] = {}
    rows = session.execute(
        select(
            NotificationRow.obligation_id,
            NotificationRow.template,
            NotificationRow.status,
            NotificationRow.sent_at,
            NotificationRow.recipient,
            NotificationRow.error,
        )
        .join(ObligationRow, NotificationRow.obligation_id == ObligationRow.id)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*obligation_filter)
        .order_by(NotificationRow.claimed_at, NotificationRow.id)
    )
    for obligation_id, template, status, sent_at, recipient, error in rows:
        last, problem = out.get(obligation_id, (None, None))
        label = t(f"notice.{template}")
        if status == "sent" and sent_at is not None:
            last, problem = f"{label} {sent_at.date():%d/%m/%Y}", None
        elif status == "refused":
            last, problem = f"{label} {sent_at.date():%d/%m/%Y}" if sent_at else last, f"{recipient}: {error}"
        elif status in {"failed", "claimed"} and error:
            problem = f"{label}: {error}"
        elif status == "claimed":  # in flight, or its worker died: re-sent once the lease has passed
            problem = t("notice.unconfirmed", notice=label)
        out[obligation_id] = (last, problem)
    return out
