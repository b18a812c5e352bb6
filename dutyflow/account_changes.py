"""What office staff may do to the office's accounts from the console: add one, disable one, give one
a new password, each through the very service `dutyflow user` calls (`accounts.add`, `disable`,
`set_password`), with the console's separation of duties checked first, in the same transaction.

The rule (see docs/decisions.md, "Office staff manage accounts in the console, but never the
leadership's"): from the console a staff member never creates a leadership account nor sets a
leadership account's password (`accounts.console_grants`), else they could approve the report they
prepared; and never disables their own account. Everything else is the CLI's own rules, refused
with the CLI's own messages (`AccountError`). A change is rehearsed (`rehearse`: the service run in
a transaction rolled back, so the confirmation says what will happen and every refusal is shown
first) and then made (`perform`) naming the signed-in person in the audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dutyflow import accounts
from dutyflow.accounts import Account, AccountError
from dutyflow.messages import t
from dutyflow.states import AccountRole
from dutyflow.store.db import rehearsal, session_scope

REHEARSAL_PASSWORD = "x" * accounts.MIN_PASSWORD
"""What a rehearsal hashes in place of the password, which is typed only at the confirmation: the
password's own rules are the service's, checked when it is given."""


class AccountAction(StrEnum):
    """The console's changes to an account, named by their address."""

    ADD = "them"
    DISABLE = "khoa"
    PASSWORD = "mat-khau"

    @property
    def takes_password(self) -> bool:
        return self is not AccountAction.DISABLE


@dataclass(frozen=True)
class AccountChange:
    """A change asked for: the account's name and, to add one, its role, full name and title."""

    action: AccountAction
    name: str
    role: AccountRole | None = None
    full_name: str = ""
    title: str = ""


def apply(session: Session, change: AccountChange, password: str, *, now: dt.datetime, actor: str) -> Account:
    """Make `change` in the caller's transaction, as `actor` (an office account); refusals are
    `AccountError`s saying why in Vietnamese."""
    name = change.name.strip()
    existing = accounts.find(session, name)
    if change.action is not AccountAction.ADD and existing is None:
        raise AccountError(t("console_accounts.unknown", name=name))
    match change.action:
        case AccountAction.ADD:
            if change.role is None:
                raise AccountError(t("console_accounts.role_missing"))
            _grantable(change.role, name)
            return accounts.add(
                session,
                name,
                change.role,
                password,
                full_name=change.full_name,
                title=change.title,
                now=now,
                actor=actor,
            )
        case AccountAction.DISABLE:
            if name == actor:
                raise AccountError(t("console_accounts.own_disable"))
            return accounts.disable(session, name, now=now, actor=actor)
        case AccountAction.PASSWORD:
            assert existing is not None
            _grantable(existing.role, name)
            return accounts.set_password(session, name, password, now=now, actor=actor)


def rehearse(engine: Engine, change: AccountChange, *, now: dt.datetime, actor: str) -> Account:
    """What `change` would make, checked by the service itself in a transaction rolled back."""
    with rehearsal(engine) as session:
        return apply(session, change, REHEARSAL_PASSWORD, now=now, actor=actor)


def perform(engine: Engine, change: AccountChange, password: str, *, now: dt.datetime, actor: str) -> Account:
    """Make `change` in a transaction of its own, committed when it returns."""
    with session_scope(engine) as session:
        return apply(session, change, password, now=now, actor=actor)


def _grantable(role: AccountRole, name: str) -> None:
    if not accounts.console_grants(role):
        raise AccountError(t("console_accounts.leadership_by_cli", name=name, role=t(f"accounts.roles.{role.value}")))


__all__ = ["REHEARSAL_PASSWORD", "AccountAction", "AccountChange", "apply", "perform", "rehearse"]
