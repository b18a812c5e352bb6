"""Status as of a past day shows only what had happened by then: the messages, submissions and
office decisions, extensions and pauses of later days are left out (`history_until`)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from dutyflow import admin
from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import FormTarget, WebField
from dutyflow.intake import decide, submit_file
from dutyflow.obligations import Standing, State
from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.queries import StatusLine, current_plan, plan_of, status_lines
from tests.chasing import notifier
from tests.conftest import at
from tests.filling import filled_workbook, sensible

DELIVERABLE = "bao-cao-6-thang"  # last day 19/05/2025


def with_a_word(form_code: str, field: WebField) -> object:
    return "mười" if field.kind in {"integer", "decimal"} else sensible(form_code, field)


def obligation(session, plan_id: int, unit: str) -> ObligationRow:  # type: ignore[no-untyped-def]
    return session.scalars(
        select(ObligationRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, UnitRow.code == unit, DeliverableRow.code == DELIVERABLE)
    ).one()


@pytest.fixture
def history(announced: Engine, tmp_path) -> Engine:  # type: ignore[no-untyped-def]
    """xa-a: an invalid report on 15/5, a valid one on 22/5 (late), returned by the office on 26/5.
    xa-b: extended on 20/5 until 30/5, paused on 2/6. Every receipt is sent when it happens."""
    n = notifier(announced, clock=lambda: dt.datetime.now(dt.UTC))  # claims on the real clock, as the flows do
    files = FileStore(tmp_path / "uploads")
    with session_scope(announced) as session:
        plan_row = current_plan(session)
        plan = plan_of(plan_row)
        plan_id = plan_row.id
        row = obligation(session, plan_id, "xa-a")
        target = FormTarget(plan, "xa-a", DELIVERABLE, row.period, row.period_label)
        bad = submit_file(
            session,
            files,
            plan,
            row,
            filled_workbook(target, with_a_word),
            "a.xlsx",
            channel=SubmissionChannel.PORTAL,
            actor="xa-a",
            now=at("2025-05-15", 9),
        )
    assert bad.status == SubmissionStatus.RETURNED
    n.acknowledge(bad.submission_id, dt.date(2025, 5, 15), at("2025-05-15", 9))
    with session_scope(announced) as session:
        good = submit_file(
            session,
            files,
            plan,
            obligation(session, plan_id, "xa-a"),
            filled_workbook(target),
            "a.xlsx",
            channel=SubmissionChannel.PORTAL,
            actor="xa-a",
            now=at("2025-05-22", 10),
        )
    assert good.status == SubmissionStatus.ACCEPTED
    n.acknowledge(good.submission_id, dt.date(2025, 5, 22), at("2025-05-22", 10))
    with session_scope(announced) as session:
        admin.extend(
            session, plan_id, "xa-b", DELIVERABLE, dt.date(2025, 5, 30), "Bão lũ", now=at("2025-05-20"), actor="vp"
        )
        admin.pause(session, plan_id, "xa-b", "Sáp nhập", now=at("2025-06-02"), actor="vp")
        decide(session, good.submission_id, accept=False, reason="Số liệu sai", actor="vp", now=at("2025-05-26", 15))
    return announced


def lines_on(engine: Engine, day: str, *, history: bool = True) -> dict[str, StatusLine]:
    today = dt.date.fromisoformat(day)
    until = WorkingCalendar().start_of_day(today + dt.timedelta(days=1)) if history else None
    with session_scope(engine) as session:
        plan_id = current_plan(session).id
        lines = status_lines(session, plan_id, today, deliverable=DELIVERABLE, history_until=until)
    return {line.unit: line for line in lines}


def test_on_16_may_only_the_first_report_and_its_answer_had_happened(history: Engine) -> None:
    lines = lines_on(history, "2025-05-16")
    assert lines["xa-a"].state is State.RETURNED and lines["xa-a"].standing is Standing.RETURNED
    assert lines["xa-a"].last_notice == "đề nghị sửa 15/05/2025"  # not the receipt of 22/5
    assert lines["xa-a"].submitted_at is None
    assert lines["xa-b"].extended_until is None and lines["xa-b"].standing is Standing.DUE_SOON


def test_on_21_may_the_returned_report_is_overdue_and_the_extension_holds(history: Engine) -> None:
    lines = lines_on(history, "2025-05-21")
    assert lines["xa-a"].standing is Standing.OVERDUE
    assert lines["xa-b"].extended_until == dt.date(2025, 5, 30) and lines["xa-b"].standing is Standing.ON_TRACK


def test_on_23_may_the_late_report_is_accepted_with_its_receipt(history: Engine) -> None:
    lines = lines_on(history, "2025-05-23")
    assert lines["xa-a"].state is State.ACCEPTED
    assert lines["xa-a"].submitted_at == at("2025-05-22", 10)
    assert lines["xa-a"].last_notice == "biên nhận 22/05/2025"


def test_after_the_office_returns_it_and_the_pause_both_show(history: Engine) -> None:
    lines = lines_on(history, "2025-06-03")
    assert lines["xa-a"].state is State.RETURNED and lines["xa-a"].standing is Standing.OVERDUE
    assert lines["xa-b"].standing is Standing.PAUSED
    assert lines_on(history, "2025-05-27")["xa-b"].standing is Standing.DUE_SOON  # paused only from 2/6


def test_without_history_the_store_speaks_as_it_is(history: Engine) -> None:
    lines = lines_on(history, "2025-05-16", history=False)
    assert lines["xa-a"].state is State.RETURNED  # returned by the office on 26/5: today's state
    assert lines["xa-a"].last_notice == "biên nhận 22/05/2025"
    assert lines["xa-b"].extended_until == dt.date(2025, 5, 30) and lines["xa-b"].standing is Standing.PAUSED
