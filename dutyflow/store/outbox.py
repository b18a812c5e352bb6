"""The outbox: exactly-once intent, at-least-once delivery, never lost.

A message is claimed (one row per recipient, keyed so a second claim collides) and committed
before it is sent; it is marked sent with its Message-ID after. A rerun never re-sends what is
marked sent. A claim left unconfirmed by a crash is taken over once its lease has passed and
re-sent with the same Message-ID. A claim is taken with a conditional insert or update, so two
workers running the same chase send each message once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.orm import Session

from dutyflow.states import DELIVERED_STATUSES, NotificationStatus
from dutyflow.store.db import insert_ignoring_conflicts, session_scope
from dutyflow.store.models import NotificationRow

CLAIMED, SENT, FAILED, REFUSED = (
    NotificationStatus.CLAIMED,
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
    NotificationStatus.REFUSED,
)
"""Short names of the outbox statuses (defined in `dutyflow.states`), for the modules that import them."""
DEFAULT_LEASE = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Slot:
    """One (obligation, round, step, recipient) the message is meant to cover."""

    key: str
    recipient: str
    obligation_id: int | None
    unit_id: int | None
    round: int = 0


@dataclass(frozen=True)
class Claim:
    """What this worker may now send: the slots it holds and the Message-ID to send them with."""

    message_id: str
    slots: tuple[Slot, ...]
    resent: bool
    """True when a slot was claimed before (crash or failure) and is being delivered again."""

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(slot.recipient for slot in self.slots))


def notification_key(obligation_id: int, round_: int, step: str, recipient: str) -> str:
    return f"o{obligation_id}:r{round_}:{step}:{recipient.lower()}"


def claim(
    engine: Engine,
    slots: Sequence[Slot],
    *,
    plan_id: int,
    step: str,
    template: str,
    new_message_id: Callable[[], str],
    now: dt.datetime,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Claim | None:
    """Claim whichever of `slots` is not yet delivered nor held by another live worker.

    Committed before returning, so that a crash after this point leaves a visible claim.
    Returns None when there is nothing left for this worker to send.
    """
    with session_scope(engine) as session:
        existing = {
            row.key: row
            for row in session.scalars(select(NotificationRow).where(NotificationRow.key.in_([s.key for s in slots])))
        }
        held: list[Slot] = []
        reused_ids: list[str] = []
        for slot in slots:
            row = existing.get(slot.key)
            if row is None:
                continue
            if row.status in DELIVERED_STATUSES:
                continue
            if row.status == NotificationStatus.CLAIMED and row.claimed_at > now - lease:
                continue  # another worker holds it and may be sending right now
            taken = session.execute(
                update(NotificationRow)
                .where(
                    and_(
                        NotificationRow.id == row.id,
                        NotificationRow.status == row.status,
                        NotificationRow.claimed_at == row.claimed_at,
                    )
                )
                .values(status=NotificationStatus.CLAIMED, claimed_at=now, attempts=NotificationRow.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                held.append(slot)
                reused_ids.append(row.message_id)
        message_id = reused_ids[0] if reused_ids else new_message_id()
        fresh = [s for s in slots if s.key not in existing]
        if fresh:
            inserted = _insert_ignoring_conflicts(
                session,
                [
                    {
                        "key": s.key,
                        "plan_id": plan_id,
                        "obligation_id": s.obligation_id,
                        "unit_id": s.unit_id,
                        "round": s.round,
                        "step": step,
                        "template": template,
                        "recipient": s.recipient,
                        "status": NotificationStatus.CLAIMED,
                        "message_id": message_id,
                        "claimed_at": now,
                        "attempts": 1,
                    }
                    for s in fresh
                ],
            )
            held.extend(s for s in fresh if s.key in inserted)
        if not held:
            return None
        if reused_ids:
            # Every slot of one message carries the same Message-ID, the one first promised.
            session.execute(
                update(NotificationRow)
                .where(NotificationRow.key.in_([s.key for s in held]))
                .values(message_id=message_id)
                .execution_options(synchronize_session=False)
            )
        return Claim(message_id=message_id, slots=tuple(held), resent=bool(reused_ids))


def _insert_ignoring_conflicts(session: Session, rows: list[dict[str, object]]) -> set[str]:
    """Insert rows whose key is new; return the keys this call inserted."""
    return set(insert_ignoring_conflicts(session, NotificationRow, rows, "key"))


def mark_sent(
    engine: Engine,
    claim_: Claim,
    *,
    subject: str,
    now: dt.datetime,
    refused: dict[str, str] | None = None,
) -> None:
    """Record delivery; recipients the server refused are kept as refused with its reply."""
    refused = {k.lower(): v for k, v in (refused or {}).items()}
    with session_scope(engine) as session:
        for slot in claim_.slots:
            reason = refused.get(slot.recipient.lower())
            session.execute(
                update(NotificationRow)
                .where(NotificationRow.key == slot.key)
                .values(
                    status=NotificationStatus.REFUSED if reason else NotificationStatus.SENT,
                    sent_at=now,
                    subject=subject,
                    error=reason,
                )
                .execution_options(synchronize_session=False)
            )


def mark_failed(engine: Engine, claim_: Claim, *, error: str, delivered_unknown: bool) -> None:
    """Record a failed attempt. When delivery is unknown the claim stays (re-sent with its id after the lease)."""
    with session_scope(engine) as session:
        session.execute(
            update(NotificationRow)
            .where(NotificationRow.key.in_([s.key for s in claim_.slots]))
            .values(status=NotificationStatus.CLAIMED if delivered_unknown else NotificationStatus.FAILED, error=error[:2000])
            .execution_options(synchronize_session=False)
        )
