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
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Engine, Table, and_, select, update
from sqlalchemy.orm import Session

from dutyflow.states import DELIVERED_STATUSES, NotificationStatus
from dutyflow.store.db import among, insert_ignoring_conflicts, session_scope
from dutyflow.store.models import NotificationRow

CLAIMED, SENT, FAILED, REFUSED = (
    NotificationStatus.CLAIMED,
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
    NotificationStatus.REFUSED,
)
"""Short names of the outbox statuses (defined in `dutyflow.states`)."""
DONE = DELIVERED_STATUSES
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


@dataclass(frozen=True)
class Request:
    """One message's slots, to claim together under one Message-ID."""

    slots: Sequence[Slot]
    step: str
    template: str


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
        (held,) = claim_in(
            session, [Request(slots, step, template)], plan_id=plan_id, new_message_id=new_message_id, now=now, lease=lease
        )
        return held


def claim_in(
    session: Session,
    requests: Sequence[Request],
    *,
    plan_id: int,
    new_message_id: Callable[[], str],
    now: dt.datetime,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> list[Claim | None]:
    """`claim` for several messages inside the caller's transaction, one Claim (or None) per request:
    the claims hold once the caller commits, and it must commit before it sends. One query reads
    the slots already in the outbox and one conditional insert takes the new ones."""
    existing: dict[str, NotificationRow] = {}
    keys = list(dict.fromkeys(s.key for r in requests for s in r.slots))
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(NotificationRow).where(among(session, NotificationRow.key, chunk))
        existing.update((row.key, row) for row in session.scalars(query))
    partial: list[tuple[list[Slot], list[Slot], str, bool]] = []
    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for request in requests:
        held, reused_ids = _retake(session, request.slots, existing, now, lease)
        message_id = reused_ids[0] if reused_ids else new_message_id()
        fresh = [s for s in request.slots if s.key not in existing and s.key not in seen]
        seen.update(s.key for s in fresh)
        rows.extend(_new_row(s, plan_id, request, message_id, now) for s in fresh)
        partial.append((held, fresh, message_id, bool(reused_ids)))
    inserted = _insert_ignoring_conflicts(session, rows) if rows else set()
    claims: list[Claim | None] = []
    for held, fresh, message_id, resent in partial:
        held.extend(s for s in fresh if s.key in inserted)
        if not held:
            claims.append(None)
            continue
        if resent:
            # Every slot of one message carries the same Message-ID, the one first promised.
            session.execute(
                update(NotificationRow)
                .where(NotificationRow.key.in_([s.key for s in held]))
                .values(message_id=message_id)
                .execution_options(synchronize_session=False)
            )
        claims.append(Claim(message_id=message_id, slots=tuple(held), resent=resent))
    return claims


def _retake(
    session: Session, slots: Sequence[Slot], existing: dict[str, NotificationRow], now: dt.datetime, lease: dt.timedelta
) -> tuple[list[Slot], list[str]]:
    """Take over the slots already in the outbox that are neither delivered nor held by a live
    worker, each with a conditional update; return them and the Message-IDs they carried."""
    held: list[Slot] = []
    reused_ids: list[str] = []
    for slot in slots:
        row = existing.get(slot.key)
        if row is None:
            continue
        if row.status in DONE:
            continue
        if row.status == CLAIMED and row.claimed_at > now - lease:
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
            .values(status=CLAIMED, claimed_at=now, attempts=NotificationRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            held.append(slot)
            reused_ids.append(row.message_id)
    return held, reused_ids


def _new_row(slot: Slot, plan_id: int, request: Request, message_id: str, now: dt.datetime) -> dict[str, object]:
    return {
        "key": slot.key,
        "plan_id": plan_id,
        "obligation_id": slot.obligation_id,
        "unit_id": slot.unit_id,
        "round": slot.round,
        "step": request.step,
        "template": request.template,
        "recipient": slot.recipient,
        "status": CLAIMED,
        "message_id": message_id,
        "claimed_at": now,
        "attempts": 1,
    }


def _insert_ignoring_conflicts(session: Session, rows: list[dict[str, object]]) -> set[str]:
    """Insert rows whose key is new; return the keys this call inserted."""
    return set(insert_ignoring_conflicts(session, NotificationRow, rows, "key", by_column=True))


@dataclass(frozen=True)
class Delivered:
    """A claim whose message the server took, with its subject and the recipients it refused."""

    claim: Claim
    subject: str
    refused: dict[str, str] = field(default_factory=dict)


def mark_sent(
    engine: Engine,
    claim_: Claim,
    *,
    subject: str,
    now: dt.datetime,
    refused: dict[str, str] | None = None,
) -> None:
    """Record delivery; recipients the server refused are kept as refused with its reply."""
    with session_scope(engine) as session:
        mark_sent_in(session, [Delivered(claim_, subject, refused or {})], now=now)


def mark_sent_in(session: Session, delivered: Sequence[Delivered], *, now: dt.datetime) -> None:
    """`mark_sent` for several messages inside the caller's transaction: one statement per message
    (its slots delivered alike), and one per refused recipient."""
    groups: dict[tuple[str, str, str | None], list[str]] = {}
    for item in delivered:
        refused = {k.lower(): v for k, v in item.refused.items()}
        for slot in item.claim.slots:
            reason = refused.get(slot.recipient.lower())
            groups.setdefault((REFUSED if reason else SENT, item.subject, reason), []).append(slot.key)
    table = cast(Table, NotificationRow.__table__)
    for (status, subject, reason), keys in groups.items():
        session.connection().execute(
            update(table)
            .where(among(session, table.c.key, keys))
            .values(status=status, sent_at=now, subject=subject, error=reason)
        )


def mark_failed(engine: Engine, claim_: Claim, *, error: str, delivered_unknown: bool) -> None:
    """Record a failed attempt. When delivery is unknown the claim stays (re-sent with its id after the lease)."""
    with session_scope(engine) as session:
        mark_failed_in(session, claim_, error=error, delivered_unknown=delivered_unknown)


def mark_failed_in(session: Session, claim_: Claim, *, error: str, delivered_unknown: bool) -> None:
    """`mark_failed` inside the caller's transaction."""
    session.execute(
        update(NotificationRow)
        .where(NotificationRow.key.in_([s.key for s in claim_.slots]))
        .values(status=CLAIMED if delivered_unknown else FAILED, error=error[:2000])
        .execution_options(synchronize_session=False)
    )
