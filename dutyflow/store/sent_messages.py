"""Messages kept as sent: one row per Message-ID, written in the transaction that marks it sent.

A message re-sent with its Message-ID (after a crash, decision 38) is kept once: the first copy
recorded stays, as the outbox keeps its first promise of that id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.store.db import insert_ignoring_conflicts
from dutyflow.store.models import SentMessageRow


@dataclass(frozen=True)
class SentCopy:
    """What a person needs to read a message as it left: its headers (decoded, in order), bodies,
    and its attachments' names, types and sizes."""

    message_id: str
    sent_at: dt.datetime
    headers: tuple[tuple[str, str], ...]
    text: str
    html: str
    attachments: tuple[tuple[str, str, int], ...] = ()


def keep(session: Session, copies: Sequence[SentCopy]) -> None:
    """Record `copies` in the caller's transaction; a Message-ID already kept is left as it is."""
    rows = [
        {
            "message_id": copy.message_id,
            "sent_at": copy.sent_at,
            "headers": [list(pair) for pair in copy.headers],
            "text": copy.text,
            "html": copy.html,
            "attachments": [{"name": n, "type": k, "size": s} for n, k, s in copy.attachments],
        }
        for copy in {copy.message_id: copy for copy in reversed(copies)}.values()
    ]
    insert_ignoring_conflicts(session, SentMessageRow, rows, "message_id")


def kept(session: Session, message_ids: Sequence[str]) -> dict[str, SentMessageRow]:
    """The kept copies of `message_ids`, by Message-ID."""
    found: dict[str, SentMessageRow] = {}
    ids = list(dict.fromkeys(message_ids))
    for start in range(0, len(ids), 500):
        query = select(SentMessageRow).where(SentMessageRow.message_id.in_(ids[start : start + 500]))
        found.update((row.message_id, row) for row in session.scalars(query))
    return found
