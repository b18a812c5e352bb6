"""A unit, in a real browser, goes from its link to an accepted report; a wrong file names the cell to fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import openpyxl
from sqlalchemy import select

from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from tests.accounts_support import PASSWORD, STAFF
from tests.browser import chromium_page, live_server
from tests.test_portal import Site, site  # noqa: F401 - the fixture


def test_a_unit_uploads_its_report_in_a_browser(site: Site, tmp_path: Path) -> None:  # noqa: F811
    token = site.token("xa-a")
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.goto(f"{base}/u/{token}")
        assert "UBND xã A" in page.inner_text("header")
        row = page.locator("tr", has_text="Báo cáo 6 tháng").first
        with page.expect_download() as download_info:
            row.get_by_text("Tải biểu mẫu (.xlsx)").click()
        blank = tmp_path / "bieu-mau.xlsx"
        download_info.value.save_as(blank)

        # The officer fills it in a spreadsheet program; here, openpyxl plays that part.
        book = openpyxl.load_workbook(blank)
        sheet = book["Phụ lục I"]
        sheet["G12"], sheet["I12"] = 180, 200
        good, broken = tmp_path / "bao-cao.xlsx", tmp_path / "bao-cao-sai.xlsx"
        book.save(good)
        sheet["G12"] = "một trăm"
        book.save(broken)

        row.locator("input[type=file]").set_input_files(str(broken))
        row.get_by_role("button", name="Nộp").click()
        alert = page.locator("#result")
        assert "Phụ lục I, ô G12" in alert.inner_text()
        page.screenshot(path=str(tmp_path / "bi-tra-lai.png"))

        page.get_by_text("Quay lại trang của đơn vị").click()
        row = page.locator("tr", has_text="Báo cáo 6 tháng").first
        row.locator("input[type=file]").set_input_files(str(good))
        row.get_by_role("button", name="Nộp").click()
        receipt = page.locator("#result").inner_text()
        assert "Biên nhận" in receipt and "lần nộp 2" in receipt
        page.screenshot(path=str(tmp_path / "bien-nhan.png"))
        if os.environ.get("DUTYFLOW_SCREENSHOTS"):
            shutil.copytree(tmp_path, os.environ["DUTYFLOW_SCREENSHOTS"], dirs_exist_ok=True)

        page.get_by_text("Quay lại trang của đơn vị").click()
        assert "đã chấp nhận" in page.locator("tr", has_text="Báo cáo 6 tháng").first.inner_text()

    with session_scope(site.engine) as session:
        unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == "xa-a")).one()
        states = {
            o.deliverable.code: (o.state, o.next_action_at)
            for o in session.scalars(select(ObligationRow).where(ObligationRow.unit_id == unit_id))
        }
    assert states["bao-cao-6-thang"] == ("accepted", None)  # the chase stops for it
    subjects = [m.subject for m in site.outbox.sent]
    assert subjects[0].startswith("Đề nghị bổ sung") and subjects[1].startswith("Đã nhận")


def test_the_office_status_page_shows_late_units_first_in_a_browser(site: Site, tmp_path: Path) -> None:  # noqa: F811
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.goto(f"{base}/van-phong")
        assert page.url.endswith("/van-phong/dang-nhap")
        page.fill("input[name=name]", STAFF)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_selector("#completeness")
        shot = tmp_path / "tinh-hinh.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        rows = page.locator("#status tr")
        assert "quá hạn" in rows.nth(1).inner_text()  # the first unit listed is a late one
        completeness = page.locator("#completeness").inner_text()
        assert "Báo cáo 6 tháng" in completeness and "Danh sách hằng tháng" in completeness
        if os.environ.get("DUTYFLOW_SCREENSHOTS"):
            shutil.copy(shot, os.environ["DUTYFLOW_SCREENSHOTS"])
