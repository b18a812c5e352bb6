"""The console and a unit's own page on a phone (390 × 844) in Debian's Chromium: nothing overflows
sideways and every link, button and field is on screen. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dutyflow.formatting import dmy
from dutyflow.mail import MailSink
from dutyflow.portal.signin import SESSION_HOURS
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import UnitRow
from tests.accounts_support import AUDITOR, LEADER, PASSWORD, STAFF, add_accounts
from tests.approval_support import LEADER as REPORT_LEADER
from tests.approval_support import PASSWORD as SIGNING_PASSWORD
from tests.browser import chromium_page, live_server
from tests.conftest import at
from tests.filling import filled_workbook
from tests.test_console_actions import signed_in
from tests.test_console_manage import changed_plan
from tests.test_console_sign import awaiting_approval, keys
from tests.test_console_sign import portal as report_portal
from tests.test_portal import Site, site  # noqa: F401 - the fixture

ARTIFACTS = Path(__file__).parent / "artifacts" / "console"
PHONE = {"width": 390, "height": 844}

OFF_SCREEN = """() => {
  const width = window.innerWidth;
  const actions = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea");
  const out = [];
  for (const el of actions) {
    if (el.closest("table.stack thead")) continue;  // a phone sorts with the form's "Sắp xếp theo"
    const box = el.getBoundingClientRect();
    const shown = box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
    if (!shown || box.left < 0 || box.right > width + 0.5) {
      out.push((el.textContent || el.getAttribute("name") || el.tagName).trim().slice(0, 60) + " @" + Math.round(box.left) + "–" + Math.round(box.right));
    }
  }
  return out;
}"""


def check_phone_page(page: Any, name: str, backend: str) -> None:
    """No sideways scrolling and every action on screen; a full-page screenshot as the artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{backend}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide"
    assert page.evaluate(OFF_SCREEN) == [], name


def test_the_console_and_a_units_page_fit_a_phone(site: Site, tmp_path: Path) -> None:  # noqa: F811
    backend = site.engine.dialect.name
    # Late reports, and a refused address, so the lists have rows with long words in them.
    notifier = site.client.app.state.portal.notifier  # type: ignore[attr-defined]
    site.outbox.refuse.add("vhxh@xa-a.thunghiem.example")
    notifier.chase([u.code for u in notifier.units_to_chase(site.clock.now)], site.clock.now.date(), site.clock.now)
    site.clock.now = at("2025-08-20", 10)
    token = site.token("xa-a")
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/u/{token}")
        page.wait_for_selector("#obligations")
        check_phone_page(page, "don-vi-tu-nop", backend)
        assert page.locator("input[type=file]").first.is_visible()
        page.locator("a", has_text="hoặc nhập trực tiếp trên trang").first.click()
        page.wait_for_selector("form textarea, form input[inputmode=decimal]")
        check_phone_page(page, "don-vi-nhap-truc-tiep", backend)

        page.goto(f"{base}/van-phong/tong-quan")
        page.fill("input[name=name]", STAFF)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{base}/van-phong/tong-quan")
        page.wait_for_selector("#late-list")
        check_phone_page(page, "tong-quan", backend)
        assert page.locator("#problem-list").is_visible()

        page.locator("#late-list a", has_text="UBND xã A").first.click()
        page.wait_for_selector("#message-list")
        assert page.url.endswith("/van-phong/don-vi/xa-a")
        check_phone_page(page, "trang-don-vi", backend)

        page.locator("#message-list a").first.click()
        page.wait_for_selector("#message-id")
        check_phone_page(page, "thu-da-gui", backend)

        for name, path in [
            ("don-vi", "/van-phong/don-vi"),
            ("nhat-ky", "/van-phong/nhat-ky"),
            ("tong-hop", "/van-phong/tong-hop"),
        ]:
            page.goto(f"{base}{path}")
            check_phone_page(page, name, backend)


# ----------------------------------------------------------------------------- one walk per role
# Each test walks one person's real task through the pages, on a phone's width, with the portal's
# clock simulated (`Site.clock`). The store is the one of every console test (SQLite here: the
# services these pages call are held to both backends by tests/test_console_manage.py and
# tests/test_console_actions.py; a browser walk per backend would double this file's minute).

ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/van-phong/dang-nhap")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_selector("nav")


def chased(walked: Site, day: str) -> set[str]:
    """The chase run by the clock on `day` at 08:00; the addresses it wrote to."""
    walked.clock.now = at(day, 8)
    notifier = walked.client.app.state.portal.notifier  # type: ignore[attr-defined]
    walked.outbox.sent.clear()
    notifier.chase([u.code for u in notifier.units_to_chase(walked.clock.now)], walked.clock.now.date(), walked.clock.now)
    return {address.email for mail in walked.outbox.sent for address in mail.to}


@ON_SQLITE
def test_staff_extend_a_deadline_and_the_chase_follows_it(site: Site, tmp_path: Path) -> None:  # noqa: F811
    before = site.obligation("xa-a", "bao-cao-6-thang").last_day
    until = before + dt.timedelta(days=14)
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/thao-tac/gia-han")
        check_phone_page(page, "gia-han", "sqlite")
        page.select_option("select[name=unit]", "xa-a")
        page.select_option("select[name=deliverable]", "bao-cao-6-thang")
        page.fill("input[name=until]", until.isoformat())
        page.fill("textarea[name=reason]", "Xã A bị ngập do mưa lớn")
        page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
        page.wait_for_selector("#confirm")
        check_phone_page(page, "gia-han-xem-lai", "sqlite")
        page.get_by_role("button", name="Xác nhận thực hiện").click()
        page.wait_for_selector("#done")
        assert f"{until:%d/%m/%Y}" in page.inner_text("#done")
        page.goto(f"{base}/van-phong/don-vi/xa-a")
        check_phone_page(page, "don-vi-gia-han", "sqlite")
        assert f"gia hạn đến {dmy(until)}" in page.content()
    # The day after the old last day: xã B (not extended) is chased as late, xã A is not.
    written = chased(site, (before + dt.timedelta(days=1)).isoformat())
    assert "vhxh@xa-b.thunghiem.example" in written
    assert "vhxh@xa-a.thunghiem.example" not in written


@ON_SQLITE
def test_staff_upload_a_plan_with_an_error_then_a_good_one_and_apply_it(site: Site, tmp_path: Path, mini_plan_path: Path) -> None:  # noqa: F811
    good = changed_plan(mini_plan_path)
    bad = good.replace(b"vhxh@xa-c.thunghiem.example", b"khong-phai-email")
    (tmp_path / "ke-hoach-loi.yaml").write_bytes(bad)
    (tmp_path / "ke-hoach.yaml").write_bytes(good)
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/ke-hoach")
        check_phone_page(page, "ke-hoach", "sqlite")
        page.set_input_files("input[name=plan_file]", str(tmp_path / "ke-hoach-loi.yaml"))
        page.get_by_role("button", name="Kiểm tra và xem thay đổi").click()
        page.wait_for_selector("#issues")
        check_phone_page(page, "ke-hoach-loi", "sqlite")
        assert "Dòng " in page.inner_text("#issues") and "khong-phai-email" in page.inner_text("#issues")
        page.goto(f"{base}/van-phong/ke-hoach")
        page.set_input_files("input[name=plan_file]", str(tmp_path / "ke-hoach.yaml"))
        page.get_by_role("button", name="Kiểm tra và xem thay đổi").click()
        page.wait_for_selector("#diff")
        check_phone_page(page, "ke-hoach-thay-doi", "sqlite")
        assert "xa-c" in page.inner_text("#diff")
        page.get_by_role("button", name="Xác nhận nạp kế hoạch này").click()
        page.wait_for_selector("#done")
        check_phone_page(page, "ke-hoach-da-nap", "sqlite")
    with session_scope(site.engine) as session:
        assert session.scalar(select(UnitRow.name).where(UnitRow.code == "xa-c")) == "UBND xã C"


@ON_SQLITE
def test_staff_pause_a_unit(site: Site, tmp_path: Path) -> None:  # noqa: F811
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/thao-tac")
        check_phone_page(page, "thao-tac", "sqlite")
        page.get_by_role("link", name="Tạm dừng").first.click()
        page.select_option("select[name=unit]", "xa-b")
        page.fill("textarea[name=reason]", "Xã B đang sáp nhập")
        page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
        page.wait_for_selector("#confirm")
        page.get_by_role("button", name="Xác nhận thực hiện").click()
        page.wait_for_selector("#done")
        check_phone_page(page, "tam-dung-xong", "sqlite")
        for name, path in [("lich-chay", "/van-phong/lich-chay"), ("chay-ngay", "/van-phong/chay-ngay"), ("xac-minh", "/van-phong/xac-minh")]:
            page.goto(f"{base}{path}")
            check_phone_page(page, name, "sqlite")
    with session_scope(site.engine) as session:
        assert session.scalar(select(UnitRow.paused).where(UnitRow.code == "xa-b")) is True
    assert "vhxh@xa-b.thunghiem.example" not in chased(site, "2025-05-20")


@ON_SQLITE
def test_leadership_reads_everything_and_can_change_nothing(site: Site, tmp_path: Path) -> None:  # noqa: F811
    add_accounts(site.engine, AccountRole.LEADERSHIP)
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, LEADER)
        for name, path in [("lanh-dao-tong-quan", "/van-phong/tong-quan"), ("lanh-dao-lich-chay", "/van-phong/lich-chay")]:
            page.goto(f"{base}{path}")
            check_phone_page(page, name, "sqlite")
            assert page.locator("a[href='/van-phong/thao-tac'], a[href='/van-phong/ke-hoach'], a[href='/van-phong/chay-ngay']").count() == 0
            assert page.locator("input[name=cron]").count() == 0
        for path in ("/van-phong/thao-tac", "/van-phong/ke-hoach", "/van-phong/chay-ngay", "/van-phong/thao-tac/gia-han"):
            answer = page.goto(f"{base}{path}")
            assert answer is not None and answer.status == 403, path
            assert "chỉ được xem" in page.content()
        check_phone_page(page, "lanh-dao-bi-tu-choi", "sqlite")


@ON_SQLITE
def test_an_auditor_reads_who_did_what_in_the_audit_log(site: Site, tmp_path: Path) -> None:  # noqa: F811
    add_accounts(site.engine, AccountRole.AUDITOR)
    client, csrf = signed_in(site, STAFF)
    form = {"unit": "xa-b", "reason": "Xã B đang sáp nhập", "csrf": csrf, "step": "thuc-hien"}
    assert client.post("/van-phong/thao-tac/tam-dung", data=form).status_code == 200
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, AUDITOR)
        page.goto(f"{base}/van-phong/nhat-ky")
        check_phone_page(page, "kiem-tra-nhat-ky", "sqlite")
        text = page.content()
        assert STAFF in text and "Xã B đang sáp nhập" in text
        assert page.locator("a[href='/van-phong/thao-tac']").count() == 0


@ON_SQLITE
def test_a_session_ends_after_its_hours_on_the_portals_clock(site: Site, tmp_path: Path) -> None:  # noqa: F811
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/lich-chay")
        assert page.locator("input[name=cron]").count() == 4
        site.clock.now = site.clock.now + dt.timedelta(hours=SESSION_HOURS, minutes=1)
        page.goto(f"{base}/van-phong/lich-chay")
        assert page.url.endswith("/van-phong/dang-nhap")
        check_phone_page(page, "het-phien", "sqlite")
        assert page.locator("input[name=password]").is_visible()


@pytest.fixture
def signing_office(engine: Any, tmp_path: Path) -> Iterator[tuple[Any, MailSink]]:
    """The final report awaiting approval, and the portal as `dutyflow portal` builds it: its key
    from the settings (a test CA's), its mail to a local SMTP sink."""
    with MailSink() as sink:
        ws, _ = awaiting_approval(engine, tmp_path)
        key, trust = keys(tmp_path / "keys")
        with report_portal(ws, sink, signing_key=key, signing_key_password=SIGNING_PASSWORD, signing_trust_store=trust) as client:
            yield client, sink


@ON_SQLITE
def test_leadership_approves_and_office_staff_sign_and_issue_the_report_on_a_phone(
    signing_office: tuple[Any, MailSink], tmp_path: Path
) -> None:
    client, sink = signing_office
    with live_server(client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, REPORT_LEADER)
        page.goto(f"{base}/van-phong/bao-cao-tong-hop")
        page.wait_for_selector("#history")
        check_phone_page(page, "bao-cao-du-thao", "sqlite")
        assert page.locator("input[name=docx]").count() == 0  # the leadership approves, the office edits
        page.fill("textarea[name=comment]", "Đồng ý ban hành")
        page.get_by_role("button", name="Duyệt và cấp số").click()
        page.wait_for_selector("#number")
        check_phone_page(page, "bao-cao-da-duyet", "sqlite")
        assert "/BC-" in page.inner_text("#number")
        assert REPORT_LEADER in page.inner_text("#history")
        page.get_by_role("button", name="Đăng xuất").click()

        sign_in(page, base, STAFF)  # the văn thư signs and issues
        page.goto(f"{base}/van-phong/bao-cao-tong-hop")
        page.get_by_role("button", name="Xem lại trước khi ký số").click()
        page.wait_for_selector("#confirm-sign")
        check_phone_page(page, "bao-cao-xac-nhan-ky-so", "sqlite")
        page.get_by_role("button", name="Xác nhận ký số").click()
        page.wait_for_selector("#done")
        assert page.inner_text("#state") == "Đã ký số"
        page.get_by_role("button", name="Xem lại trước khi phát hành").click()
        page.wait_for_selector("#confirm-issue")
        assert "vanthu@soyte.thunghiem.example" in page.inner_text("#to-send")
        page.get_by_role("button", name="Xác nhận phát hành").click()
        page.wait_for_selector("#deliveries")
        check_phone_page(page, "bao-cao-da-phat-hanh", "sqlite")
        assert page.inner_text("#state") == "Đã phát hành, đã gửi"
        assert [row.split("\t")[3] for row in page.inner_text("#history tbody").splitlines()[-2:]] == [STAFF, STAFF]
        delivered = page.inner_text("#deliveries tbody").splitlines()
    assert [line.split("\t")[:2] for line in delivered] == [
        ["vanthu@soyte.thunghiem.example", "đã gửi"],
        ["luutru@soyte.thunghiem.example", "đã gửi"],
    ]
    assert sorted(m["To"].addresses[0].addr_spec for m in sink.messages) == [
        "luutru@soyte.thunghiem.example",
        "vanthu@soyte.thunghiem.example",
    ]


@ON_SQLITE
def test_staff_import_a_report_that_came_on_paper_from_the_units_page(site: Site, tmp_path: Path) -> None:  # noqa: F811
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    workbook = tmp_path / "bao-cao-6-thang-xa-a.xlsx"
    workbook.write_bytes(filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    site.outbox.sent.clear()
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/don-vi/xa-a")
        page.get_by_role("link", name="Nhập báo cáo của đơn vị này").click()
        page.wait_for_selector("select[name=report]")
        check_phone_page(page, "nhap-bao-cao", "sqlite")
        page.select_option("select[name=report]", f"bao-cao-6-thang/{obligation.period}")
        page.fill("input[name=received]", "2025-05-09")
        page.set_input_files("input[name=file]", str(workbook))
        page.get_by_role("button", name="Xem lại trước khi nhập").click()
        page.wait_for_selector("#confirm")
        check_phone_page(page, "nhap-bao-cao-xem-lai", "sqlite")
        assert "nhận ngày 09/05/2025" in page.inner_text("#confirm") and "tệp hợp lệ" in page.inner_text("#confirm")
        page.get_by_role("button", name="Xác nhận nhập báo cáo").click()
        page.wait_for_selector("#done")
        check_phone_page(page, "nhap-bao-cao-xong", "sqlite")
        assert "đã chấp nhận" in page.inner_text("#done")
        page.get_by_role("link", name="Xem báo cáo đã nộp của UBND xã A").click()
        page.wait_for_selector("#submission-list")
        assert STAFF in page.inner_text("#submission-list")
    assert site.obligation("xa-a", "bao-cao-6-thang").state == "accepted"
    [receipt] = site.outbox.sent
    assert "vhxh@xa-a.thunghiem.example" in receipt.recipients and "09/05/2025" in receipt.text


@ON_SQLITE
def test_staff_add_an_auditor_account_who_then_reads_the_accounts_list(site: Site, tmp_path: Path) -> None:  # noqa: F811
    add_accounts(site.engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
    password = "kiểm-tra-viên-mới-2025"
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.get_by_role("link", name="Tài khoản").first.click()
        page.wait_for_selector("#accounts")
        check_phone_page(page, "tai-khoan", "sqlite")
        page.get_by_role("link", name="Thêm tài khoản").click()
        page.fill("input[name=name]", "thanh.tra")
        page.fill("input[name=full_name]", "Hoàng Thị Thanh Trà")
        page.fill("input[name=title]", "Thanh tra viên chính của Thanh tra huyện")
        page.select_option("select[name=role]", "auditor")
        check_phone_page(page, "tai-khoan-them", "sqlite")
        page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
        page.wait_for_selector("#confirm")
        page.fill("input[name=password]", password)
        page.fill("input[name=password_again]", password + "x")
        page.get_by_role("button", name="Xác nhận tạo tài khoản").click()
        page.wait_for_selector("[role=alert]")
        assert "không khớp" in page.inner_text("[role=alert]")
        check_phone_page(page, "tai-khoan-them-xem-lai", "sqlite")
        page.fill("input[name=password]", password)
        page.fill("input[name=password_again]", password)
        page.get_by_role("button", name="Xác nhận tạo tài khoản").click()
        page.wait_for_selector("#done")
        assert "Đã tạo tài khoản «thanh.tra»" in page.inner_text("#done")
        page.get_by_role("button", name="Đăng xuất").click()
        page.goto(f"{base}/van-phong/dang-nhap")
        page.fill("input[name=name]", "thanh.tra")
        page.fill("input[name=password]", password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector("nav")
        page.goto(f"{base}/van-phong/tai-khoan")
        page.wait_for_selector("#accounts")
        check_phone_page(page, "tai-khoan-kiem-tra", "sqlite")
        assert "Hoàng Thị Thanh Trà" in page.inner_text("#accounts")
        assert page.locator("a[href^='/van-phong/tai-khoan/']").count() == 0


@ON_SQLITE
def test_staff_draft_a_plan_from_its_document_and_write_the_reform_into_the_current_plan(
    engine: Any, mini_plan_path: Path, tmp_path: Path
) -> None:
    from tests.test_console_plantools import seed_document, with_trung_khanh_commune
    from tests.test_portal import open_site

    document = tmp_path / "Kế hoạch trẻ em.docx"
    document.write_bytes(seed_document())
    with (
        open_site(engine, with_trung_khanh_commune(mini_plan_path), tmp_path) as walked,
        live_server(walked.client.app) as base,
        chromium_page(str(tmp_path)) as page,
    ):
        page.set_viewport_size(PHONE)
        sign_in(page, base, STAFF)
        page.goto(f"{base}/van-phong/ke-hoach")
        page.get_by_role("link", name="Soạn bản nháp tệp kế hoạch (YAML) từ văn bản Kế hoạch (.docx, .pdf, .txt)").click()
        page.wait_for_selector("input[name=document]")
        check_phone_page(page, "ke-hoach-du-thao", "sqlite")
        page.set_input_files("input[name=document]", str(document))
        page.get_by_role("button", name="Đọc văn bản và soạn bản nháp").click()
        page.wait_for_selector("#draft")
        check_phone_page(page, "ke-hoach-du-thao-xong", "sqlite")
        assert "Bản nháp đã qua kiểm tra kế hoạch" in page.inner_text("#draft")
        with page.expect_download() as download:
            page.click("#download")
        assert download.value.suggested_filename == "Kế hoạch trẻ em.draft.yaml"
        page.goto(f"{base}/van-phong/ke-hoach")
        page.get_by_role("link", name="Ghi sắp xếp đơn vị hành chính năm 2025 vào kế hoạch đang chạy").click()
        page.wait_for_selector("input[name=on]")
        check_phone_page(page, "ke-hoach-sap-xep", "sqlite")
        page.get_by_role("button", name="Xem kế hoạch sau sắp xếp").click()
        page.wait_for_selector("#diff")
        check_phone_page(page, "ke-hoach-sap-xep-thay-doi", "sqlite")
        assert "xa-a đóng từ ngày 01/07/2025, chuyển cho xa-quang-han" in page.inner_text("#reform")
        assert "chuyển cho xa-quang-han" in page.inner_text("#diff")
        page.get_by_role("button", name="Xác nhận nạp kế hoạch này").click()
        page.wait_for_selector("#done")
    with session_scope(engine) as session:
        assert session.scalar(select(UnitRow.successor_code).where(UnitRow.code == "xa-a")) == "xa-quang-han"
