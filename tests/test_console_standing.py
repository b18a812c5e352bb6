"""The status page (`/van-phong`) at a province's scale: counted, filtered, sorted and paged in SQL
(`store.standing_query`), the details read for the page's rows only, everything as CSV; on both
stores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dutyflow import admin
from dutyflow.obligations import Standing
from dutyflow.store.db import session_scope
from dutyflow.store.queries import StatusLine, status_lines
from dutyflow.store.standing_query import LATE_FIRST, OTHERS_LAST, SORTS, Chosen, count, ids_in_order, tallies
from tests.conftest import at
from tests.filling import filled_workbook
from tests.test_console_pages import sign_in
from tests.test_portal import Site, open_site, upload


@pytest.fixture
def office(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        sign_in(site)
        yield site


def _plan_id(site: Site) -> int:
    return int(site.client.app.state.portal.plan_id)  # type: ignore[attr-defined]


def test_the_standings_in_sql_are_the_status_lines_on_every_day(office: Site) -> None:
    """The SQL standing (filters, counts) against `status_lines`'s rule, with a report handed in, an
    extension and a paused unit, before, on and after last days; and the SQL order against the
    console's keys, both ways up."""
    plan_id = _plan_id(office)
    six = office.obligation("xa-a", "bao-cao-6-thang")
    workbook = filled_workbook(office.target("xa-a", "bao-cao-6-thang"))
    assert upload(office, office.token("xa-a"), six.id, workbook).status_code == 200
    with session_scope(office.engine) as session:
        admin.extend(
            session, plan_id, "xa-b", "bao-cao-6-thang", dt.date(2025, 6, 2), "lũ", now=at("2025-05-12"), actor="t"
        )
        admin.pause(session, plan_id, "tu-phap", "cán bộ nghỉ", now=at("2025-05-12"), actor="t")
    day, kinds = dt.date(2025, 5, 1), set()
    while day <= dt.date(2026, 1, 10):
        with session_scope(office.engine) as session:
            lines = status_lines(session, plan_id, day)
            for kind in Standing:
                chosen = Chosen(standing=kind)
                expected = [line.obligation_id for line in lines if line.standing is kind]
                assert sorted(ids_in_order(session, plan_id, day, chosen, "deadline")) == sorted(expected)
                assert count(session, plan_id, day, chosen) == len(expected), (day, kind)
            counted = {(t.deliverable, k): n for t in tallies(session, plan_id, day) for k, n in t.counts.items()}
            for sort in SORTS:
                for descending in (False, True):
                    got = ids_in_order(session, plan_id, day, Chosen(), sort, descending=descending)
                    assert got == [line.obligation_id for line in _sorted(lines, sort, descending)], (day, sort)
        assert counted == _counted(lines), day
        kinds |= {line.standing for line in lines}
        day += dt.timedelta(days=5)
    assert {Standing.OVERDUE, Standing.ACCEPTED, Standing.PAUSED, Standing.DUE_SOON} <= kinds  # not only one kind


def _sorted(lines: list[StatusLine], sort: str, descending: bool) -> list[StatusLine]:
    """The console's order, in Python: `status_lines` comes in the plan's order, and a stable sort
    keeps it among ties, either way up."""
    keys = {
        "late": lambda w: (LATE_FIRST.get(w.standing, OTHERS_LAST), w.extended_until or w.last_day, w.unit_name),
        "unit": lambda w: (w.unit_name.casefold(), w.extended_until or w.last_day),
        "deliverable": lambda w: (w.deliverable_name, w.extended_until or w.last_day, w.unit_name),
        "deadline": lambda w: (w.extended_until or w.last_day, w.unit_name),
    }
    return sorted(lines, key=keys[sort], reverse=descending)


def _counted(lines: list[StatusLine]) -> dict[tuple[str, Standing], int]:
    out: dict[tuple[str, Standing], int] = {}
    for line in lines:
        out[(line.deliverable, line.standing)] = out.get((line.deliverable, line.standing), 0) + 1
    return out


def _rows(html: str) -> list[str]:
    table = html.split('id="status"')[1].split("</table>")[0]
    return [re.sub(r"<[^>]+>", " ", row) for row in table.split("<tr>")[2:]]


def test_the_status_page_filters_sorts_pages_and_exports_every_line(office: Site) -> None:
    office.clock.now = at("2025-08-20", 10)
    sign_in(office)
    plan_id = _plan_id(office)
    with session_scope(office.engine) as session:
        lines = status_lines(session, plan_id, dt.date(2025, 8, 20))
    overdue = [line for line in lines if line.standing is Standing.OVERDUE]
    assert overdue and len(overdue) < len(lines)
    page = office.client.get("/van-phong")
    assert page.status_code == 200 and "Tỷ lệ đã nhận" in page.text
    assert len(_rows(page.text)) == min(50, len(lines))
    assert "quá hạn" in _rows(page.text)[0]  # late first
    late = office.client.get("/van-phong?standing=overdue")
    assert len(_rows(late.text)) == len(overdue) and all("quá hạn" in row for row in _rows(late.text))
    assert f"{len(overdue)} nghĩa vụ" in late.text
    one = office.client.get("/van-phong?q=xa-a&deliverable=bao-cao-6-thang")
    assert len(_rows(one.text)) == 1 and "UBND xã A" in _rows(one.text)[0]
    none = office.client.get("/van-phong?q=khong-co-dau")
    assert "Không có nghĩa vụ nào theo bộ lọc này." in none.text
    typed = office.client.get("/van-phong?sort=nonsense&page=999&standing=")  # typed by hand: defaults, the last page
    assert typed.status_code == 200 and _rows(typed.text)
    by_unit = office.client.get("/van-phong?sort=unit")
    names = [row.split("  ")[0].strip() for row in _rows(by_unit.text)]
    assert names == sorted(names, key=str.casefold)
    exported = office.client.get("/van-phong/tinh-hinh.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert table[0][:2] == ["Đơn vị", "Mã đơn vị"]
    assert sorted(row[1] for row in table[1:]) == sorted(line.unit for line in lines)  # every line, not a page
    assert table[1][5] == "quá hạn"
    only_late = list(csv.reader(io.StringIO(office.client.get("/van-phong/tinh-hinh.csv?standing=overdue").text)))
    assert len(only_late) == 1 + len(overdue)
    office.client.cookies.clear()
    assert office.client.get("/van-phong/tinh-hinh.csv", follow_redirects=False).status_code == 303  # signed in only
