"""Read-side queries that return plain values for the CLI, the portal and the flows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.obligations import Standing, State, standing
from dutyflow.store.models import DeliverableRow, ObligationRow, PlanRow, UnitRow


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
) -> list[StatusLine]:
    query = (
        select(ObligationRow, UnitRow, DeliverableRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id)
        .order_by(ObligationRow.last_day, DeliverableRow.id, UnitRow.id, ObligationRow.period)
    )
    if unit:
        query = query.where(UnitRow.code == unit)
    if deliverable:
        query = query.where(DeliverableRow.code == deliverable)
    lines = []
    for obligation, unit_row, deliverable_row in session.execute(query):
        state = State(obligation.state)
        kind, days_left = standing(
            state,
            obligation.last_day,
            today,
            extended_until=obligation.extended_until,
            paused=unit_row.paused,
        )
        lines.append(
            StatusLine(
                unit=unit_row.code,
                unit_name=unit_row.name,
                deliverable=deliverable_row.code,
                deliverable_name=deliverable_row.name,
                period=obligation.period,
                period_label=obligation.period_label,
                last_day=obligation.last_day,
                extended_until=obligation.extended_until,
                state=state,
                standing=kind,
                days_left=days_left,
            )
        )
    return lines
