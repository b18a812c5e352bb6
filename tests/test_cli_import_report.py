"""`dutyflow import` (a report that came by mail) and `dutyflow report open`, as the office runs them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from dutyflow.forms import FormTarget
from dutyflow.plan import load_plan
from dutyflow.report.build import build_report
from dutyflow.states import ObligationState
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from tests.conftest import MINI_PLAN
from tests.filling import filled_workbook, sensible
from tests.office_cli import Cli

XA_B = "vhxh@xa-b.thunghiem.example"


def six_month(cli: Cli, unit: str) -> ObligationRow:
    with session_scope(cli.runtime().engine) as session:
        row = session.scalars(
            select(ObligationRow)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(UnitRow.code == unit, DeliverableRow.code == "bao-cao-6-thang")
        ).one()
        session.expunge(row)
        return row


def workbook(cli: Cli, tmp_path: Path, unit: str, name: str, fill=sensible) -> Path:  # type: ignore[no-untyped-def]
    obligation = six_month(cli, unit)
    target = FormTarget(load_plan(MINI_PLAN), unit, "bao-cao-6-thang", obligation.period, obligation.period_label)
    path = tmp_path / name
    path.write_bytes(filled_workbook(target, fill))
    return path


def test_an_imported_report_is_recorded_and_the_unit_gets_its_receipt(cli: Cli, tmp_path: Path) -> None:
    file = workbook(cli, tmp_path, "xa-b", "bao-cao-xa-b.xlsx")
    result = cli.run("import", str(file), "--unit", "xa-b", "--deliverable", "bao-cao-6-thang")
    assert result.exit_code == 0, result.output
    assert "Đã nhập bao-cao-xa-b.xlsx cho xa-b – bao-cao-6-thang" in result.output and "đã chấp nhận" in result.output
    assert six_month(cli, "xa-b").state == ObligationState.ACCEPTED
    with session_scope(cli.runtime().engine) as session:
        [(channel, status, name)] = session.execute(
            select(SubmissionRow.channel, SubmissionRow.status, SubmissionRow.file_name)
        ).all()
    assert (channel, status, name) == ("import", "accepted", "bao-cao-xa-b.xlsx")
    [receipt] = cli.mail_to(XA_B)
    assert receipt.startswith("Đã nhận Báo cáo") and "UBND xã B" in receipt


def test_an_imported_report_with_a_wrong_cell_is_returned_naming_the_cell(cli: Cli, tmp_path: Path) -> None:
    def wrong(form_code, field):  # type: ignore[no-untyped-def]
        return "mười hai" if field.name == "G12" else sensible(form_code, field)

    file = workbook(cli, tmp_path, "xa-b", "sai.xlsx", wrong)
    result = cli.run("import", str(file), "--unit", "xa-b", "--deliverable", "bao-cao-6-thang")
    assert result.exit_code == 1
    assert "chưa được chấp nhận" in result.output and "ô G12" in result.output
    assert six_month(cli, "xa-b").state == ObligationState.RETURNED
    [returned] = cli.mail_to(XA_B)
    assert returned.startswith("Đề nghị bổ sung, sửa") and "ô G12" in returned


def test_import_refuses_what_it_cannot_place(cli: Cli, tmp_path: Path) -> None:
    file = workbook(cli, tmp_path, "xa-b", "bao-cao.xlsx")
    unknown = cli.run("import", str(file), "--unit", "khong-co", "--deliverable", "bao-cao-6-thang")
    assert unknown.exit_code == 1 and "khong-co" in unknown.output
    missing = cli.run("import", str(tmp_path / "khong-co.xlsx"), "--unit", "xa-b", "--deliverable", "bao-cao-6-thang")
    assert missing.exit_code == 2 and "khong-co.xlsx" in missing.output
    with session_scope(cli.runtime().engine) as session:
        assert session.scalars(select(SubmissionRow)).all() == []
    assert cli.sink.received == []


def test_report_open_prints_the_latest_reports_files(cli: Cli) -> None:
    nothing = cli.run("report", "open")
    assert nothing.exit_code == 1 and "Chưa có báo cáo" in nothing.output

    engine = cli.runtime().engine
    reports = Path(cli.env["DUTYFLOW_DATA_DIR"]) / "reports" / "mini-2025"
    draft = build_report(engine, None, dt.date(2025, 11, 10), reports / "2025-11-10-du-thao", final=False, pdf=False)
    final = build_report(engine, None, dt.date(2025, 11, 20), reports / "2025-11-20-chinh-thuc", final=True, pdf=False)
    assert draft.docx.parent != final.docx.parent

    result = cli.run("report", "open")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == sorted([str(final.docx), str(final.html)])


def test_the_same_import_run_twice_records_one_version_and_sends_one_receipt(cli: Cli, tmp_path: Path) -> None:
    file = workbook(cli, tmp_path, "xa-b", "bao-cao-xa-b.xlsx")
    command = ("import", str(file), "--unit", "xa-b", "--deliverable", "bao-cao-6-thang")
    assert cli.run(*command).exit_code == 0
    again = cli.run(*command)
    assert again.exit_code == 1 and "Tệp này đã được nhập cho UBND xã B" in again.output, again.output
    with session_scope(cli.runtime().engine) as session:
        assert len(session.scalars(select(SubmissionRow)).all()) == 1
    assert len(cli.mail_to(XA_B)) == 1
