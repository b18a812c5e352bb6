"""What the store says about withdrawn obligations: why each was withdrawn and to whom it passed
(from the audit event `lifecycle.withdraw` wrote), and which ones their unit must still be told of.

A unit is told of an obligation withdrawn from it only if it had been told of the obligation (a
message about it was delivered): a unit never hears of a report it was never asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from dutyflow.states import DELIVERED_STATUSES, ObligationState, Withdrawal
from dutyflow.store.models import AuditEventRow, DeliverableRow, NotificationRow, ObligationRow, UnitRow

NOTICE_STEP = "withdrawn"
"""The outbox step of the withdrawal notice."""


@dataclass(frozen=True)
class Withdrawn:
    """One withdrawn obligation, as its unit is told of it."""

    obligation_id: int
    unit_id: int
    unit: str
    deliverable_name: str
    period_label: str
    last_day: dt.date
    why: Withdrawal
    successor: str | None
    """The code of the unit that owes it now (why = passed)."""
    at: dt.datetime | None


def withdrawals(session: Session, codes: Iterable[str]) -> dict[str, tuple[Withdrawal, str | None, dt.datetime]]:
    """Per obligation code (unit/deliverable/period): why it was last withdrawn, to whom it passed,
    and when."""
    wanted = list(dict.fromkeys(codes))
    out: dict[str, tuple[Withdrawal, str | None, dt.datetime]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(AuditEventRow.code, AuditEventRow.detail, AuditEventRow.at)
            .where(
                AuditEventRow.entity == "obligation",
                AuditEventRow.action == "withdrawn",
                AuditEventRow.code.in_(wanted[start : start + 500]),
            )
            .order_by(AuditEventRow.id)
        )
        for code, detail, at in rows:
            out[code] = (Withdrawal(detail.get("why", Withdrawal.REMOVED)), detail.get("successor"), at)
    return out


def untold(session: Session, plan_id: int) -> list[Withdrawn]:
    """Withdrawn obligations whose unit had been told of them and has not been told of their
    withdrawal, by unit then last day."""
    told = aliased(NotificationRow)
    notice = aliased(NotificationRow)
    rows = session.execute(
        select(
            ObligationRow.id,
            ObligationRow.unit_id,
            UnitRow.code,
            DeliverableRow.code,
            DeliverableRow.name,
            ObligationRow.period,
            ObligationRow.period_label,
            ObligationRow.last_day,
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, ObligationRow.state == ObligationState.WITHDRAWN)
        .where(
            exists().where(
                and_(
                    told.obligation_id == ObligationRow.id,
                    told.step != NOTICE_STEP,
                    told.status.in_(list(DELIVERED_STATUSES)),
                )
            )
        )
        .where(
            ~exists().where(  # a notice claimed or failed is drafted again; the outbox sends it once
                and_(
                    notice.obligation_id == ObligationRow.id,
                    notice.step == NOTICE_STEP,
                    notice.status.in_(list(DELIVERED_STATUSES)),
                )
            )
        )
        .order_by(ObligationRow.unit_id, ObligationRow.last_day, ObligationRow.id)
    ).all()
    why = withdrawals(session, (f"{unit}/{deliverable}/{period}" for _, _, unit, deliverable, _, period, _, _ in rows))
    out = []
    for oid, unit_id, unit, deliverable, name, period, label, last_day in rows:
        reason, successor, at = why.get(f"{unit}/{deliverable}/{period}", (Withdrawal.REMOVED, None, None))
        out.append(Withdrawn(oid, unit_id, unit, name, label, last_day, reason, successor, at))
    return out


__all__ = ["NOTICE_STEP", "Withdrawn", "untold", "withdrawals"]
