"""The office's consolidated obligation is delivered once, when its report is issued (SQLite and
PostgreSQL): making the final report records no submission and the chase keeps following the
office (its ladder before the report is made, the approval reminder once it is, the overdue steps
after the last day) until the report is issued; issuing records exactly one submission, and a
later run of the consolidation returns the same report and records nothing. In a store where the
earlier path recorded the final report as the office's submission, issuing adds none.

The mini plan's consolidated report is due "before 25/11/2025": its last day is Monday 24/11; the
ladder's steps fall on 17/11 (5 working days before), 20/11 (2 before, the day the final report is
made), 24/11, 25/11 (overdue), 27/11 and 1/12."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.text import Text
from sqlalchemy import Engine, func, select

from dutyflow import approval
from dutyflow.cli.status import status_rows
from dutyflow.consolidate import consolidate
from dutyflow.intake import record_issued
from dutyflow.mail import MemoryTransport
from dutyflow.notify import Notifier
from dutyflow.obligations import Standing
from dutyflow.plan import load_plan
from dutyflow.states import ObligationState, ReportState, SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import ObligationRow, ReportRow, ReportVersionRow, SubmissionRow
from dutyflow.store.queries import StatusLine, loaded_plan, office_obligation, status_lines
from dutyflow.store.sync import load_plan_into_store
from tests.approval_support import FINAL_DAY, ICT, add_leader, make_keys, plan_with_addressee
from tests.conftest import MINI_PLAN, at, build_notifier
from tests.test_report_pdf import require

OFFICE = "vp"


@pytest.fixture
def office(engine: Engine, tmp_path: Path) -> tuple[approval.Workspace, Notifier, MemoryTransport]:
    """The mini plan (with an addressee) loaded and assigned on 21/4/2025: the office owes its report."""
    require("soffice")  # signing needs the report's PDF
    plan_path = plan_with_addressee(MINI_PLAN, tmp_path / "plan.yaml")
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(plan_path), plan_path, now=at("2025-04-20"), actor="test")
    transport = MemoryTransport()
    notifier = build_notifier(engine, transport)
    notifier.assign(
        [u.code for u in notifier.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21")
    )
    transport.sent.clear()
    return approval.Workspace(engine, FileStore(tmp_path / "uploads"), tmp_path / "reports"), notifier, transport


def chase_office(notifier: Notifier, transport: MemoryTransport, day: str) -> list[str]:
    """The chase of `day` for the office (its ladder, then the approval reminder): the subjects sent."""
    before = len(transport.sent)
    today = dt.date.fromisoformat(day)
    notifier.chase([OFFICE], today, at(day))
    notifier.approval_reminder(today, at(day))
    return [m.subject for m in transport.sent[before:]]


def make_final(ws: approval.Workspace, day: str = FINAL_DAY) -> None:
    """The consolidation of `day` at 17:00, as its schedule runs it: the final report."""
    result = consolidate(ws.engine, ws.files, ws.out_root, dt.date.fromisoformat(day), at(day, 17), final=True)
    assert result.final and result.obligation_id is not None


def office_row(engine: Engine) -> tuple[ObligationState, list[SubmissionChannel]]:
    with session_scope(engine) as session:
        plan = loaded_plan(session)
        obligation = office_obligation(session, plan.id, plan.plan)
        assert obligation is not None
        channels = session.scalars(
            select(SubmissionRow.channel).where(SubmissionRow.obligation_id == obligation.id).order_by(SubmissionRow.id)
        ).all()
        return ObligationState(obligation.state), [SubmissionChannel(c) for c in channels]


def office_line(engine: Engine, day: str) -> StatusLine:
    with session_scope(engine) as session:
        plan = loaded_plan(session)
        (line,) = status_lines(session, plan.id, dt.date.fromisoformat(day), unit=OFFICE)
        return line


def office_standing(engine: Engine, day: str) -> Standing:
    return office_line(engine, day).standing


def approve_sign_issue(ws: approval.Workspace, notifier: Notifier, keys_folder: Path, day: str) -> approval.Issued:
    leader = add_leader(ws.engine)
    approval.approve(ws, leader, now=at(day, 9))
    approval.sign(ws, make_keys(keys_folder).signing(keys_folder), actor="vanthu", now=at(day, 10))

    def send(obligation_id: int, pdf: Path, details: approval.IssueDetails) -> tuple[int, list[str]]:
        outcome = notifier.send_issued(obligation_id, pdf, details, dt.date.fromisoformat(day), at(day, 11))
        return len(outcome.sent), outcome.failures

    return approval.issue(ws, send, actor="vanthu", now=at(day, 11))


def counts(engine: Engine) -> tuple[int, int, int]:
    """Submissions, reports made and report versions in the store."""
    with session_scope(engine) as session:
        return (
            session.scalar(select(func.count(SubmissionRow.id))) or 0,
            session.scalar(select(func.count(ReportRow.id))) or 0,
            session.scalar(select(func.count(ReportVersionRow.id))) or 0,
        )


def test_the_office_delivers_once_when_the_report_is_issued_and_is_chased_until_then(
    office: tuple[approval.Workspace, Notifier, MemoryTransport], tmp_path: Path
) -> None:
    ws, notifier, transport = office
    engine = ws.engine
    # before the final report is made, the office's obligation has its ladder like any other
    (first,) = chase_office(notifier, transport, "2025-11-17")
    (second,) = chase_office(notifier, transport, "2025-11-20")  # 08:00, 2 working days before
    assert first == second and "Báo cáo tổng hợp của huyện" in first
    # 17:00: the final report is made, on its way to approval; no submission is recorded
    make_final(ws)
    assert office_row(engine) == (ObligationState.ANNOUNCED, [])
    assert approval.report_status(ws).state is ReportState.DRAFT
    line = office_line(engine, "2025-11-21")
    assert (line.standing, line.report_state) == (Standing.DUE_SOON, ReportState.DRAFT)
    note = status_rows([line], ICT)[0][-1]  # `dutyflow status` says where the report is
    assert isinstance(note, Text) and note.plain == "Báo cáo tổng hợp: Dự thảo; được tính là đã nộp khi phát hành."
    # the next morning the office is reminded to have it approved; the ladder says nothing more
    # up to the last day: the reminder stands for it
    (reminder,) = chase_office(notifier, transport, "2025-11-21")
    assert "chưa được lãnh đạo duyệt" in reminder
    assert chase_office(notifier, transport, "2025-11-24") == []
    # after the last day, the overdue steps of the office's obligation, while the report is not issued
    (overdue,) = chase_office(notifier, transport, "2025-11-25")
    assert "Báo cáo tổng hợp của huyện" in overdue and "chưa được lãnh đạo duyệt" not in overdue
    assert chase_office(notifier, transport, "2025-11-25") == []  # a rerun of the day
    assert office_standing(engine, "2025-11-25") is Standing.OVERDUE
    assert office_row(engine) == (ObligationState.ANNOUNCED, [])

    # issued on 26/11: exactly one submission, the signed PDF, late by two days; nothing chased after
    issued = approve_sign_issue(ws, notifier, tmp_path / "keys", "2025-11-26")
    assert issued.sent == 1 and issued.status.state is ReportState.ISSUED
    assert office_row(engine) == (ObligationState.ACCEPTED, [SubmissionChannel.GENERATED])
    with session_scope(engine) as session:
        (delivery,) = session.scalars(select(SubmissionRow)).all()
        assert delivery.file_name == issued.status.file.name and delivery.received_at == at("2025-11-26", 11)
    line = office_line(engine, "2025-11-27")
    assert (line.standing, line.report_state) == (Standing.ACCEPTED, None)
    assert chase_office(notifier, transport, "2025-11-27") == []
    assert chase_office(notifier, transport, "2025-12-01") == []

    # the schedule's later runs return the report made on 20/11 and record nothing
    before = counts(engine)
    (made,) = (ws.out_root / "mini-2025").glob("*-chinh-thuc")
    again = consolidate(engine, ws.files, ws.out_root, dt.date(2025, 11, 28), at("2025-11-28", 17), final=True)
    assert again.files.docx.parent == made and "20/11/2025" in " ".join(again.files.notes)
    assert counts(engine) == before
    assert office_row(engine) == (ObligationState.ACCEPTED, [SubmissionChannel.GENERATED])


def test_a_final_report_recorded_by_the_earlier_path_stays_the_one_delivery(
    office: tuple[approval.Workspace, Notifier, MemoryTransport], tmp_path: Path
) -> None:
    ws, notifier, _ = office
    make_final(ws)
    with session_scope(ws.engine) as session:  # what the earlier path recorded when it made the report
        plan = loaded_plan(session)
        obligation = office_obligation(session, plan.id, plan.plan)
        assert obligation is not None
        (made,) = (ws.out_root / "mini-2025").glob("*-chinh-thuc/*.pdf")
        assert record_issued(session, ws.files, obligation, made, now=at(FINAL_DAY, 17)) is not None
    assert office_row(ws.engine) == (ObligationState.ACCEPTED, [SubmissionChannel.GENERATED])

    issued = approve_sign_issue(ws, notifier, tmp_path / "keys", "2025-11-21")
    assert issued.sent == 1 and issued.status.state is ReportState.ISSUED
    assert office_row(ws.engine) == (ObligationState.ACCEPTED, [SubmissionChannel.GENERATED])  # kept, not doubled
    with session_scope(ws.engine) as session:
        (kept,) = session.scalars(select(SubmissionRow)).all()
        assert (kept.file_name, kept.received_at) == (made.name, at(FINAL_DAY, 17))
        assert session.scalar(select(ObligationRow.state).where(ObligationRow.id == kept.obligation_id)) == "accepted"


def test_the_ladder_of_a_report_on_its_way_keeps_only_its_steps_after_the_last_day() -> None:
    from dutyflow.calendar import WorkingCalendar
    from dutyflow.chase import ChaseView, due_step
    from dutyflow.plan import ChaseConfig

    ladder, calendar = ChaseConfig(), WorkingCalendar()
    made = ChaseView(1, OFFICE, ObligationState.ANNOUNCED, dt.date(2025, 11, 24), report_on_its_way=True)
    not_made = ChaseView(1, OFFICE, ObligationState.ANNOUNCED, dt.date(2025, 11, 24))
    sent = {
        day: (
            getattr(due_step(not_made, ladder, calendar, dt.date(2025, *day)), "code", None),
            getattr(due_step(made, ladder, calendar, dt.date(2025, *day)), "code", None),
        )
        for day in [(11, 17), (11, 20), (11, 24), (11, 25), (11, 27), (12, 1)]
    }
    assert sent == {
        (11, 17): ("remind-5", None),
        (11, 20): ("remind-2", None),
        (11, 24): ("due-today", None),
        (11, 25): ("overdue-1", "overdue-1"),
        (11, 27): ("overdue-3", "overdue-3"),
        (12, 1): ("escalate-5", "escalate-5"),
    }


def test_a_final_report_recorded_before_the_report_s_way_existed_is_put_on_it_and_returned(
    engine: Engine, tmp_path: Path
) -> None:
    """A store of the earlier path from before report versions: the final report recorded only as
    the office's submission. It is the report made, entered as version 1 when its way is asked for."""
    from dutyflow.report.build import build_report

    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    ws = approval.Workspace(engine, FileStore(tmp_path / "uploads"), tmp_path / "reports")
    made = at(FINAL_DAY, 17)
    files = build_report(
        engine,
        None,
        dt.date(2025, 11, 20),
        ws.out_root / "mini-2025" / "2025-11-20-chinh-thuc",
        final=True,
        pdf=False,
        cutoff=made,
    )
    with session_scope(engine) as session:
        plan = loaded_plan(session)
        obligation = office_obligation(session, plan.id, plan.plan)
        assert obligation is not None
        assert record_issued(session, ws.files, obligation, files.docx, now=made) is not None
    before = counts(engine)
    again = consolidate(engine, ws.files, ws.out_root, dt.date(2025, 11, 24), at("2025-11-24", 17), final=True)
    assert again.files.docx == files.docx and counts(engine) == before  # returned, nothing recorded
    status = approval.report_status(ws)
    assert (status.state, status.version, status.file.name) == (ReportState.DRAFT, 1, files.docx.name)
    with session_scope(engine) as session:
        (version,) = session.scalars(select(ReportVersionRow)).all()
        assert (version.as_of, version.cutoff, version.made_by) == (dt.date(2025, 11, 20), made, "dutyflow")
    assert office_row(engine) == (ObligationState.ACCEPTED, [SubmissionChannel.GENERATED])  # kept as it was


def test_the_office_s_pages_say_where_its_report_is_until_it_is_delivered(
    office: tuple[approval.Workspace, Notifier, MemoryTransport],
) -> None:
    from dutyflow.messages import t
    from dutyflow.portal.app import create_app
    from dutyflow.states import AccountRole
    from tests.accounts_support import add_accounts, credentials

    ws, notifier, _ = office
    make_final(ws)
    add_accounts(ws.engine, AccountRole.OFFICE)
    note = "Báo cáo tổng hợp: Dự thảo; được tính là đã nộp khi phát hành."
    today = at("2025-11-21", 9)
    app = create_app(ws.engine, ws.files, notifier=notifier, clock=lambda: today)
    with TestClient(app) as client:
        assert client.post("/van-phong/dang-nhap", data=credentials()).status_code == 200
        page = client.get("/van-phong").text  # the status page, before the last day
        (row,) = [r for r in page.split('id="status"')[1].split("<tr>") if "Báo cáo tổng hợp của huyện" in r]
        assert f'class="due_soon">{t("standing.due_soon")}<br>' in row and note in row
        today = at("2025-11-25", 9)  # overdue, not issued: on the console's late list, with its state
        assert client.post("/van-phong/dang-nhap", data=credentials()).status_code == 200  # a new day's session
        late = client.get("/van-phong/tong-quan").text.split('class="late-line"')
        (line,) = [r for r in late[1:] if "Báo cáo tổng hợp của huyện" in r]
        assert note in line
