"""Named office accounts, on SQLite and PostgreSQL: a password is kept only as an argon2 hash, a
wrong one or a disabled account opens nothing, disabling or a new password ends the account's
sessions, every change is audited without its secret, and bad names, roles and passwords are
refused in Vietnamese."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from dutyflow import accounts
from dutyflow.accounts import AccountError
from dutyflow.portal.signin import Refused, SignedIn, Throttled, officer_of, sign_in
from dutyflow.portal.throttle import LoginThrottle
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import AccountRow, AdminSessionRow, AuditEventRow
from tests.conftest import at

NOW = at("2025-05-12", 9)
SECRET = "một-mật-khẩu-đủ-dài"


def add(engine: Engine, name: str = "lan", role: AccountRole = AccountRole.OFFICE) -> None:
    with session_scope(engine) as session:
        accounts.add(session, name, role, SECRET, full_name="Nguyễn  Thị Lan", title="Phó Chủ tịch", now=NOW, actor="cli:root")


def login(engine: Engine, name: str = "lan", password: str = SECRET, now: dt.datetime = NOW) -> SignedIn | Throttled | Refused:
    with session_scope(engine) as session:
        return sign_in(session, LoginThrottle(), name=name, password=password, client="10.0.0.1", now=now)


def test_an_account_keeps_only_an_argon2_hash_and_its_creation_is_audited(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session:
        row = session.scalars(select(AccountRow)).one()
        assert row.password_hash.startswith("$argon2id$") and SECRET not in row.password_hash
        assert (row.full_name, row.title, row.role, row.disabled) == ("Nguyễn Thị Lan", "Phó Chủ tịch", "office", False)
        event = session.scalars(select(AuditEventRow)).one()
        assert (event.action, event.code, event.actor) == ("account_added", "lan", "cli:root")
        assert SECRET not in str(event.detail) and row.password_hash not in str(event.detail)


def test_the_right_password_opens_a_session_that_names_the_person(engine: Engine) -> None:
    add(engine, "hoa", AccountRole.LEADERSHIP)
    signed = login(engine, " HOA ")  # typed with spaces and capitals
    assert isinstance(signed, SignedIn)
    with session_scope(engine) as session:
        officer = officer_of(session, signed.cookie, now=NOW)
        assert officer is not None and officer.name == "hoa" and officer.role is AccountRole.LEADERSHIP
        assert officer.full_name == "Nguyễn Thị Lan" and officer.title == "Phó Chủ tịch" and officer.csrf
        assert officer.can_approve and not officer.can_change
        row = session.scalars(select(AdminSessionRow)).one()
        assert signed.cookie not in row.session_hash and row.user == "hoa"
        audited = session.scalars(select(AuditEventRow.actor).where(AuditEventRow.action == "office_login")).all()
        assert audited == ["hoa"]


def test_a_wrong_password_and_an_unknown_name_are_refused_alike_and_audited(engine: Engine) -> None:
    add(engine)
    assert isinstance(login(engine, password="sai-mật-khẩu-rồi"), Refused)
    assert isinstance(login(engine, name="khong-ai"), Refused)
    with session_scope(engine) as session:
        failed = session.scalars(select(AuditEventRow.code).where(AuditEventRow.action == "office_login_failed")).all()
        assert sorted(failed) == ["khong-ai", "lan"]
        assert session.scalar(select(func.count()).select_from(AdminSessionRow)) == 0


def test_disabling_an_account_ends_its_sessions_and_it_cannot_sign_in_again(engine: Engine) -> None:
    add(engine)
    add(engine, "minh")
    signed, other = login(engine), login(engine, "minh")
    assert isinstance(signed, SignedIn) and isinstance(other, SignedIn)
    with session_scope(engine) as session:
        accounts.disable(session, "lan", now=NOW, actor="minh")
    with session_scope(engine) as session:
        assert officer_of(session, signed.cookie, now=NOW) is None
        assert officer_of(session, other.cookie, now=NOW) is not None  # someone else's session stands
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "account_disabled")).one()
        assert (event.code, event.actor) == ("lan", "minh")
    assert isinstance(login(engine), Refused)  # the right password, a disabled account
    with session_scope(engine) as session, pytest.raises(AccountError, match="đã bị khóa"):
        accounts.disable(session, "lan", now=NOW, actor="minh")
    with session_scope(engine) as session:
        assert [a.name for a in accounts.listing(session)] == ["lan", "minh"]  # kept, never deleted


def test_a_disabled_account_s_session_stops_even_if_its_row_survived(engine: Engine) -> None:
    add(engine)
    signed = login(engine)
    assert isinstance(signed, SignedIn)
    with session_scope(engine) as session:  # disabled behind the service's back: the session still closes
        session.scalars(select(AccountRow)).one().disabled = True
    with session_scope(engine) as session:
        assert officer_of(session, signed.cookie, now=NOW) is None


def test_a_new_password_ends_the_old_sessions_and_only_it_opens(engine: Engine) -> None:
    add(engine)
    signed = login(engine)
    assert isinstance(signed, SignedIn)
    with session_scope(engine) as session:
        accounts.set_password(session, "lan", "mật-khẩu-mới-hoàn-toàn", now=NOW, actor="lan")
    with session_scope(engine) as session:
        assert officer_of(session, signed.cookie, now=NOW) is None
    assert isinstance(login(engine), Refused)
    assert isinstance(login(engine, password="mật-khẩu-mới-hoàn-toàn"), SignedIn)


def test_a_session_expires_after_eight_hours(engine: Engine) -> None:
    add(engine)
    signed = login(engine)
    assert isinstance(signed, SignedIn)
    with session_scope(engine) as session:
        assert officer_of(session, signed.cookie, now=NOW + dt.timedelta(hours=8, seconds=-1)) is not None
        assert officer_of(session, signed.cookie, now=NOW + dt.timedelta(hours=8)) is None


def test_failed_logins_are_throttled_per_account(engine: Engine) -> None:
    add(engine)
    throttle = LoginThrottle(per_client=100, per_account=3)
    with session_scope(engine) as session:
        answers = [
            sign_in(session, throttle, name="lan", password="sai", client=f"10.0.0.{i}", now=NOW) for i in range(4)
        ]
    assert [type(a) for a in answers] == [Refused, Refused, Refused, Throttled]


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("Lan Anh", "office", SECRET, "Tên đăng nhập «Lan Anh» không hợp lệ"),
        ("lan", "giam-doc", SECRET, "Vai trò «giam-doc» không có. Các vai trò: office, leadership, auditor"),
        ("lan", "office", "ngắn", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự"),
        ("lan", "office", "x" * 1025, "Mật khẩu quá dài"),
    ],
)
def test_bad_names_roles_and_passwords_are_refused_in_vietnamese(
    engine: Engine, name: str, role: str, password: str, message: str
) -> None:
    with session_scope(engine) as session, pytest.raises(AccountError, match=message):
        accounts.add(session, name, accounts.parse_role(role), password, now=NOW, actor="t")
    with session_scope(engine) as session:
        assert not accounts.any_accounts(session)


def test_a_name_is_taken_once(engine: Engine) -> None:
    add(engine)
    with session_scope(engine) as session, pytest.raises(AccountError, match="Đã có tài khoản «lan»"):
        accounts.add(session, "lan", AccountRole.AUDITOR, SECRET, now=NOW, actor="t")


def test_what_each_role_may_do() -> None:
    assert [accounts.can_change(r) for r in AccountRole] == [True, False, False]
    assert [accounts.can_approve(r) for r in AccountRole] == [False, True, False]
    assert [accounts.can_sign(r) for r in AccountRole] == [True, True, False]
    assert [accounts.can_issue(r) for r in AccountRole] == [True, False, False]
