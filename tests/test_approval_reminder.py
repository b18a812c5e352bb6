"""The office is reminded once, through the outbox, when the consolidated report's draft is not
approved two working days before its last day (Monday 24/11/2025 for the mini plan: reminder day
Thursday 20/11); never before that day, never twice, never before a draft exists nor once it is
approved (simulated clock, SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from dutyflow.mail import MemoryTransport
from dutyflow.plan import load_plan
from dutyflow.states import ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.models import ReportStepRow, ReportVersionRow
from dutyflow.store.queries import loaded_plan, office_obligation
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import MINI_PLAN, at, build_notifier

OFFICE = "vanthu@vp.thunghiem.example"
HEAD = "chanh@vp.thunghiem.example"


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    return engine


def remind(engine: Engine, transport: MemoryTransport, day: str) -> int:
    notifier = build_notifier(engine, transport)
    return len(notifier.approval_reminder(dt.date.fromisoformat(day), at(day)).sent)


def put_state(engine: Engine, state: ReportState) -> None:
    """The report's way as the services leave it: a version and its step."""
    with session_scope(engine) as session:
        plan = loaded_plan(session)
        obligation = office_obligation(session, plan.id, plan.plan)
        assert obligation is not None
        version = ReportVersionRow(
            obligation_id=obligation.id,
            version=1,
            as_of=dt.date(2025, 11, 20),
            cutoff=at("2025-11-20"),
            made_at=at("2025-11-20"),
            made_by="dutyflow",
        )
        session.add(version)
        session.flush()
        session.add(
            ReportStepRow(
                obligation_id=obligation.id, version_id=version.id, state=state, at=at("2025-11-20"), actor="test"
            )
        )


def test_the_office_is_reminded_once_from_two_working_days_before_the_last_day(loaded: Engine) -> None:
    transport = MemoryTransport()
    assert remind(loaded, transport, "2025-11-20") == 0  # no final report yet: nothing to approve
    put_state(loaded, ReportState.DRAFT)
    assert remind(loaded, transport, "2025-11-19") == 0  # the day before the reminder day
    assert remind(loaded, transport, "2025-11-20") == 1
    assert remind(loaded, transport, "2025-11-20") == 0  # a rerun of the day
    assert remind(loaded, transport, "2025-11-21") == 0  # once for the report
    (message,) = transport.sent
    assert [a.email for a in message.to] == [OFFICE] and [a.email for a in message.cc] == [HEAD]
    assert "chưa được lãnh đạo duyệt" in message.subject and "24/11/2025" in message.subject
    assert "“Dự thảo”" in " ".join(message.text.split())


def test_a_missed_reminder_day_is_caught_up_until_the_last_day(loaded: Engine) -> None:
    put_state(loaded, ReportState.DRAFT)
    transport = MemoryTransport()
    assert remind(loaded, transport, "2025-11-25") == 0  # past the last day: the ladder's overdue steps
    assert remind(loaded, transport, "2025-11-24") == 1


def test_a_returned_report_is_recalled_with_its_state(loaded: Engine) -> None:
    put_state(loaded, ReportState.RETURNED)
    transport = MemoryTransport()
    assert remind(loaded, transport, "2025-11-21") == 1
    assert "“Trả lại để chỉnh sửa”" in " ".join(transport.sent[0].text.split())


@pytest.mark.parametrize("state", [ReportState.APPROVED, ReportState.SIGNED, ReportState.ISSUED])
def test_an_approved_report_is_not_recalled(loaded: Engine, state: ReportState) -> None:
    put_state(loaded, state)
    transport = MemoryTransport()
    assert remind(loaded, transport, "2025-11-20") == 0
    assert transport.sent == []
