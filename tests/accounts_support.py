"""Office accounts for portal tests: one per role, made through the accounts service, and the form
that signs one in."""

from __future__ import annotations

from sqlalchemy import Engine

from dutyflow import accounts
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from tests.conftest import at

PASSWORD = "mật-khẩu-văn-phòng"
STAFF = "vanphong"
LEADER = "lanhdao"
AUDITOR = "kiemtra"
NAMES = {AccountRole.OFFICE: STAFF, AccountRole.LEADERSHIP: LEADER, AccountRole.AUDITOR: AUDITOR}


def add_accounts(engine: Engine, *roles: AccountRole) -> None:
    """An account for each role given (all three when none is), each with `PASSWORD`."""
    for role in roles or tuple(AccountRole):
        add_account(
            engine,
            NAMES[role],
            role,
            full_name=f"Nguyễn Văn {role.value.title()}",
            title="Chánh Văn phòng" if role is AccountRole.OFFICE else "Phó Chủ tịch",
        )


def add_account(
    engine: Engine, name: str, role: AccountRole, *, full_name: str, title: str, disabled: bool = False
) -> accounts.Account:
    """One account with `PASSWORD`, disabled afterwards if asked."""
    with session_scope(engine) as session:
        account = accounts.add(
            session, name, role, PASSWORD, full_name=full_name, title=title, now=at("2025-04-01"), actor="test"
        )
        if disabled:
            account = accounts.disable(session, name, now=at("2025-04-02"), actor="test")
    return account


def credentials(name: str = STAFF, password: str = PASSWORD) -> dict[str, str]:
    """The login form's fields."""
    return {"name": name, "password": password}
