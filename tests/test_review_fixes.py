"""Defects found in review of session 5's merges, each pinned by a test that fails without its fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, func, select

from dutyflow import approval, audit
from dutyflow.cli.common import parse_day as cli_day
from dutyflow.mail import MailSink
from dutyflow.portal.console_requests import parse_day as console_day
from dutyflow.report_lifecycle import ReportStepRefused
from dutyflow.run_now import RunFlow, RunRequest
from dutyflow.states import ReportState
from dutyflow.store.db import rehearsal, session_scope
from dutyflow.store.models import AuditEventRow
from flows._common import resources
from flows.launcher import run_in_process
from tests.conftest import at
from tests.test_console_sign import approved
from tests.test_flows import district

__all__ = ["district"]  # fixtures


def test_a_run_now_says_in_vietnamese_which_flow_it_ran(district: MailSink) -> None:
    # What the console's "Chạy ngay" page and `dutyflow run assign|chase` print: the flow by its
    # Vietnamese name, never its identifier ("Quy trình assign").
    assigned = run_in_process(resources(), RunRequest(RunFlow.ASSIGN, dt.date(2025, 4, 21)))
    assert assigned.summary == "Quy trình «Giao nhiệm vụ»: đã xử lý 4 đơn vị, gửi 4 thư."
    chased = run_in_process(resources(), RunRequest(RunFlow.CHASE, dt.date(2025, 4, 22)))
    assert chased.summary.startswith("Quy trình «Nhắc hạn»: đã xử lý ")
    assert all(flow.label and flow.value not in flow.label for flow in RunFlow)


@pytest.mark.parametrize("typed", ["25/11/2025", "25-11-2025", "2025-11-25", " 25/11/2025 ", "25/11/2025\n"])
def test_the_command_line_reads_a_typed_day_as_the_console_does(typed: str) -> None:
    # An office that types 25-11-2025 in a console form and then after --as-of gets the same day.
    assert cli_day(typed) == console_day(typed) == dt.date(2025, 11, 25)


@pytest.mark.parametrize("typed", ["31/02/2025", "11/25/2025", "hôm nay", ""])
def test_both_refuse_what_is_not_a_day(typed: str) -> None:
    assert console_day(typed) is None
    with pytest.raises(typer.Exit):
        cli_day(typed)


def events(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEventRow)) or 0


def test_a_rehearsal_keeps_nothing_whether_it_returns_or_is_refused(engine: Engine) -> None:
    # What the console's confirmations stand on (accounts, import, actions, plan diff): the service
    # runs for real in the transaction, which is then rolled back, on SQLite and PostgreSQL alike.
    before = events(engine)
    event = audit.AuditEvent("rehearsed", "account", "x")
    with rehearsal(engine) as session:
        audit.write(session, event, actor="t", at=at("2025-05-12"))
        session.flush()
        assert session.scalar(select(func.count()).select_from(AuditEventRow)) == before + 1
    with pytest.raises(LookupError), rehearsal(engine) as session:
        audit.write(session, event, actor="t", at=at("2025-05-12"))
        session.flush()
        raise LookupError
    assert events(engine) == before


def test_the_issue_and_its_review_refuse_an_unsigned_report_alike(engine: Engine, tmp_path: Path) -> None:
    # One check (`versions.issuable`) for both: what the console's review refuses is what the
    # confirmation (or `dutyflow report issue`) would refuse, and nothing is sent.
    ws = approved(engine, tmp_path)
    sent: list[int] = []

    def send(obligation_id: int, signed: Path, details: approval.IssueDetails) -> tuple[int, list[str]]:
        sent.append(obligation_id)
        return 1, []

    with pytest.raises(ReportStepRefused) as reviewed:
        approval.issue_preview(ws)
    with pytest.raises(ReportStepRefused) as issued:
        approval.issue(ws, send, actor="vanthu", now=at("2025-11-21", 9))
    assert str(reviewed.value) == str(issued.value) and "Đã duyệt" in str(issued.value)
    assert sent == [] and approval.report_status(ws).state is ReportState.APPROVED
