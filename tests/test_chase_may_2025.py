"""The issue's acceptance scenario on the bundled plan: assign on 21/4, chase every day of May 2025.

Runs the Notifier (the code the Prefect tasks call) with an in-memory transport, on SQLite and
PostgreSQL. The real-SMTP and Prefect paths are covered by test_mail_smtp and test_flows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from dutyflow.mail import Address, MemoryTransport
from dutyflow.notify import Notifier
from dutyflow.plan import load_plan
from dutyflow.states import ObligationState
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at, build_notifier

D = dt.date.fromisoformat
MAY = [D("2025-05-05") + dt.timedelta(days=i) for i in range(26)]


def make_notifier(engine: Engine, transport: MemoryTransport) -> Notifier:
    office = Address("Văn phòng HĐND&UBND huyện Trùng Khánh", "vanthu@vp.trungkhanh.example")
    return build_notifier(engine, transport, sender=office)


def run_day(notifier: Notifier, day: dt.date, *, assign: bool = False) -> int:
    now = at(day.isoformat())
    if assign:
        return len(notifier.assign([u.code for u in notifier.units_to_assign(day)], day, now).sent)
    units = [u.code for u in notifier.units_to_chase(now)]
    outcome = notifier.chase(units, day, now)
    outcome.merge(notifier.digest(day, now))
    assert not outcome.failures and not outcome.unknown
    return len(outcome.sent)


@pytest.fixture
def district(engine: Engine, bundled_plan_path: Path) -> tuple[Engine, MemoryTransport, Notifier]:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(bundled_plan_path), bundled_plan_path, now=at("2025-04-20"), actor="t")
    transport = MemoryTransport()
    return engine, transport, make_notifier(engine, transport)


def test_assign_sends_each_unit_one_assignment_and_never_twice(district) -> None:
    engine, transport, notifier = district
    sent = run_day(notifier, D("2025-04-21"), assign=True)
    recipients = Counter(m.to[0].email for m in transport.sent)
    with session_scope(engine) as session:
        units = set(session.scalars(select(UnitRow.focal_email).join(ObligationRow).distinct()))
    assert sent == len(units) == 31
    assert set(recipients) == units and set(recipients.values()) == {1}
    first = next(m for m in transport.sent if m.to[0].email.startswith("vanthu@tuphap"))
    assert "Báo cáo kết quả thực hiện 06 tháng" in first.text
    assert first.attachments and first.attachments[0].filename.endswith(".ics")
    assert run_day(notifier, D("2025-04-21"), assign=True) == 0
    assert run_day(notifier, D("2025-04-22"), assign=True) == 0


def test_may_is_chased_step_by_step_and_reruns_send_nothing(district) -> None:
    _engine, transport, notifier = district
    run_day(notifier, D("2025-04-21"), assign=True)
    transport.sent.clear()
    per_day: dict[dt.date, int] = {}
    for day in MAY:
        per_day[day] = run_day(notifier, day)
        assert run_day(notifier, day) == 0, f"a rerun on {day} sent again"
    assert per_day[D("2025-05-17")] == 0 and per_day[D("2025-05-18")] == 0
    assert per_day[D("2025-05-24")] == 0 and per_day[D("2025-05-25")] == 0
    # The 6-month report of one department, step by step.
    steps = [
        (day, m.subject)
        for day, m in _by_day(transport, per_day)
        if m.to and m.to[0].email.startswith("vanthu@tuphap") and "06 tháng" in m.text
    ]
    days = [day for day, _ in steps]
    assert days == [D("2025-05-12"), D("2025-05-15"), D("2025-05-19"), D("2025-05-20"), D("2025-05-22")]
    # The escalation on 26/5 goes to the head, not the focal officer.
    heads = [
        m
        for day, m in _by_day(transport, per_day)
        if day == D("2025-05-26") and m.to[0].email.startswith("truongphong@tuphap")
    ]
    assert len(heads) == 1 and "06 tháng" in heads[0].text


def test_a_unit_that_submitted_gets_nothing_more(district) -> None:
    engine, transport, notifier = district
    run_day(notifier, D("2025-04-21"), assign=True)
    with session_scope(engine) as session:
        unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == "tu-phap")).one()
        six = session.scalars(select(DeliverableRow.id).where(DeliverableRow.code == "bao-cao-6-thang")).one()
        session.execute(
            update(ObligationRow)
            .where(ObligationRow.unit_id == unit_id, ObligationRow.deliverable_id == six)
            .values(state=ObligationState.ACCEPTED, next_action_at=None)
        )
    transport.sent.clear()
    for day in MAY:
        run_day(notifier, day)
    assert not [m for m in transport.sent if m.to[0].email.startswith("vanthu@tuphap") and "06 tháng" in m.text]


def test_several_deliverables_due_the_same_day_make_one_message(engine: Engine, bundled_plan_path: Path, tmp_path: Path) -> None:
    # The bundled plan gives no unit two reports with one last day; move the implementation plan's
    # to the 6-month report's (19/5), so every reporting unit owes both on the same day.
    source = bundled_plan_path.read_text(encoding="utf-8")
    moved = source.replace("    due: 2025-05-09        #", "    due: 2025-05-19        #", 1)
    assert moved != source
    same_day = tmp_path / "same-day.yaml"
    same_day.write_text(moved, encoding="utf-8")
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(same_day), same_day, now=at("2025-04-20"), actor="t")
    transport = MemoryTransport()
    notifier = make_notifier(engine, transport)
    run_day(notifier, D("2025-04-21"), assign=True)
    transport.sent.clear()

    run_day(notifier, D("2025-05-12"))  # 5 working days before 19/5: the first reminder of both
    both = ("Kế hoạch triển khai thực hiện tại đơn vị, địa phương", "Báo cáo kết quả thực hiện 06 tháng")
    with session_scope(engine) as session:
        reporting = set(
            session.scalars(
                select(UnitRow.focal_email)
                .join(ObligationRow)
                .join(DeliverableRow)
                .where(DeliverableRow.code == "ke-hoach-trien-khai")
            )
        )
    assert len(reporting) == 30
    reminders = [m for m in transport.sent if any(name in m.text for name in both)]
    assert Counter(m.to[0].email for m in reminders) == Counter(dict.fromkeys(reporting, 1))
    for message in reminders:
        assert all(name in message.text for name in both), (message.to[0].email, message.text)


def test_the_weekly_digest_lists_late_units_once_a_week(district) -> None:
    _engine, transport, notifier = district
    run_day(notifier, D("2025-04-21"), assign=True)
    transport.sent.clear()
    per_day = {day: run_day(notifier, day) for day in MAY}
    digests = [
        (day, m)
        for day, m in _by_day(transport, per_day)
        if {a.email for a in m.to} == {"vanthu@vphdndubnd.trungkhanh.example", "phochutich@ubnd.trungkhanh.example"}
    ]
    # At most once a week, from Monday on: nothing was overdue on Monday 5/5, the April lists were on Tuesday.
    assert [day for day, _ in digests] == [D("2025-05-06"), D("2025-05-12"), D("2025-05-19"), D("2025-05-26")]
    last = digests[-1][1]
    assert "UBND xã Tri Phương" in last.text and "Báo cáo kết quả thực hiện 06 tháng" in last.text


def _by_day(transport: MemoryTransport, per_day: dict[dt.date, int]):
    """Pair each sent message with the day it was sent, from the per-day counts (in order)."""
    messages = iter(transport.sent)
    for day, count in per_day.items():
        for _ in range(count):
            yield day, next(messages)
