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
    with session_scope(engine) as session:
        for role in roles or tuple(AccountRole):
            accounts.add(
                session,
                NAMES[role],
                role,
                PASSWORD,
                full_name=f"Nguyễn Văn {role.value.title()}",
                title="Chánh Văn phòng" if role is AccountRole.OFFICE else "Phó Chủ tịch",
                now=at("2025-04-01"),
                actor="test",
            )


def credentials(name: str = STAFF, password: str = PASSWORD) -> dict[str, str]:
    """The login form's fields."""
    return {"name": name, "password": password}
