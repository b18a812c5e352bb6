"""From the store to the report's input (SQLite and PostgreSQL): which versions count, which periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from dutyflow.indicators import sums_from_values
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan
from dutyflow.report.build import build_report
from dutyflow.report.collect import collect
from dutyflow.report.data import report_context
from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import DataValueRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

AS_OF = dt.date(2025, 11, 24)
Cell = tuple[str, str, str]


def obligation(session: Session, unit: str, deliverable: str) -> ObligationRow:
    return session.scalars(
        select(ObligationRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(UnitRow.code == unit, DeliverableRow.code == deliverable)
    ).one()


def submit(
    session: Session,
    unit: str,
    deliverable: str,
    version: int,
    status: str,
    received_at: dt.datetime,
    values: dict[Cell, int | str],
) -> None:
    target = obligation(session, unit, deliverable)
    row = SubmissionRow(
        obligation_id=target.id,
        version=version,
        channel=SubmissionChannel.PORTAL,
        received_at=received_at,
        status=status,
        reasons=[],
    )
    session.add(row)
    session.flush()
    session.add_all(
        DataValueRow(
            submission_id=row.id,
            form=form,
            row=code,
            column=column,
            number=Decimal(value) if isinstance(value, int) else None,
            text=value if isinstance(value, str) else None,
        )
        for (form, code, column), value in values.items()
    )


def pl1(**figures: int) -> dict[Cell, int | str]:
    return {("PL1", code, "value"): value for code, value in figures.items()}


NARRATIVE = 'Đã ban hành kế hoạch & triển khai "đầy đủ" <100%> các nội dung.'


@pytest.fixture
def store(engine: Engine) -> Engine:
    plan = load_plan(BUNDLED_PLAN)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, BUNDLED_PLAN, now=at("2025-04-20"), actor="test")
    with session_scope(engine) as session:
        # Tri Phương: a 6-month report, then two accepted annual versions: the second counts.
        submit(
            session,
            "xa-tri-phuong",
            "bao-cao-6-thang",
            1,
            SubmissionStatus.ACCEPTED,
            at("2025-05-16"),
            pl1(tre_duoi_5_tuoi=90, tre_duoi_5_tuoi_dang_ky_khai_sinh=80, so_cuoc_tao_hon=1),
        )
        submit(
            session,
            "xa-tri-phuong",
            "bao-cao-nam",
            1,
            SubmissionStatus.ACCEPTED,
            at("2025-11-10"),
            pl1(tre_duoi_5_tuoi=100, tre_duoi_5_tuoi_dang_ky_khai_sinh=95, so_cuoc_tao_hon=2),
        )
        submit(
            session,
            "xa-tri-phuong",
            "bao-cao-nam",
            2,
            SubmissionStatus.ACCEPTED,
            at("2025-11-12"),
            {
                **pl1(tre_duoi_5_tuoi=100, tre_duoi_5_tuoi_dang_ky_khai_sinh=99, so_cuoc_tao_hon=2),
                ("PL2", "V.7.1", "status"): "Đã hoàn thành",
                ("PL2", "V.7.1", "narrative"): NARRATIVE,
                ("PL3", "tre_hcdb", "nam_0_5"): 3,
                ("PL4", "quy_bao_tro", "thuc_hien"): 15000,
            },
        )
        # Quang Hán: version 1 accepted, version 2 returned: version 1 still counts.
        submit(
            session,
            "xa-quang-han",
            "bao-cao-nam",
            1,
            SubmissionStatus.ACCEPTED,
            at("2025-11-13"),
            {**pl1(tre_duoi_5_tuoi=50, tre_duoi_5_tuoi_dang_ky_khai_sinh=50), ("PL3", "tre_hcdb", "nam_0_5"): 4},
        )
        submit(
            session,
            "xa-quang-han",
            "bao-cao-nam",
            2,
            SubmissionStatus.RETURNED,
            at("2025-11-14"),
            pl1(tre_duoi_5_tuoi=50, tre_duoi_5_tuoi_dang_ky_khai_sinh=10),
        )
        # Xuân Nội: returned and never sent again. Quang Trung: awaiting the office.
        submit(session, "xa-xuan-noi", "bao-cao-nam", 1, SubmissionStatus.RETURNED, at("2025-11-12"), pl1(tre_duoi_5_tuoi=70))
        submit(session, "xa-quang-trung", "bao-cao-nam", 1, SubmissionStatus.SUBMITTED, at("2025-11-13"), pl1(tre_duoi_5_tuoi=60))
        # Quang Vinh: arrives after the report's date, so not yet there.
        submit(session, "xa-quang-vinh", "bao-cao-nam", 1, SubmissionStatus.ACCEPTED, at("2025-11-25"), pl1(tre_duoi_5_tuoi=40))
        # Cao Chương: after the last day, but within the extension the office granted it.
        obligation(session, "xa-cao-chuong", "bao-cao-nam").extended_until = dt.date(2025, 11, 17)
        submit(session, "xa-cao-chuong", "bao-cao-nam", 1, SubmissionStatus.ACCEPTED, at("2025-11-17", 16), pl1(so_xa_thi_tran=1))
        # Tư pháp: one day late.
        submit(
            session,
            "tu-phap",
            "bao-cao-nam",
            1,
            SubmissionStatus.ACCEPTED,
            at("2025-11-15", 9),
            pl1(tre_duoi_5_tuoi=10, tre_duoi_5_tuoi_dang_ky_khai_sinh=10),
        )
    return engine


def test_the_latest_accepted_version_of_the_annual_report_counts(store: Engine) -> None:
    with session_scope(store) as session:
        report_input = collect(session, None, AS_OF)
    assert report_input.consolidated == "bao-cao-tong-hop"
    counted = {
        # The annual report covers the 6-month one: its figures are not added a second time.
        "xa-tri-phuong": {
            "tre_duoi_5_tuoi": Decimal(100),
            "tre_duoi_5_tuoi_dang_ky_khai_sinh": Decimal(99),
            "so_cuoc_tao_hon": Decimal(2),
        },
        "xa-quang-han": {"tre_duoi_5_tuoi": Decimal(50), "tre_duoi_5_tuoi_dang_ky_khai_sinh": Decimal(50)},
        "tu-phap": {"tre_duoi_5_tuoi": Decimal(10), "tre_duoi_5_tuoi_dang_ky_khai_sinh": Decimal(10)},
        "xa-cao-chuong": {"so_xa_thi_tran": Decimal(1)},
    }
    plan = report_input.plan
    assert report_input.indicator_sums == sums_from_values(plan, counted, expected=report_input.value_units)
    assert report_input.reporting_units == {"xa-tri-phuong", "xa-quang-han", "tu-phap", "xa-cao-chuong"}
    assert len(report_input.value_units) == 30


def test_returned_awaiting_and_future_reports_are_not_counted(store: Engine) -> None:
    with session_scope(store) as session:
        report_input = collect(session, "trung-khanh-2025", AS_OF)
    rc = report_context(report_input, final=False)
    annual = rc.completeness.by_deliverable["bao-cao-nam"]
    assert (annual.expected, annual.received, annual.on_time, annual.late) == (30, 4, 3, 1)
    assert annual.returned_names == ("UBND xã Xuân Nội",)
    assert annual.awaiting_names == ("UBND xã Quang Trung",)
    assert "UBND xã Quang Vinh" in annual.not_sent_names
    assert annual.late_names == ("Phòng Tư pháp huyện Trùng Khánh",)
    half = rc.completeness.by_deliverable["bao-cao-6-thang"]
    assert (half.expected, half.received, half.on_time) == (30, 1, 1)
    assert len(report_input.obligations) == 60


def test_figures_narratives_and_tables_reach_the_report(store: Engine) -> None:
    with session_scope(store) as session:
        report_input = collect(session, None, AS_OF)
    ct20 = next(r for r in report_context(report_input, final=False).indicators if r.code == "CT20")
    assert (ct20.numerator, ct20.denominator, ct20.value) == (Decimal(159), Decimal(160), Decimal("99.38"))
    [report] = [r for r in report_input.duty_reports if r.unit == "xa-tri-phuong"]
    assert (report.duty, report.status, report.narrative) == ("V.7.1", "Đã hoàn thành", NARRATIVE)
    pl3 = report_input.tables["PL3"]
    assert pl3.cells == {("tre_hcdb", "nam_0_5"): Decimal(7)} and pl3.units == 2
    assert report_input.tables["PL4"].cells == {("quy_bao_tro", "thuc_hien"): Decimal(15000)}


def test_the_report_builds_from_the_store(store: Engine, tmp_path: Path) -> None:
    files = build_report(store, None, AS_OF, tmp_path, final=False, pdf=False)
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert "Báo cáo bị trả lại, chưa gửi lại: UBND xã Xuân Nội." in text
    assert NARRATIVE in text
    assert files.docx.name == "bao-cao-trung-khanh-2025-20251124-du-thao.docx"


def test_the_report_counts_only_what_was_accepted_before_it_was_built(store: Engine, tmp_path: Path) -> None:
    """Built at 08:00 on 24/11: reports accepted at 10:00 and 15:00 that day are not in it, nor
    one received at 07:00 but accepted at 09:00 (it was still awaiting the office)."""
    day = "2025-11-24"
    with session_scope(store) as session:
        submit(
            session,
            "xa-dinh-phong",
            "bao-cao-nam",
            1,
            SubmissionStatus.ACCEPTED,
            at(day, 10),
            {
                **pl1(tre_duoi_5_tuoi=500, tre_duoi_5_tuoi_dang_ky_khai_sinh=1),
                ("PL3", "tre_hcdb", "nam_0_5"): 50,
            },
        )
        submit(session, "xa-chi-vien", "bao-cao-nam", 1, SubmissionStatus.ACCEPTED, at(day, 15), pl1(tre_duoi_5_tuoi=300))
        submit(session, "xa-ngoc-khe", "bao-cao-nam", 1, SubmissionStatus.ACCEPTED, at(day, 7), pl1(tre_duoi_5_tuoi=200))
        session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.obligation_id == obligation(session, "xa-ngoc-khe", "bao-cao-nam").id)
            .values(decided_at=at(day, 9))
        )
    with session_scope(store) as session:
        before = collect(session, None, AS_OF, cutoff=at(day, 8))
        after = collect(session, None, AS_OF)
    assert before.cutoff == at(day, 8)
    assert not {"xa-dinh-phong", "xa-chi-vien", "xa-ngoc-khe"} & before.reporting_units
    assert {"xa-dinh-phong", "xa-chi-vien", "xa-ngoc-khe"} <= after.reporting_units
    # The figures (SQL) and the completeness (Python) cut at the same instant.
    assert before.indicator_sums["CT20"].numerator == Decimal(159)
    assert after.indicator_sums["CT20"].numerator == Decimal(160)
    assert before.tables["PL3"].cells[("tre_hcdb", "nam_0_5")] == Decimal(7)
    assert after.tables["PL3"].cells[("tre_hcdb", "nam_0_5")] == Decimal(57)
    annual = report_context(before, final=True).completeness.by_deliverable["bao-cao-nam"]
    assert "UBND xã Ngọc Khê" in annual.awaiting_names
    assert "UBND xã Đình Phong" in annual.not_sent_names
    files = build_report(store, None, AS_OF, tmp_path, final=True, pdf=False, cutoff=at(day, 8))
    text = "\n".join(p.text for p in Document(str(files.docx)).paragraphs)
    assert "(số liệu đến 8 giờ ngày 24/11/2025)" in text
