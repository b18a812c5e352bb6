"""Staff pause a unit from the console in headless Chromium on a phone-sized screen (390 px): the
login, the form, the confirmation and the result fit without scrolling sideways, with no JavaScript
of ours. Screenshots of each page are kept with the test's files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, UnitRow
from tests.accounts_support import PASSWORD, STAFF
from tests.browser import chromium_page, live_server
from tests.test_portal import SECRET, Site, open_site

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        yield site


def fits(page) -> bool:  # type: ignore[no-untyped-def]
    """Nothing is wider than the screen: every action is reachable without scrolling sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_staff_pause_a_unit_on_a_phone(site: Site, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with live_server(site.client.app) as base, chromium_page(str(tmp_path)) as page:
        page.set_viewport_size(PHONE)
        page.goto(f"{base}/van-phong/thao-tac/tam-dung")
        assert page.url.endswith("/van-phong/dang-nhap") and fits(page)
        page.screenshot(path=str(shots / "dang-nhap.png"), full_page=True)
        page.fill("input[name=name]", STAFF)
        page.fill("input[name=password]", PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.goto(f"{base}/van-phong/thao-tac")
        assert fits(page)
        page.screenshot(path=str(shots / "thao-tac.png"), full_page=True)
        page.get_by_role("link", name="Tạm dừng đôn đốc một đơn vị").click()
        page.select_option("select[name=unit]", "xa-b")
        page.fill("textarea[name=reason]", "Sáp nhập đơn vị")
        assert fits(page)
        page.screenshot(path=str(shots / "tam-dung.png"), full_page=True)
        page.get_by_role("button", name="Xem lại trước khi thực hiện").click()
        assert "Sẽ tạm dừng đôn đốc UBND xã B" in page.locator("#confirm").inner_text() and fits(page)
        page.screenshot(path=str(shots / "xem-lai.png"), full_page=True)
        page.get_by_role("button", name="Xác nhận thực hiện").click()
        assert "Đã tạm dừng đôn đốc UBND xã B" in page.locator("#done").inner_text() and fits(page)
        page.screenshot(path=str(shots / "da-thuc-hien.png"), full_page=True)
        page.goto(f"{base}/van-phong")
        assert fits(page)  # the status page too: its tables scroll inside themselves
    assert all(shot.stat().st_size > 5_000 for shot in shots.iterdir()) and len(list(shots.iterdir())) == 5
    with session_scope(site.engine) as session:
        assert session.scalars(select(UnitRow.paused).where(UnitRow.code == "xa-b")).one()
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "paused")).one()
        assert (event.code, event.actor, event.reason) == ("xa-b", STAFF, "Sáp nhập đơn vị")
