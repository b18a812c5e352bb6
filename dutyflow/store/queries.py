"""Read-side queries that return plain values for the CLI, the portal and the flows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.messages import t
from dutyflow.obligations import Standing, State, standing
from dutyflow.store.models import DeliverableRow, NotificationRow, ObligationRow, PlanRow, UnitRow


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
    rows = session.execute(query).all()
    notices = _last_notices(session, [o.id for o, _, _ in rows])
    lines = []
    for obligation, unit_row, deliverable_row in rows:
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
                obligation_id=obligation.id,
                last_notice=notices.get(obligation.id, (None, None))[0],
                problem=notices.get(obligation.id, (None, None))[1],
            )
        )
    return lines


def _last_notices(session: Session, obligation_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """Per obligation: its latest delivered message and its latest delivery problem."""
    if not obligation_ids:
        return {}
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
        .where(NotificationRow.obligation_id.in_(obligation_ids))
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
