"""The consolidated report says what merged into what during its period, and counts the units
that existed: the closed communes' reports due after the merger are owed once by their
successor, and a report the old commune handed in before still counts as its own."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

from docx import Document
from sqlalchemy import Engine

from dutyflow.audit import SYSTEM_ACTOR
from dutyflow.lifetimes import succession_sentences
from dutyflow.plan import load_plan
from dutyflow.report.build import build_from_input
from dutyflow.report.collect import collect
from dutyflow.store.db import session_scope
from dutyflow.store.queries import loaded_plan
from dutyflow.store.sync import load_plan_into_store, sync_obligations
from tests.conftest import FIXTURES, at
from tests.test_lifetimes_merger import accept_report

MERGER_PLAN = FIXTURES / "merger-plan.yaml"
MERGED = (
    "Từ ngày 01/07/2025, UBND xã A, UBND xã B, UBND xã C hợp nhất thành UBND xã Hợp Nhất; "
    "UBND xã Hợp Nhất báo cáo cả phần của các đơn vị này."
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_sentence_names_the_units_that_closed_by_the_day_and_their_successor() -> None:
    plan = load_plan(MERGER_PLAN)
    assert succession_sentences(plan, dt.date(2025, 6, 30)) == []
    assert succession_sentences(plan, dt.date(2025, 7, 1)) == [MERGED]


def test_units_joining_one_that_exists_and_a_unit_closing_alone_are_told_apart() -> None:
    plan = load_plan(MERGER_PLAN)
    units = []
    for unit in plan.units:
        if unit.code == "xa-hop-nhat":
            unit = unit.model_copy(update={"opens": None})  # it existed all year: the others join it
        if unit.code == "xa-c":
            unit = unit.model_copy(update={"closes": dt.date(2025, 9, 1), "successor": None})
        units.append(unit)
    plan = plan.model_copy(update={"units": units})
    assert succession_sentences(plan, dt.date(2025, 12, 31)) == [
        "Từ ngày 01/07/2025, UBND xã A, UBND xã B sáp nhập vào UBND xã Hợp Nhất; UBND xã Hợp Nhất báo cáo "
        "cả phần của các đơn vị này.",
        "Từ ngày 01/09/2025, UBND xã C kết thúc hoạt động, không có đơn vị tiếp nhận nhiệm vụ.",
    ]


def test_the_report_after_the_merger_says_it_and_counts_the_units_that_existed(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MERGER_PLAN), MERGER_PLAN, now=at("2025-04-20"), actor="office")
    accept_report(engine, "xa-b", "bao-cao-6-thang", "2025", "2025-05-15")  # before the merger: its own
    with session_scope(engine) as session:  # 1/7: what xa-a and xa-c still owe passes to the new commune
        plan_id = loaded_plan(session, "merger-2025").id
        sync_obligations(session, plan_id, load_plan(MERGER_PLAN), now=at("2025-07-01"), actor=SYSTEM_ACTOR)
    accept_report(engine, "xa-hop-nhat", "bao-cao-nam", "2025", "2025-11-10")

    with session_scope(engine) as session:
        report_input = collect(session, "merger-2025", dt.date(2025, 11, 24))
    # The annual report is owed by the units that exist when it falls due: the department and the
    # new commune, once; not by the three communes closed on 1/7.
    assert report_input.value_units == {"tu-phap", "xa-hop-nhat"}
    assert report_input.reporting_units == {"xa-hop-nhat"}
    six_months = {f.unit for f in report_input.obligations if f.deliverable == "bao-cao-6-thang"}
    assert six_months == {"tu-phap", "xa-b", "xa-hop-nhat"}  # xa-a's and xa-c's passed to the new commune

    files = build_from_input(report_input, tmp_path, final=False, pdf=False)
    html = flat(unescape(re.sub(r"<[^>]+>", " ", files.html.read_text(encoding="utf-8"))))
    section_ii = html[html.index("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ") :]
    assert section_ii.index(MERGED) < section_ii.index("Đã nhận báo cáo của 1/2 đơn vị (trong đó 1/1")
    assert "chưa nhận báo cáo của: Phòng Tư pháp." in section_ii
    docx = flat(" ".join(p.text for p in Document(str(files.docx)).paragraphs))
    assert MERGED in docx
    assert "Đã nhận báo cáo của 1/2 đơn vị (trong đó 1/1" in docx


def test_a_report_before_the_merger_says_nothing_of_it(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MERGER_PLAN), MERGER_PLAN, now=at("2025-04-20"), actor="office")
    with session_scope(engine) as session:
        report_input = collect(session, "merger-2025", dt.date(2025, 6, 20))
    files = build_from_input(report_input, tmp_path, final=False, pdf=False)
    html = flat(unescape(re.sub(r"<[^>]+>", " ", files.html.read_text(encoding="utf-8"))))
    assert "hợp nhất" not in html and "Đã nhận báo cáo của" in html
