"""The office's document register: "Số: 123/BC-UBND", a sequence per issuer, kind and year.

Guarantees, each held by the database rather than by a lock in this process:
- two numbers given at the same moment (two approvals, two processes) differ: the sequence is
  unique per (issuer, kind, year); a writer that loses the race (a unique violation on
  PostgreSQL, a busy or stale snapshot on SQLite) starts a fresh transaction and takes the next;
- a number is never reused: it is committed in its own transaction before the document it
  numbers is made, so a signing that fails afterwards leaves the number recorded, given to its
  subject (see decisions.md, "A register number is committed before the document is signed").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from dutyflow.messages import t
from dutyflow.store.db import session_scope
from dutyflow.store.models import RegisterNumberRow


class RegisterBusy(Exception):
    """No number could be taken: every attempt lost its race (a Vietnamese message)."""


ATTEMPTS = 50
"""Races lost in a row before giving up: each loss means another number was given meanwhile."""


@dataclass(frozen=True)
class RegisterEntry:
    issuer: str
    kind: str
    year: int
    sequence: int
    number: str
    subject: str
    given_at: dt.datetime
    given_by: str


def format_number(sequence: int, symbol: str) -> str:
    """How the document prints its number: "123/BC-UBND"."""
    return f"{sequence}/{symbol}"


def kind_of(symbol: str) -> str:
    """The document kind a symbol starts with: "BC" of "BC-UBND"."""
    return symbol.split("-", 1)[0]


def give_number(
    engine: Engine,
    *,
    issuer: str,
    symbol: str,
    year: int,
    subject: str,
    now: dt.datetime,
    actor: str,
    after_read: Callable[[], None] | None = None,
) -> RegisterEntry:
    """The next number of `issuer`'s register for `symbol`'s kind in `year`, committed.

    `after_read` runs between reading the last number and writing the next one: the tests hold
    two writers there so that both read the same last number."""
    kind = kind_of(symbol)
    for _ in range(ATTEMPTS):
        try:
            with session_scope(engine) as session:
                last = session.scalar(
                    select(func.max(RegisterNumberRow.sequence)).where(
                        RegisterNumberRow.issuer == issuer,
                        RegisterNumberRow.kind == kind,
                        RegisterNumberRow.year == year,
                    )
                )
                sequence = (last or 0) + 1
                if after_read is not None:
                    after_read()
                row = RegisterNumberRow(
                    issuer=issuer,
                    kind=kind,
                    year=year,
                    sequence=sequence,
                    number=format_number(sequence, symbol),
                    subject=subject,
                    given_at=now,
                    given_by=actor,
                )
                session.add(row)
                session.flush()
                return _entry(row)
        except IntegrityError:
            continue  # another writer took this sequence: read the register again
        except OperationalError as exc:
            if not _sqlite_busy(exc):
                raise
            continue  # SQLite: another writer committed since this transaction read
    raise RegisterBusy(t("approval.register_busy", attempts=ATTEMPTS))  # pragma: no cover


def numbers_given(engine: Engine, *, issuer: str, year: int) -> list[RegisterEntry]:
    """The register of `issuer` for `year`, in the order the numbers were given."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(RegisterNumberRow)
            .where(RegisterNumberRow.issuer == issuer, RegisterNumberRow.year == year)
            .order_by(RegisterNumberRow.kind, RegisterNumberRow.sequence)
        )
        return [_entry(row) for row in rows]


def _sqlite_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


def _entry(row: RegisterNumberRow) -> RegisterEntry:
    return RegisterEntry(
        issuer=row.issuer,
        kind=row.kind,
        year=row.year,
        sequence=row.sequence,
        number=row.number,
        subject=row.subject,
        given_at=row.given_at,
        given_by=row.given_by,
    )


__all__ = ["RegisterBusy", "RegisterEntry", "format_number", "give_number", "kind_of", "numbers_given"]
