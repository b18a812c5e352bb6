"""Per-unit portal links: random-looking tokens derived from a server secret, stored only as hashes.

A token is HMAC-SHA256(secret, plan:unit:generation), so every message can carry the unit's link
without the store ever holding it; reissuing bumps the generation, which revokes the old link.
Tokens expire at the end of the plan year.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dutyflow.store.db import insert_ignoring_conflicts
from dutyflow.store.models import UnitRow, UnitTokenRow


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The server secret: from the settings (environment) in production, else a file kept in the data folder."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode("utf-8")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def derive_token(secret: bytes, plan_code: str, unit_code: str, generation: int) -> str:
    digest = hmac.new(secret, f"{plan_code}:{unit_code}:{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")  # 256 bits


def expiry_for(year: int, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime(year + 1, 1, 1, tzinfo=tz)


def current_token(
    session: Session, secret: bytes, plan_code: str, unit: UnitRow, *, now: dt.datetime, expires_at: dt.datetime
) -> str:
    """The unit's live token, creating generation 1 on first use."""
    row = session.scalars(
        select(UnitTokenRow)
        .where(UnitTokenRow.unit_id == unit.id, UnitTokenRow.revoked_at.is_(None))
        .order_by(UnitTokenRow.generation.desc())
    ).first()
    if row is None:
        # First use. Two workers may get here at once; the token is the same for both, so the
        # second insert is simply ignored.
        token = derive_token(secret, plan_code, unit.code, 1)
        insert_ignoring_conflicts(
            session,
            UnitTokenRow,
            [
                {
                    "unit_id": unit.id,
                    "generation": 1,
                    "token_hash": hash_token(token),
                    "created_at": now,
                    "expires_at": expires_at,
                    "revoked_at": None,
                }
            ],
            "token_hash",
        )
        return token
    return derive_token(secret, plan_code, unit.code, row.generation)


def issue(
    session: Session, secret: bytes, plan_code: str, unit: UnitRow, *, now: dt.datetime, expires_at: dt.datetime
) -> str:
    """A new generation for the unit; every earlier link stops working."""
    latest = session.scalars(
        select(UnitTokenRow.generation).where(UnitTokenRow.unit_id == unit.id).order_by(UnitTokenRow.generation.desc())
    ).first()
    session.execute(
        update(UnitTokenRow)
        .where(UnitTokenRow.unit_id == unit.id, UnitTokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    generation = (latest or 0) + 1
    token = derive_token(secret, plan_code, unit.code, generation)
    session.add(
        UnitTokenRow(
            unit_id=unit.id,
            generation=generation,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
        )
    )
    session.flush()
    return token


class LinkState(StrEnum):
    OPEN = "open"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LinkCheck:
    """What a link is: open (with its unit), or unknown, revoked or expired (since when)."""

    state: LinkState
    unit: UnitRow | None = None
    since: dt.datetime | None = None


def check_link(session: Session, token: str, *, now: dt.datetime) -> LinkCheck:
    """Whether `token` opens a unit's page, and if not, why. Constant work either way."""
    if not token or len(token) > 128:
        return LinkCheck(LinkState.UNKNOWN)
    row = session.scalars(select(UnitTokenRow).where(UnitTokenRow.token_hash == hash_token(token))).first()
    if row is None:
        return LinkCheck(LinkState.UNKNOWN)
    unit = session.get(UnitRow, row.unit_id)
    if row.revoked_at is not None:
        return LinkCheck(LinkState.REVOKED, unit, row.revoked_at)
    if row.expires_at <= now:
        return LinkCheck(LinkState.EXPIRED, unit, row.expires_at)
    return LinkCheck(LinkState.OPEN, unit)


def unit_for_token(session: Session, token: str, *, now: dt.datetime) -> UnitRow | None:
    """The unit a token opens, or None if it is unknown, revoked or expired."""
    check = check_link(session, token, now=now)
    return check.unit if check.state is LinkState.OPEN else None
