"""The submissions page (`/van-phong/bao-cao`): newest first, filtered by status, paged, and read in
a fixed number of queries however many rows it shows; on both stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from dutyflow.states import SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.submission_list import submission_count, submission_lines
from tests.conftest import at
from tests.filling import filled_workbook
from tests.test_console_pages import sign_in
from tests.test_portal import Site, csrf_of, open_site, upload


@pytest.fixture
def office(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        sign_in(site)
        yield site


def _hand_in(site: Site, unit: str, hour: int) -> None:
    site.clock.now = at("2025-05-12", hour)
    obligation = site.obligation(unit, "bao-cao-6-thang")
    workbook = filled_workbook(site.target(unit, "bao-cao-6-thang"))
    assert upload(site, site.token(unit), obligation.id, workbook).status_code == 200


def _rows(html: str) -> list[str]:
    table = html.split('id="submissions"')[1].split("</table>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in table.split("<tr")[2:]]


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    return seen


def test_the_submissions_page_lists_newest_first_filters_and_pages(office: Site) -> None:
    _hand_in(office, "xa-a", 8)
    _hand_in(office, "xa-b", 9)
    _hand_in(office, "xa-a", 10)  # its second version
    plan_id = int(office.client.app.state.portal.plan_id)  # type: ignore[attr-defined]
    with session_scope(office.engine) as session:
        newest = submission_lines(session, plan_id, None, offset=0, limit=50)
        assert [(line.unit, line.version) for line in newest] == [("UBND xã A", 2), ("UBND xã B", 1), ("UBND xã A", 1)]
        assert submission_lines(session, plan_id, None, offset=1, limit=1) == newest[1:2]
        assert submission_count(session, plan_id, None) == 3
        assert newest[0].file and newest[0].received_at == at("2025-05-12", 10)
    first = newest[0]
    returned = office.client.post(
        f"/van-phong/bao-cao/{first.id}/tra-lai",
        data={"csrf": csrf_of(office), "reason": "Thiếu chữ ký"},
        follow_redirects=False,
    )
    assert returned.status_code == 303
    page = office.client.get("/van-phong/bao-cao")
    assert page.status_code == 200 and "3 lần nộp, mới nhất trước." in page.text
    rows = _rows(page.text)
    assert len(rows) == 3 and "UBND xã A" in rows[0] and "chưa được chấp nhận" in rows[0] and "Tải tệp" in rows[0]
    back = _rows(office.client.get("/van-phong/bao-cao?status=returned").text)
    assert len(back) == 1 and "UBND xã A" in back[0]
    shown = 0
    for status in SubmissionStatus:
        listed = office.client.get(f"/van-phong/bao-cao?status={status.value}").text
        with session_scope(office.engine) as session:
            expected = submission_count(session, plan_id, status)
        shown += len(_rows(listed)) if expected else 0
        assert len(_rows(listed)) == expected or (not expected and "Không có lần nộp nào theo bộ lọc này." in listed)
    assert shown == 3
    assert "UBND xã B" in _rows(office.client.get("/van-phong/bao-cao?status=accepted").text)[0]
    typed = office.client.get("/van-phong/bao-cao?status=nonsense&page=999")  # typed by hand: all, the last page
    assert typed.status_code == 200 and len(_rows(typed.text)) == 3


def test_the_submissions_page_reads_in_the_same_queries_for_one_row_or_many(office: Site) -> None:
    _hand_in(office, "xa-a", 8)
    statements = _statements(office.engine)
    assert office.client.get("/van-phong/bao-cao").status_code == 200
    one = len(statements)
    for hour, unit in ((9, "xa-b"), (10, "tu-phap"), (11, "xa-a"), (12, "xa-b")):
        _hand_in(office, unit, hour)
    statements.clear()
    assert office.client.get("/van-phong/bao-cao").status_code == 200
    assert len(_rows(office.client.get("/van-phong/bao-cao").text)) == 5
    assert len(statements) // 2 == one  # two requests: no query per row
