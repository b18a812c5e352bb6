"""The office console's read pages: overview, units, a unit's page, a message as sent, reports and
the audit log with its CSV; sorted, filtered and paged on the server, on both stores."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow import audit
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, SentMessageRow, UnitRow
from tests.conftest import at
from tests.test_portal import Site, open_site

PASSWORD = "mật-khẩu-văn-phòng"


@pytest.fixture
def office(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    """The mini plan's portal, assigned, with the office signed in."""
    with open_site(engine, mini_plan_path, tmp_path) as site:
        sign_in(site)
        yield site


def sign_in(site: Site) -> None:
    answer = site.client.post("/van-phong/dang-nhap", data={"password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303


def unit_id(site: Site, code: str) -> int:
    with session_scope(site.engine) as session:
        return session.scalars(select(UnitRow.id).where(UnitRow.code == code)).one()


def test_the_console_needs_the_office_session(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> None:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        for path in ["/van-phong/tong-quan", "/van-phong/don-vi/xa-a", "/van-phong/nhat-ky", "/van-phong/nhat-ky.csv"]:
            answer = site.client.get(path, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"] == "/van-phong/dang-nhap", path


def test_the_overview_counts_by_deliverable_and_kind_and_lists_the_late_longest_first(office: Site) -> None:
    office.clock.now = at("2025-08-20", 10)
    sign_in(office)
    page = office.client.get("/van-phong/tong-quan")
    assert page.status_code == 200
    assert "Theo sản phẩm báo cáo" in page.text and "Theo loại đơn vị" in page.text
    assert "Báo cáo 6 tháng" in page.text and "xã" in page.text
    days = [int(d) for d in re.findall(r'class="num overdue" data-label="Số ngày quá hạn">(\d+)<', page.text)]
    assert days and days == sorted(days, reverse=True)
    ascending = office.client.get("/van-phong/tong-quan?sort=days")
    days_up = [int(d) for d in re.findall(r'class="num overdue" data-label="Số ngày quá hạn">(\d+)<', ascending.text)]
    assert days_up == sorted(days) and len(days_up) == len(days)
    assert "Giao việc" in page.text and "Đôn đốc" in page.text  # next runs


def test_the_unit_page_shows_a_message_readable_as_sent_with_its_message_id(office: Site) -> None:
    page = office.client.get("/van-phong/don-vi/xa-a")
    assert page.status_code == 200
    assert "UBND xã A" in page.text and "Liên hệ" in page.text
    with session_scope(office.engine) as session:
        row = session.scalars(select(NotificationRow).where(NotificationRow.unit_id == unit_id(office, "xa-a"))).first()
        assert row is not None
        copy = session.scalars(select(SentMessageRow).where(SentMessageRow.message_id == row.message_id)).one()
        row_id, message_id, text = row.id, row.message_id, copy.text
    assert escape(message_id) in page.text and "máy chủ thư đã nhận" in page.text
    shown = office.client.get(f"/van-phong/thu/{row_id}")
    assert shown.status_code == 200
    assert f'<code id="message-id">{escape(message_id)}</code>' in shown.text
    assert f'<pre id="body">{escape(text)}</pre>' in shown.text  # the text body, whole, as sent
    assert "<dt>Message-ID</dt><dd>" + escape(message_id) in shown.text
    html = office.client.get(f"/van-phong/thu/{row_id}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["content-security-policy"]


def test_an_unknown_unit_is_a_page_not_a_trace(office: Site) -> None:
    answer = office.client.get("/van-phong/don-vi/khong-co")
    assert answer.status_code == 404 and "Không tìm thấy đơn vị" in answer.text


def test_the_audit_csv_neutralises_formulas(office: Site) -> None:
    with session_scope(office.engine) as session:
        for reason in ['=HYPERLINK("http://x.example")', "+1", "-2", "@SUM(A1)", "\tx", "bình thường"]:
            audit.write(
                session, audit.AuditEvent("paused", "unit", "xa-a", {}, reason), actor="=cmd", at=at("2025-05-10")
            )
    answer = office.client.get("/van-phong/nhat-ky.csv", params={"unit": "xa-a", "actor": "=cmd"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    reasons = {row[5] for row in rows[1:]}
    assert reasons == {'\'=HYPERLINK("http://x.example")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "bình thường"}
    assert {row[1] for row in rows[1:]} == {"'=cmd"}
