"""The console's actions (extend, pause, resume, a unit's new link) through the portal, for each role:
office staff see a confirmation that changes nothing, then act, and the audit names them; leadership
and auditors get a Vietnamese 403 page and change nothing; a forged CSRF code is refused; a disabled
account is signed out; bad input is answered on the form, naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select

from dutyflow import accounts
from dutyflow.portal.deps import ApproverDep, ReaderDep, StaffDep
from dutyflow.portal.signin import Officer
from dutyflow.portal.throttle import LOGIN_FAILED
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import AccountRow, AuditEventRow, SubmissionRow, UnitRow, UnitTokenRow
from tests.accounts_support import AUDITOR, LEADER, STAFF, add_accounts, credentials
from tests.filling import filled_workbook
from tests.test_portal import SECRET, Site, open_site, upload

ACTIONS = "/van-phong/thao-tac"


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        add_accounts(engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
        yield site


def signed_in(site: Site, name: str) -> tuple[TestClient, str]:
    """A browser of its own, signed in as `name`, and its session's CSRF code."""
    client = TestClient(site.client.app)
    assert client.post("/van-phong/dang-nhap", data=credentials(name), follow_redirects=False).status_code == 303
    page = client.get("/van-phong").text
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return client, found.group(1)


def audited(site: Site, action: str) -> list[tuple[str, str, str | None]]:
    with session_scope(site.engine) as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.action == action).order_by(AuditEventRow.id))
        return [(r.code, r.actor, r.reason) for r in rows]


def paused(site: Site, unit: str) -> bool:
    with session_scope(site.engine) as session:
        return session.scalars(select(UnitRow.paused).where(UnitRow.code == unit)).one()


def test_staff_extend_a_deadline_after_a_confirmation_that_changes_nothing(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    before = site.obligation("xa-a", "bao-cao-6-thang")
    until = before.last_day + dt.timedelta(days=10)
    form = {"unit": "xa-a", "deliverable": "bao-cao-6-thang", "until": until.isoformat(), "reason": "Bão lũ"}
    assert client.get(f"{ACTIONS}/gia-han").status_code == 200
    confirm = client.post(f"{ACTIONS}/gia-han", data=form | {"csrf": csrf, "step": "xem-lai"})
    assert confirm.status_code == 200
    assert "Sẽ gia hạn «Báo cáo 6 tháng" in confirm.text and f"{until:%d/%m/%Y}" in confirm.text
    assert "UBND xã A" in confirm.text and "Xác nhận thực hiện" in confirm.text
    assert site.obligation("xa-a", "bao-cao-6-thang").extended_until is None  # rehearsed, not done
    edit = re.search(r'href="(/van-phong/thao-tac/gia-han\?[^"]+)">Sửa lại', confirm.text)
    assert edit is not None
    again = client.get(edit.group(1).replace("&amp;", "&")).text  # the form filled again, to correct
    assert ">Bão lũ</textarea>" in again and '<option value="xa-a" selected>' in again
    assert audited(site, "extended") == []
    done = client.post(f"{ACTIONS}/gia-han", data=form | {"csrf": csrf, "step": "thuc-hien"})
    assert done.status_code == 200 and "Đã gia hạn" in done.text
    after = site.obligation("xa-a", "bao-cao-6-thang")
    assert after.extended_until == until and after.next_action_at == site.clock()
    assert audited(site, "extended") == [(f"xa-a/bao-cao-6-thang/{before.period}", STAFF, "Bão lũ")]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"unit": "xa-a", "deliverable": "bao-cao-6-thang", "until": "2025-07-31"}, "Chưa điền «Lý do»"),
        ({"unit": "xa-a", "deliverable": "bao-cao-6-thang", "until": "31/13/2025", "reason": "x"}, "«31/13/2025» không phải là ngày hợp lệ"),
        ({"unit": "khong-co", "deliverable": "bao-cao-6-thang", "until": "2025-07-31", "reason": "x"}, "khong-co"),
        ({"unit": "xa-a", "deliverable": "bao-cao-6-thang", "until": "2025-05-13", "reason": "x"}, "05/2025"),
    ],
)
def test_bad_input_is_answered_on_the_form_and_changes_nothing(site: Site, form: dict[str, str], message: str) -> None:
    client, csrf = signed_in(site, STAFF)
    for step in ("xem-lai", "thuc-hien"):
        answer = client.post(f"{ACTIONS}/gia-han", data=form | {"csrf": csrf, "step": step})
        assert answer.status_code == 422 and message in answer.text, answer.text
        assert 'role="alert"' in answer.text and "<form" in answer.text  # the form again, to correct
    assert audited(site, "extended") == []


def test_staff_pause_and_resume_a_unit_and_the_audit_names_them(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    form = {"unit": "xa-b", "reason": "Sáp nhập đơn vị", "csrf": csrf}
    confirm = client.post(f"{ACTIONS}/tam-dung", data=form | {"step": "xem-lai"})
    assert "Sẽ tạm dừng đôn đốc UBND xã B" in confirm.text and not paused(site, "xa-b")
    assert "Đã tạm dừng đôn đốc UBND xã B" in client.post(f"{ACTIONS}/tam-dung", data=form | {"step": "thuc-hien"}).text
    assert paused(site, "xa-b")
    again = client.post(f"{ACTIONS}/tam-dung", data=form | {"step": "xem-lai"})
    assert again.status_code == 422 and "xa-b" in again.text  # already paused: the service says so
    resumed = client.post(f"{ACTIONS}/tiep-tuc", data={"unit": "xa-b", "csrf": csrf, "step": "thuc-hien"})
    assert resumed.status_code == 200 and not paused(site, "xa-b")
    assert audited(site, "paused") == [("xa-b", STAFF, "Sáp nhập đơn vị")]
    assert [(code, actor) for code, actor, _ in audited(site, "resumed")] == [("xa-b", STAFF)]


def test_staff_give_a_unit_a_new_link_which_is_emailed_and_the_old_one_closes(site: Site) -> None:
    old = site.token("xa-a")
    client, csrf = signed_in(site, STAFF)
    site.outbox.sent.clear()
    confirm = client.post(f"{ACTIONS}/cap-duong-dan-moi", data={"unit": "xa-a", "csrf": csrf, "step": "xem-lai"})
    assert confirm.status_code == 200 and site.outbox.sent == []
    assert site.client.get(f"/u/{old}").status_code == 200  # the rehearsal revoked nothing
    done = client.post(f"{ACTIONS}/cap-duong-dan-moi", data={"unit": "xa-a", "csrf": csrf, "step": "thuc-hien"})
    assert done.status_code == 200 and "Đã cấp đường dẫn mới cho UBND xã A" in done.text
    [mail] = site.outbox.sent
    assert "vhxh@xa-a.thunghiem.example" in mail.recipients
    [link] = re.findall(r"http://portal\.test/u/[A-Za-z0-9_-]{20,}", mail.text)
    assert site.client.get(link.removeprefix("http://portal.test")).status_code == 200
    assert site.client.get(f"/u/{old}").status_code == 410
    with session_scope(site.engine) as session:
        generations = session.scalars(select(UnitTokenRow.generation).join(UnitRow).where(UnitRow.code == "xa-a")).all()
    assert audited(site, "token_reissued") == [("xa-a", STAFF, None)] and max(generations) == 2


@pytest.mark.parametrize("name", [LEADER, AUDITOR])
def test_leadership_and_auditors_read_but_cannot_change_anything(site: Site, name: str) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    upload(site, site.token("xa-a"), obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    client, csrf = signed_in(site, name)
    assert client.get("/van-phong").status_code == 200
    received = client.get("/van-phong/bao-cao")
    assert received.status_code == 200 and "Tải tệp" in received.text and "Trả lại" not in received.text
    assert "/van-phong/thao-tac" not in client.get("/van-phong").text  # no way in is shown
    with session_scope(site.engine) as session:
        submission = session.scalars(select(SubmissionRow.id)).one()
    returned = client.post(f"/van-phong/bao-cao/{submission}/tra-lai", data={"csrf": csrf, "reason": "Sai số liệu"})
    assert returned.status_code == 403 and audited(site, "returned") == []
    for path in (ACTIONS, f"{ACTIONS}/tam-dung"):
        refused = client.get(path)
        assert refused.status_code == 403 and "chỉ được xem" in refused.text
    role = {LEADER: "Lãnh đạo", AUDITOR: "Kiểm tra viên"}[name]
    for step in ("xem-lai", "thuc-hien"):
        refused = client.post(f"{ACTIONS}/tam-dung", data={"unit": "xa-a", "reason": "x", "csrf": csrf, "step": step})
        assert refused.status_code == 403 and f"Vai trò «{role}»" in refused.text
    assert not paused(site, "xa-a") and audited(site, "paused") == []


def test_a_forged_or_missing_csrf_code_is_refused(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    form = {"unit": "xa-a", "reason": "x", "step": "thuc-hien"}
    assert client.post(f"{ACTIONS}/tam-dung", data=form | {"csrf": "giả"}).status_code == 403
    missing = client.post(f"{ACTIONS}/tam-dung", data=form)
    assert missing.status_code == 403 and "thiếu mã chống giả mạo" in missing.text
    assert not paused(site, "xa-a")


def test_a_disabled_account_is_signed_out_at_its_next_request(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    with session_scope(site.engine) as session:
        accounts.disable(session, STAFF, now=site.clock(), actor="cli:root")
    answer = client.post(
        f"{ACTIONS}/tam-dung", data={"unit": "xa-a", "reason": "x", "csrf": csrf, "step": "thuc-hien"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/van-phong/dang-nhap"
    assert not paused(site, "xa-a")
    again = TestClient(site.client.app).post("/van-phong/dang-nhap", data=credentials(STAFF), follow_redirects=False)
    assert again.status_code == 401


def test_a_session_expires_after_eight_hours(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    site.clock.now += dt.timedelta(hours=8)
    assert client.get(ACTIONS, follow_redirects=False).headers["location"] == "/van-phong/dang-nhap"


def test_failed_logins_are_throttled_and_audited_with_the_name_tried(site: Site) -> None:
    client = TestClient(site.client.app)
    answers = [client.post("/van-phong/dang-nhap", data=credentials(LEADER, "đoán-mò")).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert [code for code, _, _ in audited(site, LOGIN_FAILED)] == [LEADER] * 5


def test_with_no_account_the_login_page_says_how_to_make_one(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> None:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        with session_scope(engine) as session:  # an install upgraded from the shared password: no account yet
            session.execute(delete(AccountRow))
        page = site.client.get("/van-phong/dang-nhap")
        assert page.status_code == 200
        assert "chưa có tài khoản nào" in page.text and "dutyflow user add" in page.text
        assert 'name="password"' not in page.text
        refused = site.client.post("/van-phong/dang-nhap", data=credentials(), follow_redirects=False)
        assert refused.status_code == 403 and "dutyflow user add" in refused.text


def test_what_was_typed_is_shown_back_escaped(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    typed = '<script>alert("x")</script> & "ngoặc"'
    confirm = client.post(f"{ACTIONS}/tam-dung", data={"unit": "xa-a", "reason": typed, "csrf": csrf, "step": "xem-lai"})
    assert confirm.status_code == 200 and "<script>" not in confirm.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;ngoặc&#34;" in confirm.text


def test_each_role_dependency_lets_through_exactly_its_roles(site: Site) -> None:
    app = site.client.app
    assert isinstance(app, FastAPI)

    def who(officer: Officer) -> dict[str, str]:
        return {"name": officer.name, "role": officer.role.value, "title": officer.title, "csrf": officer.csrf}

    def read(officer: ReaderDep) -> dict[str, str]:
        return who(officer)

    def approve(officer: ApproverDep) -> dict[str, str]:
        return who(officer)

    def change(officer: StaffDep) -> dict[str, str]:
        return who(officer)

    app.post("/thu/doc")(read)
    app.post("/thu/phe-duyet")(approve)
    app.post("/thu/thay-doi")(change)
    allowed = {"/thu/doc": {STAFF, LEADER, AUDITOR}, "/thu/phe-duyet": {LEADER}, "/thu/thay-doi": {STAFF}}
    refusals = {"/thu/doc": "", "/thu/phe-duyet": "không được duyệt hay trả lại báo cáo", "/thu/thay-doi": "chỉ được xem"}
    for name in (STAFF, LEADER, AUDITOR):
        client, csrf = signed_in(site, name)
        for path, names in allowed.items():
            answer = client.post(path, data={"csrf": csrf})
            if name in names:
                assert answer.status_code == 200 and answer.json()["name"] == name and answer.json()["csrf"] == csrf
            else:
                assert answer.status_code == 403 and refusals[path] in answer.text, (name, path)
            assert client.post(path, data={"csrf": "giả"}).status_code == 403


def test_staff_correct_a_refused_address_and_the_refused_reminders_go_to_the_new_one(site: Site) -> None:
    old, new = "vhxh@xa-a.thunghiem.example", "vanhoa@xa-a.thunghiem.example"
    notifier = site.client.app.state.portal.notifier  # type: ignore[attr-defined]
    # The first day the ladder writes to the focal officer with the head in copy (overdue-3).
    day = next(
        dt.date(2025, 5, 1) + dt.timedelta(days=n)
        for n in range(31)
        if any(notice.step.cc for notice in notifier.due_notices(["xa-a"], dt.date(2025, 5, 1) + dt.timedelta(days=n)).notices)
    )
    site.clock.now = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
    site.outbox.refuse = {old}
    chased = notifier.chase(["xa-a"], day, site.clock())
    refused = [record for record in chased.sent if old in record.refused]
    assert refused, chased  # the server took the message for the head and refused the focal officer
    site.outbox.refuse = set()
    site.outbox.sent.clear()
    client, csrf = signed_in(site, STAFF)
    form = {"unit": "xa-a", "contact": "focal", "email": new, "reason": "Địa chỉ cũ đã bị hủy", "csrf": csrf}
    confirm = client.post(f"{ACTIONS}/sua-lien-he", data=form | {"step": "xem-lai"})
    assert confirm.status_code == 200 and f"{old} → {new}" in confirm.text and site.outbox.sent == []
    bad = client.post(f"{ACTIONS}/sua-lien-he", data=form | {"email": "vanhoa@", "step": "xem-lai"})
    assert bad.status_code == 422 and "«vanhoa@» không phải là địa chỉ thư điện tử hợp lệ" in bad.text
    done = client.post(f"{ACTIONS}/sua-lien-he", data=form | {"step": "thuc-hien"})
    assert done.status_code == 200 and f"Đã gửi lại {len(refused)} thư" in done.text, done.text
    assert [m.recipients for m in site.outbox.sent] == [(new,)] * len(refused)  # the new address only
    assert {m.subject for m in site.outbox.sent} == {r.subject for r in refused}
    with session_scope(site.engine) as session:
        assert session.scalars(select(UnitRow.focal_email).where(UnitRow.code == "xa-a")).one() == new
    assert audited(site, "contact_corrected") == [("xa-a", STAFF, "Địa chỉ cũ đã bị hủy")]
    # Done once: the same correction again is refused, and nothing is sent twice.
    again = client.post(f"{ACTIONS}/sua-lien-he", data=form | {"step": "thuc-hien"})
    assert again.status_code == 422 and "không có gì để sửa" in again.text
    assert len(site.outbox.sent) == len(refused)
    assert len(notifier.resend_refused("xa-a", day, site.clock()).sent) == 0
