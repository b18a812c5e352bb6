"""The store's record of emails read from the office's mailbox, and the office's review queue.

A message is recorded in the same transaction as the submissions made from it, under a unique key
(its Message-ID, or a content hash), so reading it again, after a crash or on another worker, finds
the record instead of submitting twice. What is still owed for it (the answers, the move to its
folder) is marked done afterwards, each step repeatable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dutyflow.states import InboundOutcome
from dutyflow.store.db import insert_ignoring_conflicts
from dutyflow.store.models import InboundMailRow

SUBMITTED, ANSWERED, REVIEW, IGNORED, AUTOMATIC, OWN, FLOOD = (
    InboundOutcome.SUBMITTED,
    InboundOutcome.ANSWERED,
    InboundOutcome.REVIEW,
    InboundOutcome.IGNORED,
    InboundOutcome.AUTOMATIC,
    InboundOutcome.OWN,
    InboundOutcome.FLOOD,
)
"""Short names of the outcomes (defined in `dutyflow.states`)."""
COUNTED = (SUBMITTED, ANSWERED, REVIEW, FLOOD)
"""Outcomes that count towards a sender's daily limit (what was not a report does not)."""


def find(session: Session, key: str) -> InboundMailRow | None:
    return session.scalars(select(InboundMailRow).where(InboundMailRow.key == key)).first()


def record(session: Session, row: InboundMailRow) -> bool:
    """Insert `row` unless its key is there already (another worker, a rerun); True if inserted."""
    values = {c.name: getattr(row, c.key) for c in InboundMailRow.__table__.columns if c.name != "id"}
    return bool(insert_ignoring_conflicts(session, InboundMailRow, [values], "key"))


def sent_today(session: Session, sender: str, now: dt.datetime) -> int:
    """How many messages from `sender` were taken as reports in the last 24 hours."""
    return int(
        session.scalar(
            select(func.count(InboundMailRow.id)).where(
                InboundMailRow.sender == sender,
                InboundMailRow.processed_at > now - dt.timedelta(days=1),
                InboundMailRow.outcome.in_(COUNTED),
            )
        )
        or 0
    )


def review_queue(session: Session) -> Sequence[InboundMailRow]:
    return session.scalars(
        select(InboundMailRow)
        .where(InboundMailRow.outcome.in_((REVIEW, FLOOD)), InboundMailRow.reviewed_at.is_(None))
        .order_by(InboundMailRow.processed_at)
    ).all()


__all__ = ["ANSWERED", "AUTOMATIC", "FLOOD", "IGNORED", "OWN", "REVIEW", "SUBMITTED", "find", "record",
           "review_queue", "sent_today"]
