"""Named office accounts: who may sign in to the console, with which role, and whom the audit names.

Passwords are kept only as argon2id hashes (argon2-cffi). `authenticate` spends the same work on a
name that does not exist as on a wrong password, so the answer's timing does not say which names
exist. Accounts are disabled, never deleted: the audit log keeps naming its people. Disabling an
account or changing its password ends its console sessions. Every change is audited; no event
holds a password or a hash. What a role may do is a pure rule (`can_change`, `can_approve`,
`can_sign`, `can_issue`, `can_see_accounts`, `console_grants`).
See docs/decisions.md, "Named accounts replace the shared office password".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dutyflow import audit
from dutyflow.messages import t
from dutyflow.states import AccountRole
from dutyflow.store.models import AccountRow, AdminSessionRow, AuditEventRow

__all__ = [
    "MIN_PASSWORD",
    "SIGNED_IN",
    "Account",
    "AccountError",
    "add",
    "any_accounts",
    "approver",
    "authenticate",
    "can_approve",
    "can_change",
    "can_issue",
    "can_see_accounts",
    "can_sign",
    "console_grants",
    "disable",
    "find",
    "last_sign_ins",
    "listing",
    "parse_role",
    "set_password",
]

MIN_PASSWORD = 10
"""The shortest password an account may have (characters)."""
MAX_PASSWORD = 1024
SIGNED_IN = "office_login"
"""The audit action of a successful sign-in to the console (its code: the account's name)."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
"""argon2id at OWASP's first recommended profile (19 MiB, 2 passes, 1 lane): about 50 ms on one core,
so a login on the 2-core server stays well under the console's page budget."""


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("dutyflow: a name that names no account")


class AccountError(Exception):
    """A change to an account that cannot be made; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Account:
    """An account as its users see it (never its hash)."""

    name: str
    full_name: str
    title: str
    role: AccountRole
    disabled: bool

    @classmethod
    def of(cls, row: AccountRow) -> Account:
        return cls(row.name, row.full_name, row.title, AccountRole(row.role), row.disabled)


def can_change(role: AccountRole) -> bool:
    """Office staff change things (actions, plans, schedules); leadership and auditors only read."""
    return role is AccountRole.OFFICE


def can_approve(role: AccountRole) -> bool:
    """Only the leadership approves or sends back the report; the office prepares it (see
    decisions.md, "The report is approved by a leadership account")."""
    return role is AccountRole.LEADERSHIP


def can_sign(role: AccountRole) -> bool:
    """The approved report is signed by the office staff or the leadership: whoever holds the
    signing key's token where the key is kept (see decisions.md, "The console signs and issues the report")."""
    return role in {AccountRole.OFFICE, AccountRole.LEADERSHIP}


def can_issue(role: AccountRole) -> bool:
    """Only the office staff (the văn thư) issue the signed report: sending it out and recording it
    is the office's register work, not the approver's."""
    return role is AccountRole.OFFICE


def can_see_accounts(role: AccountRole) -> bool:
    """Office staff (who manage accounts) and auditors (who check who has access) see the accounts;
    the leadership's console is the report (see decisions.md, "Office staff manage accounts in the
    console, but never the leadership's")."""
    return role in {AccountRole.OFFICE, AccountRole.AUDITOR}


def console_grants(role: AccountRole) -> bool:
    """Whether office staff may, from the console, create an account of `role` or set its password.
    Never a leadership account: a staff member could then approve the report they prepared; that
    stays with the administrator's CLI."""
    return role is not AccountRole.LEADERSHIP


def approver(session: Session, name: str) -> Account:
    """The enabled account `name` (as typed: spaces and capitals ignored) if its role may approve,
    else an `AccountError` saying which of the three it is not."""
    typed = name.strip()
    row = _row(session, typed.lower())
    if row is None:
        raise AccountError(t("approvers.unknown", name=typed))
    account = Account.of(row)
    if account.disabled:
        raise AccountError(t("approvers.disabled", name=account.name))
    if not can_approve(account.role):
        raise AccountError(
            t(
                "approvers.not_allowed",
                name=account.name,
                role=t(f"accounts.roles.{account.role.value}"),
                allowed=t(f"accounts.roles.{AccountRole.LEADERSHIP.value}"),
            )
        )
    return account


def parse_role(value: str) -> AccountRole:
    try:
        return AccountRole(value.strip().lower())
    except ValueError:
        raise AccountError(t("accounts.bad_role", role=value, roles=", ".join(r.value for r in AccountRole))) from None


def add(
    session: Session,
    name: str,
    role: AccountRole,
    password: str,
    *,
    full_name: str = "",
    title: str = "",
    now: dt.datetime,
    actor: str,
) -> Account:
    """Create an account; its name is unique, lower-case letters, digits, '.', '_' or '-'."""
    name = name.strip()
    if not _NAME.match(name):
        raise AccountError(t("accounts.bad_name", name=name))
    if _row(session, name) is not None:
        raise AccountError(t("accounts.exists", name=name))
    row = AccountRow(
        name=name,
        full_name=_text(full_name) or name,
        title=_text(title),
        role=role,
        password_hash=_HASHER.hash(_checked(password)),
        disabled=False,
        created_at=now,
        changed_at=now,
    )
    session.add(row)
    detail = {"role": role.value, "full_name": row.full_name, "title": row.title}
    audit.write(session, audit.AuditEvent("account_added", "account", name, detail), actor=actor, at=now)
    session.flush()
    return Account.of(row)


def disable(session: Session, name: str, *, now: dt.datetime, actor: str) -> Account:
    """Disable an account: it cannot sign in and its open sessions end."""
    row = _existing(session, name)
    if row.disabled:
        raise AccountError(t("accounts.already_disabled", name=name))
    row.disabled, row.changed_at = True, now
    _end_sessions(session, row)
    audit.write(session, audit.AuditEvent("account_disabled", "account", name), actor=actor, at=now)
    return Account.of(row)


def set_password(session: Session, name: str, password: str, *, now: dt.datetime, actor: str) -> Account:
    """Give an account a new password; its open sessions end (whoever held the old one is out)."""
    row = _existing(session, name)
    row.password_hash, row.changed_at = _HASHER.hash(_checked(password)), now
    _end_sessions(session, row)
    audit.write(session, audit.AuditEvent("account_password_changed", "account", name), actor=actor, at=now)
    return Account.of(row)


def authenticate(session: Session, name: str, password: str) -> AccountRow | None:
    """The enabled account `name` if `password` is its password, else None. A hash made with
    weaker parameters than today's is upgraded on the way."""
    row = _row(session, name.strip())
    try:
        _HASHER.verify(row.password_hash if row is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _HASHER.check_needs_rehash(row.password_hash):
        row.password_hash = _HASHER.hash(password)
    return row


def find(session: Session, name: str) -> Account | None:
    row = _row(session, name)
    return Account.of(row) if row is not None else None


def listing(session: Session) -> list[Account]:
    return [Account.of(row) for row in session.scalars(select(AccountRow).order_by(AccountRow.name))]


def last_sign_ins(session: Session) -> dict[str, dt.datetime]:
    """Each account's latest sign-in to the console, by name, from the audit log (accounts that
    never signed in are absent)."""
    rows = session.execute(
        select(AuditEventRow.code, func.max(AuditEventRow.at))
        .where(AuditEventRow.action == SIGNED_IN, AuditEventRow.entity == "account")
        .group_by(AuditEventRow.code)
    )
    return {code: at for code, at in rows}


def any_accounts(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(AccountRow)))


def _row(session: Session, name: str) -> AccountRow | None:
    return session.scalars(select(AccountRow).where(AccountRow.name == name)).first()


def _existing(session: Session, name: str) -> AccountRow:
    row = _row(session, name)
    if row is None:
        raise AccountError(t("accounts.unknown", name=name))
    return row


def _end_sessions(session: Session, row: AccountRow) -> None:
    session.execute(delete(AdminSessionRow).where(AdminSessionRow.account_id == row.id))


def _checked(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(t("accounts.password_short", minimum=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise AccountError(t("accounts.password_long", maximum=MAX_PASSWORD))
    return password


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))
