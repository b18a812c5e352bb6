"""The Prefect flows, under one test server for the session, against a real SMTP sink."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dutyflow.flow_results import MailRun
from dutyflow.mail import MailSink, SmtpTransport
from dutyflow.plan import load_plan
from dutyflow.resources import Resources
from dutyflow.states import ObligationState, ReportState
from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.models import NotificationRow, ObligationRow, ReportRow, ReportStepRow, SubmissionRow
from dutyflow.store.sync import load_plan_into_store
from flows._common import override, resources
from tests.conftest import MINI_PLAN, at


@pytest.fixture
def district(prefect_server: None, tmp_path: Path) -> Iterator[MailSink]:
    """The mini plan in a SQLite store, the flows' resources pointing at it and at a local sink."""
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    with MailSink(tmp_path / "mail") as sink:
        transport = SmtpTransport(sink.host, sink.port)
        with override(Resources.for_test(engine, tmp_path / "data", transport=transport)):
            yield sink
    engine.dispose()


def test_the_chase_reminds_the_office_of_an_unapproved_report_once(district: MailSink) -> None:
    from flows.chase import chase
    from flows.consolidate import consolidate_flow

    consolidate_flow(as_of=dt.date(2025, 11, 20), final=True)  # the final report, a draft to approve
    chase(as_of=dt.date(2025, 11, 20))  # two working days before the consolidated report's last day
    chase(as_of=dt.date(2025, 11, 21))
    reminders = [m for m in district.messages if "chưa được lãnh đạo duyệt" in str(m["Subject"])]
    assert [str(m["To"]) for m in reminders] == ["Cán bộ Văn phòng <vanthu@vp.thunghiem.example>"]


def test_assign_then_chase_through_prefect_reach_the_mailbox_once(district: MailSink) -> None:
    from flows.assign import assign
    from flows.chase import chase

    assert assign(as_of=dt.date(2025, 4, 21)) == MailRun(units=4, sent=4)
    assert len(district.messages) == 4
    subjects = {str(m["Subject"]) for m in district.messages}
    assert subjects == {"Thông báo nhiệm vụ và thời hạn báo cáo – Kế hoạch thử nghiệm năm 2025"}
    result = chase(as_of=dt.date(2025, 5, 12))
    assert result.sent >= 3  # the 6-month report's first reminder, to each of its 3 units
    again = chase(as_of=dt.date(2025, 5, 12))
    assert again.sent == 0
    with session_scope(resources().engine) as session:
        states = set(session.scalars(select(ObligationRow.state)))
        statuses = set(session.scalars(select(NotificationRow.status)))
    assert states == {"announced"} and statuses == {"sent"}


def test_the_flow_run_publishes_its_tables(district: MailSink) -> None:
    from prefect.client.orchestration import get_client

    from flows.assign import assign

    assign(as_of=dt.date(2025, 4, 21))
    with get_client(sync_client=True) as client:
        keys = {a.key for a in client.read_artifacts()}
    assert {"assign-sent", "assign-summary", "assign-status"} <= keys


def test_serve_builds_deployments_from_the_stored_schedules(district: MailSink) -> None:
    from flows.serve import build_deployments

    deployments = {d.name: d for d in build_deployments(resources())}
    assert set(deployments) == {"dutyflow-assign", "dutyflow-chase", "dutyflow-consolidate", "dutyflow-intake-mail"}
    [schedule] = deployments["dutyflow-chase"].schedules
    assert schedule.schedule.cron == "0 8 * * 1-5"
    assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh"


def test_a_schedule_change_updates_the_deployment_on_the_server(district: MailSink) -> None:
    from prefect.client.orchestration import get_client

    from flows._prefect_api import DEPLOYMENT_NAMES, push_schedule
    from flows.serve import build_deployments

    for deployment in build_deployments(resources()):
        deployment.apply()
    assert push_schedule("chase", "30 7 * * 1-6", "Asia/Ho_Chi_Minh") is True
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT_NAMES["chase"])
        crons = [
            (s.schedule.cron, s.schedule.timezone, s.active) for s in client.read_deployment_schedules(deployment.id)
        ]
    assert crons == [("30 7 * * 1-6", "Asia/Ho_Chi_Minh", True)]


def test_consolidate_makes_a_draft_then_the_final_report_emailed_once(district: MailSink) -> None:
    from flows.consolidate import consolidate_flow

    draft = consolidate_flow(as_of=dt.date(2025, 11, 10))
    assert draft.final is False and draft.sent == 0
    assert any(str(p).endswith("-du-thao.docx") for p in draft.files)
    assert any(str(p).endswith("-du-thao.pdf") for p in draft.files)  # a draft converts to PDF too
    final = consolidate_flow(as_of=dt.date(2025, 11, 20))  # two working days before the last day, 24/11
    assert final.final is True and final.sent == 1
    assert {Path(str(p)).suffix for p in final.files} >= {".docx", ".html"}
    # The mini plan's title is "Kế hoạch thử nghiệm năm 2025": its topic is "thử nghiệm".
    [message] = [m for m in district.messages if "Báo cáo kết quả thực hiện thử nghiệm năm 2025" in str(m["Subject"])]
    names = {part.get_filename() for part in message.iter_attachments()}
    assert any(name.endswith(".docx") for name in names)
    assert consolidate_flow(as_of=dt.date(2025, 11, 20)).sent == 0  # never twice
    with session_scope(resources().engine) as session:  # made, on its way to approval, not yet delivered
        assert session.scalars(select(ObligationRow).where(ObligationRow.state == ObligationState.ACCEPTED)).all() == []
        assert session.scalars(select(SubmissionRow)).all() == []
        assert session.scalars(select(ReportStepRow.state)).all() == [ReportState.DRAFT]
    with session_scope(resources().engine) as session:  # each report made is recorded once, for the console
        made = [(r.as_of, r.final) for r in session.scalars(select(ReportRow).order_by(ReportRow.id))]
    assert made == [(dt.date(2025, 11, 10), False), (dt.date(2025, 11, 20), True)]


def submissions_and_report_folders() -> tuple[int, list[str]]:
    settings = resources().settings
    with session_scope(resources().engine) as session:
        count = len(session.scalars(select(SubmissionRow)).all())
    return count, sorted(p.name for p in (settings.data_dir / "reports").glob("*/*"))


def test_a_served_fortnight_after_the_final_day_sends_and_records_nothing_new(district: MailSink) -> None:
    from flows.consolidate import consolidate_flow

    made = consolidate_flow(as_of=dt.date(2025, 11, 20))
    assert made.final is True and made.sent == 1
    mailbox = len(district.messages)
    before = submissions_and_report_folders()
    day = dt.date(2025, 11, 21)
    while day <= dt.date(2025, 12, 5):  # what "0 17 * * 1-5" runs: every weekday, final=None
        if day.weekday() < 5:
            later = consolidate_flow(as_of=day)
            assert later.final is True and later.sent == 0, day
            assert later.files == made.files, day  # the report made on 20/11, not a new one
            assert any("20/11/2025" in str(note) for note in later.notes)
        day += dt.timedelta(days=1)
    assert len(district.messages) == mailbox
    assert submissions_and_report_folders() == before


def test_the_report_email_is_retried_when_the_server_defers_it(district: MailSink) -> None:
    from flows.consolidate import consolidate_flow

    district.defer = 2  # "451 try again later" twice, then accepted
    result = consolidate_flow(as_of=dt.date(2025, 11, 20))
    assert result.sent == 1
    assert district.defer == 0
    reports = [m for m in district.messages if "Báo cáo kết quả thực hiện thử nghiệm năm 2025" in str(m["Subject"])]
    assert len(reports) == 1
    with session_scope(resources().engine) as session:
        statuses = {row.status for row in session.scalars(select(NotificationRow))}
    assert statuses == {"sent"}


def test_a_merger_loaded_in_june_runs_through_the_assign_and_chase_flows(prefect_server: None, tmp_path: Path) -> None:
    """The flows hand over what closed units owe, tell them once, and assign the new unit on 1/7."""
    from flows.assign import assign
    from flows.chase import chase
    from tests.test_lifetimes_merger import MERGER_PLAN, as_written_in_january

    path = tmp_path / "plan.yaml"
    path.write_text(as_written_in_january(MERGER_PLAN.read_text(encoding="utf-8")), encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(path), path, now=at("2025-04-20"), actor="test")
    with MailSink(tmp_path / "mail") as sink:
        transport = SmtpTransport(sink.host, sink.port)
        with override(Resources.for_test(engine, tmp_path / "data", transport=transport)):
            assert assign(as_of=dt.date(2025, 4, 21)) == MailRun(units=5, sent=5)
            path.write_text(MERGER_PLAN.read_text(encoding="utf-8"), encoding="utf-8")
            with session_scope(engine) as session:
                load_plan_into_store(session, load_plan(path), path, now=at("2025-06-20"), actor="test")
            assert assign(as_of=dt.date(2025, 6, 30)) == MailRun(units=0, sent=0)  # the new commune is not open yet
            chase(as_of=dt.date(2025, 6, 30))
            notices = [m for m in sink.messages if str(m["Subject"]).startswith("Thôi yêu cầu")]
            assert sorted(str(m["To"]).split("@")[1].split(".")[0] for m in notices) == ["xa-a", "xa-b", "xa-c"]
            chase(as_of=dt.date(2025, 6, 30))
            assert len([m for m in sink.messages if str(m["Subject"]).startswith("Thôi yêu cầu")]) == 3
            assert assign(as_of=dt.date(2025, 7, 1)) == MailRun(units=1, sent=1)
            with session_scope(engine) as session:
                covers = session.scalars(
                    select(ObligationRow.covers).where(ObligationRow.state == ObligationState.ANNOUNCED)
                ).all()
            assert ["xa-hop-nhat", "xa-a", "xa-b", "xa-c"] in covers  # announced to the new commune on 1/7
    engine.dispose()
