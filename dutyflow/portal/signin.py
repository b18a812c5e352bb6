"""Signing in to the office console by name and password, and the signed-in officer of a request.

Sessions are server-side: the cookie holds a random value, the store only its hash, with the account
it belongs to, a CSRF code and an absolute expiry. A session opens nothing once it has expired or
once its account is disabled (disabling also deletes the account's sessions, `accounts.disable`).
Failed attempts are audited and throttled (`throttle`); a successful one is audited too. No route
logic: the routes call `sign_in`, `officer_of` and `sign_out`; the clock is a parameter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dutyflow import accounts, audit
from dutyflow.portal.throttle import LoginThrottle
from dutyflow.states import AccountRole
from dutyflow.store.models import AccountRow, AdminSessionRow

SESSION_HOURS = 8
MAX_COOKIE = 128


@dataclass(frozen=True)
class Officer:
    """The signed-in person of a console request: whom the audit names, what the role allows, and
    the session's CSRF code every form carries."""

    name: str
    role: AccountRole
    full_name: str
    title: str
    csrf: str
    session_id: int

    @property
    def csrf_token(self) -> str:
        """The CSRF code under the session row's name, for pages written against the row."""
        return self.csrf

    @property
    def can_change(self) -> bool:
        return accounts.can_change(self.role)

    @property
    def can_approve(self) -> bool:
        return accounts.can_approve(self.role)

    @property
    def can_sign(self) -> bool:
        return accounts.can_sign(self.role)

    @property
    def can_issue(self) -> bool:
        return accounts.can_issue(self.role)

    @property
    def can_see_accounts(self) -> bool:
        return accounts.can_see_accounts(self.role)


@dataclass(frozen=True)
class SignedIn:
    cookie: str
    officer: Officer


@dataclass(frozen=True)
class Throttled:
    until: dt.datetime


@dataclass(frozen=True)
class Refused:
    """Wrong name or password, or a disabled account (the person is not told which)."""


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def sign_in(
    session: Session, throttle: LoginThrottle, *, name: str, password: str, client: str, now: dt.datetime
) -> SignedIn | Throttled | Refused:
    """Check `name` and `password` (unless the throttle refuses first) and open a session."""
    name = name.strip().lower()
    until = throttle.blocked_until(session, client=client, account=name[:128], now=now)
    if until is not None:
        return Throttled(until)
    account = accounts.authenticate(session, name, password)
    if account is None:
        throttle.record_failure(session, client=client, account=name[:128], now=now)
        return Refused()
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= now))
    row = AdminSessionRow(
        session_hash=hash_secret(cookie),
        csrf_token=csrf,
        user=account.name,
        account_id=account.id,
        created_at=now,
        expires_at=now + dt.timedelta(hours=SESSION_HOURS),
    )
    session.add(row)
    signed = audit.AuditEvent(accounts.SIGNED_IN, "account", account.name, {"client": client})
    audit.write(session, signed, actor=account.name, at=now)
    session.flush()
    return SignedIn(cookie, _officer(account, row))


def officer_of(session: Session, cookie: str, *, now: dt.datetime) -> Officer | None:
    """The officer whose session the cookie opens: not expired, its account enabled."""
    if not cookie or len(cookie) > MAX_COOKIE:
        return None
    found = session.execute(
        select(AdminSessionRow, AccountRow)
        .join(AccountRow, AdminSessionRow.account_id == AccountRow.id)
        .where(AdminSessionRow.session_hash == hash_secret(cookie))
    ).first()
    if found is None:
        return None
    row, account = found
    if row.expires_at <= now or account.disabled:
        return None
    return _officer(account, row)


def sign_out(session: Session, officer: Officer) -> None:
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.id == officer.session_id))


def _officer(account: AccountRow, row: AdminSessionRow) -> Officer:
    return Officer(account.name, AccountRole(account.role), account.full_name, account.title, row.csrf_token, row.id)


__all__ = ["SESSION_HOURS", "Officer", "Refused", "SignedIn", "Throttled", "hash_secret", "officer_of", "sign_in", "sign_out"]
