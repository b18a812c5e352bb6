"""The console's accounts page (`/van-phong/tai-khoan`), as `dutyflow user`: office staff add an
office account after a confirmation that changes nothing, and it signs in; they disable one and its
open session ends; they give one a new password; they may not add a leadership account, set a
leadership account's password, or disable their own; auditors read the list, the leadership does
not; leadership and auditors change nothing; a forged CSRF code is refused; bad input is answered
on the form, naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow import accounts
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import AccountRow
from tests.accounts_support import AUDITOR, LEADER, PASSWORD, STAFF, add_accounts, credentials
from tests.test_console_actions import audited as all_audited
from tests.test_console_actions import signed_in
from tests.test_portal import SECRET, Site, open_site

ACCOUNTS = "/van-phong/tai-khoan"
NEW_PASSWORD = "mật-khẩu-mới-của-lan"
NEW_ACCOUNT = {"name": "lan", "full_name": "Nguyễn Thị Lan", "title": "Chuyên viên", "role": "office"}


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET) as site:
        add_accounts(engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
        yield site


def audited(site: Site, action: str) -> list[tuple[str, str, str | None]]:
    """The audit's `action` events but those of the accounts the test began with."""
    return [event for event in all_audited(site, action) if event[1] != "test"]


def stored(site: Site, name: str) -> AccountRow | None:
    with session_scope(site.engine) as session:
        return session.scalars(select(AccountRow).where(AccountRow.name == name)).first()


def signs_in(site: Site, name: str, password: str) -> bool:
    answer = TestClient(site.client.app).post(
        "/van-phong/dang-nhap", data=credentials(name, password), follow_redirects=False
    )
    return answer.status_code == 303


def test_staff_add_an_office_account_after_a_confirmation_and_it_signs_in(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    form = client.get(f"{ACCOUNTS}/them")
    assert form.status_code == 200
    assert '<option value="office"' in form.text and '<option value="auditor"' in form.text
    assert 'value="leadership"' not in form.text  # the console does not offer it
    confirm = client.post(f"{ACCOUNTS}/them", data=NEW_ACCOUNT | {"csrf": csrf, "step": "xem-lai"})
    assert confirm.status_code == 200
    assert "Sẽ tạo tài khoản «lan» (Nguyễn Thị Lan) với vai trò «Cán bộ văn phòng»" in confirm.text
    assert 'type="password" name="password"' in confirm.text and "Xác nhận tạo tài khoản" in confirm.text
    assert stored(site, "lan") is None and audited(site, "account_added") == []  # rehearsed, not done
    done = client.post(
        f"{ACCOUNTS}/them",
        data=NEW_ACCOUNT
        | {"csrf": csrf, "step": "thuc-hien", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert done.status_code == 200 and "Đã tạo tài khoản «lan»" in done.text
    assert NEW_PASSWORD not in done.text
    row = stored(site, "lan")
    assert row is not None and row.role is AccountRole.OFFICE and row.title == "Chuyên viên"
    assert row.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in row.password_hash
    assert audited(site, "account_added") == [("lan", STAFF, None)]
    assert signs_in(site, "lan", NEW_PASSWORD)
    listed = client.get(ACCOUNTS).text
    assert "Nguyễn Thị Lan" in listed and "chưa đăng nhập" in listed


def test_staff_cannot_add_a_leadership_account_even_by_a_forged_form(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    forged = NEW_ACCOUNT | {"role": "leadership", "csrf": csrf}
    for step in ("xem-lai", "thuc-hien"):
        answer = client.post(
            f"{ACCOUNTS}/them",
            data=forged | {"step": step, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert answer.status_code == 422 and "không được tạo hay đặt mật khẩu cho tài khoản Lãnh đạo" in answer.text
        assert "dutyflow user" in answer.text and 'role="alert"' in answer.text
    assert stored(site, "lan") is None and audited(site, "account_added") == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (NEW_ACCOUNT | {"name": ""}, "Chưa điền «Tên đăng nhập»"),
        (NEW_ACCOUNT | {"name": "Lan Anh"}, "Tên đăng nhập «Lan Anh» không hợp lệ"),
        (NEW_ACCOUNT | {"name": STAFF}, f"Đã có tài khoản «{STAFF}»"),
        (NEW_ACCOUNT | {"role": "quan-tri"}, "«Vai trò»: vai trò này không có trong danh sách"),
        (NEW_ACCOUNT | {"full_name": "x" * 151}, "Họ và tên"),
    ],
)
def test_bad_input_is_answered_on_the_form_naming_the_field(site: Site, form: dict[str, str], message: str) -> None:
    client, csrf = signed_in(site, STAFF)
    for step in ("xem-lai", "thuc-hien"):
        passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        answer = client.post(f"{ACCOUNTS}/them", data=form | passwords | {"csrf": csrf, "step": step})
        assert answer.status_code == 422 and message in answer.text, answer.text
        assert 'role="alert"' in answer.text and 'name="name"' in answer.text  # the form again, to correct
    assert audited(site, "account_added") == []


@pytest.mark.parametrize(
    ("passwords", "message"),
    [
        ({"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"}, "Hai lần nhập mật khẩu không khớp nhau"),
        ({"password": "bi-mat-9", "password_again": "bi-mat-9"}, "Mật khẩu quá ngắn: cần ít nhất 10 ký tự"),
        ({}, "Chưa điền «Mật khẩu mới»"),
    ],
)
def test_a_bad_password_is_answered_on_the_confirmation_which_writes_no_password(
    site: Site, passwords: dict[str, str], message: str
) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = client.post(f"{ACCOUNTS}/them", data=NEW_ACCOUNT | passwords | {"csrf": csrf, "step": "thuc-hien"})
    assert answer.status_code == 422 and message in answer.text
    assert 'id="confirm"' in answer.text and 'type="password" name="password"' in answer.text
    assert NEW_PASSWORD not in answer.text and "bi-mat-9" not in answer.text
    assert stored(site, "lan") is None


def test_staff_disable_an_account_and_its_open_session_ends(site: Site) -> None:
    auditor, _ = signed_in(site, AUDITOR)
    assert auditor.get(ACCOUNTS).status_code == 200
    client, csrf = signed_in(site, STAFF)
    assert f'href="{ACCOUNTS}/khoa?name={AUDITOR}"' in client.get(ACCOUNTS).text
    confirm = client.post(f"{ACCOUNTS}/khoa", data={"name": AUDITOR, "csrf": csrf, "step": "xem-lai"})
    assert confirm.status_code == 200 and f"Sẽ khóa tài khoản «{AUDITOR}»" in confirm.text
    assert auditor.get(ACCOUNTS).status_code == 200  # the rehearsal ended nothing
    done = client.post(f"{ACCOUNTS}/khoa", data={"name": AUDITOR, "csrf": csrf, "step": "thuc-hien"})
    assert done.status_code == 200 and f"Đã khóa tài khoản «{AUDITOR}»" in done.text
    ended = auditor.get(ACCOUNTS, follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/van-phong/dang-nhap"
    assert not signs_in(site, AUDITOR, PASSWORD)
    assert audited(site, "account_disabled") == [(AUDITOR, STAFF, None)]
    again = client.post(f"{ACCOUNTS}/khoa", data={"name": AUDITOR, "csrf": csrf, "step": "xem-lai"})
    assert again.status_code == 422 and "đã bị khóa từ trước" in again.text


def test_staff_cannot_disable_their_own_account(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    assert f"{ACCOUNTS}/khoa?name={STAFF}" not in client.get(ACCOUNTS).text
    assert f'<option value="{STAFF}"' not in client.get(f"{ACCOUNTS}/khoa").text
    for step in ("xem-lai", "thuc-hien"):
        answer = client.post(f"{ACCOUNTS}/khoa", data={"name": STAFF, "csrf": csrf, "step": step})
        assert answer.status_code == 422 and "Không thể tự khóa tài khoản của chính mình" in answer.text
    assert client.get(ACCOUNTS).status_code == 200
    account = stored(site, STAFF)
    assert account is not None and not account.disabled and audited(site, "account_disabled") == []


def test_staff_give_an_account_a_new_password_which_ends_its_sessions(site: Site) -> None:
    auditor, _ = signed_in(site, AUDITOR)
    client, csrf = signed_in(site, STAFF)
    form = {"name": AUDITOR, "csrf": csrf}
    confirm = client.post(f"{ACCOUNTS}/mat-khau", data=form | {"step": "xem-lai"})
    assert confirm.status_code == 200 and f"Sẽ đặt mật khẩu mới cho tài khoản «{AUDITOR}»" in confirm.text
    assert signs_in(site, AUDITOR, PASSWORD)  # rehearsed: the old password still opens
    done = client.post(
        f"{ACCOUNTS}/mat-khau",
        data=form | {"step": "thuc-hien", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert done.status_code == 200 and f"Đã đặt mật khẩu mới cho tài khoản «{AUDITOR}»" in done.text
    assert auditor.get(ACCOUNTS, follow_redirects=False).status_code == 303
    assert not signs_in(site, AUDITOR, PASSWORD) and signs_in(site, AUDITOR, NEW_PASSWORD)
    assert audited(site, "account_password_changed") == [(AUDITOR, STAFF, None)]


def test_staff_who_set_their_own_password_are_told_to_sign_in_again(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    done = client.post(f"{ACCOUNTS}/mat-khau", data={"name": STAFF, "csrf": csrf, "step": "thuc-hien"} | passwords)
    assert done.status_code == 200 and "Đây là tài khoản của chính bạn: hãy đăng nhập lại" in done.text
    assert client.get(ACCOUNTS, follow_redirects=False).status_code == 303  # their session ended too
    assert signs_in(site, STAFF, NEW_PASSWORD)
    assert audited(site, "account_password_changed") == [(STAFF, STAFF, None)]


def test_staff_cannot_set_a_leadership_accounts_password(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    listed = client.get(ACCOUNTS).text
    assert f"{ACCOUNTS}/mat-khau?name={LEADER}" not in listed and "do quản trị viên" in listed
    assert f'<option value="{LEADER}"' not in client.get(f"{ACCOUNTS}/mat-khau").text
    for step in ("xem-lai", "thuc-hien"):
        answer = client.post(
            f"{ACCOUNTS}/mat-khau",
            data={"name": LEADER, "csrf": csrf, "step": step, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        )
        assert answer.status_code == 422 and "có vai trò «Lãnh đạo»" in answer.text
    assert signs_in(site, LEADER, PASSWORD) and not signs_in(site, LEADER, NEW_PASSWORD)
    assert audited(site, "account_password_changed") == []


def test_an_auditor_reads_the_list_with_last_sign_ins_and_the_leadership_does_not(site: Site) -> None:
    signed_in(site, STAFF)  # signs in at the portal's clock
    auditor, _ = signed_in(site, AUDITOR)
    listed = auditor.get(ACCOUNTS)
    assert listed.status_code == 200
    portal = site.client.app.state.portal  # type: ignore[attr-defined]
    local = site.clock().astimezone(portal.calendar.tz).strftime("%d/%m/%Y %H:%M")
    row = listed.text.split(f'id="tai-khoan-{STAFF}"', 1)[1].split("</tr>", 1)[0]
    assert "Nguyễn Văn Office" in row and "Cán bộ văn phòng" in row and "đang dùng" in row and local in row
    leader_row = listed.text.split(f'id="tai-khoan-{LEADER}"', 1)[1].split("</tr>", 1)[0]
    assert "Lãnh đạo" in leader_row and "chưa đăng nhập" in leader_row
    assert f"{ACCOUNTS}/khoa" not in listed.text and f"{ACCOUNTS}/them" not in listed.text
    assert f'href="{ACCOUNTS}"' in auditor.get("/van-phong").text  # in the auditor's menu
    leader, _ = signed_in(site, LEADER)
    refused = leader.get(ACCOUNTS)
    assert refused.status_code == 403 and "Vai trò «Lãnh đạo» của bạn không xem danh sách tài khoản" in refused.text
    assert f'href="{ACCOUNTS}"' not in leader.get("/van-phong").text


@pytest.mark.parametrize("name", [LEADER, AUDITOR])
def test_leadership_and_auditors_change_no_account(site: Site, name: str) -> None:
    client, csrf = signed_in(site, name)
    role = {LEADER: "Lãnh đạo", AUDITOR: "Kiểm tra viên"}[name]
    passwords = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    asked = {"them": NEW_ACCOUNT | passwords, "khoa": {"name": STAFF}, "mat-khau": {"name": STAFF} | passwords}
    for action, form in asked.items():
        assert client.get(f"{ACCOUNTS}/{action}").status_code == 403
        for step in ("xem-lai", "thuc-hien"):
            refused = client.post(f"{ACCOUNTS}/{action}", data=form | {"csrf": csrf, "step": step})
            assert refused.status_code == 403 and f"Vai trò «{role}»" in refused.text
    assert stored(site, "lan") is None and signs_in(site, STAFF, PASSWORD)
    assert not [a for a in ("account_added", "account_disabled", "account_password_changed") if audited(site, a)]


def test_a_forged_or_missing_csrf_code_is_refused(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    form = {"name": AUDITOR, "step": "thuc-hien"}
    assert client.post(f"{ACCOUNTS}/khoa", data=form | {"csrf": "giả"}).status_code == 403
    missing = client.post(f"{ACCOUNTS}/khoa", data=form)
    assert missing.status_code == 403 and "thiếu mã chống giả mạo" in missing.text
    account = stored(site, AUDITOR)
    assert account is not None and not account.disabled


def test_what_the_console_lets_each_role_do_to_accounts() -> None:
    assert [r for r in AccountRole if accounts.can_see_accounts(r)] == [AccountRole.OFFICE, AccountRole.AUDITOR]
    assert [r for r in AccountRole if accounts.console_grants(r)] == [AccountRole.OFFICE, AccountRole.AUDITOR]
