"""The database applies the ladder: it must agree with the pure ladder on every obligation.

`chase.due_thresholds` turns "the step's day has come" into a comparison on the deadline; the
store's finding and rescheduling passes (`store.chasing`) are checked here against the pure
reference (`plan_notices`, `next_look`) on randomised stores: states, rounds, extensions, pauses,
an outbox holding sent, refused, failed, live and dead claims, and reports on their way (the
office's obligation, whose ladder up to the last day the approval reminder stands for), on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import Engine, select

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import (
    CHASED_STATES,
    ChaseView,
    _latest_due,
    due_thresholds,
    left_to_approval,
    next_look,
    plan_notices,
)
from dutyflow.notify import Notifier
from dutyflow.obligations import State
from dutyflow.plan import ChaseConfig, LadderStep
from dutyflow.states import NotificationStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, ObligationRow, ReportStepRow, UnitRow
from tests.chasing import notifier, scramble
from tests.conftest import at

D = dt.date.fromisoformat
VN = WorkingCalendar()
LEASE = dt.timedelta(minutes=15)

ODD_LADDER = ChaseConfig(
    steps=[
        LadderStep(code="early", offset=-12, template="reminder"),
        LadderStep(code="eve", offset=-1, template="reminder"),
        LadderStep(code="day", offset=0, template="due_today"),
        LadderStep(code="late", offset=2, template="overdue"),
        LadderStep(code="much-later", offset=15, template="escalation", to="head"),
    ]
)


def latest_due_by_threshold(thresholds, deadline: dt.date) -> LadderStep | None:
    """The latest due step read off the thresholds, as the store's CASE reads it."""
    for step, last_deadline in reversed(thresholds):
        if deadline <= last_deadline:
            return step
    return None


def days(first: str, last: str, step: int = 1) -> list[dt.date]:
    start, end = D(first), D(last)
    return [start + dt.timedelta(days=i) for i in range(0, (end - start).days + 1, step)]


@pytest.mark.parametrize("ladder", [ChaseConfig(), ODD_LADDER], ids=["default", "odd"])
@pytest.mark.parametrize("today", [*days("2025-01-02", "2026-03-31", 9), D("2026-02-16"), D("2026-02-23")])
def test_thresholds_give_the_latest_due_step_of_every_deadline(ladder: ChaseConfig, today: dt.date) -> None:
    thresholds = due_thresholds(ladder, VN, today)
    for deadline in days((today - dt.timedelta(days=60)).isoformat(), (today + dt.timedelta(days=60)).isoformat()):
        assert latest_due_by_threshold(thresholds, deadline) == _latest_due(ladder, VN, deadline, today), deadline


# --------------------------------------------------------------------------- the store against the reference


def reference(engine: Engine, n: Notifier, today: dt.date, now: dt.datetime):
    """The pure ladder on views read row by row: notices, and each obligation's next action."""
    stale_before = now - LEASE
    with session_scope(engine) as session:
        rows = session.execute(
            select(ObligationRow, UnitRow.code, UnitRow.paused).join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        ).all()
        outbox = session.scalars(select(NotificationRow)).all()
        on_its_way = set(session.scalars(select(ReportStepRow.obligation_id)))
        views, before = {}, {}
        for row, code, paused in rows:
            before[row.id] = row.next_action_at
            if row.state not in {s.value for s in CHASED_STATES} or paused or row.next_action_at > now:
                continue
            taken = frozenset(
                note.step
                for note in outbox
                if note.obligation_id == row.id
                and note.round == row.chase_round
                and note.status != NotificationStatus.FAILED
                and not (note.status == NotificationStatus.CLAIMED and note.claimed_at <= stale_before)
            )
            latest = _latest_due(n.plan.chase, n.calendar, max(row.last_day, row.extended_until or row.last_day), today)
            unconfirmed = latest is not None and any(
                note.obligation_id == row.id
                and note.round == row.chase_round
                and note.step == latest.code
                and note.status == NotificationStatus.CLAIMED
                for note in outbox
            )
            views[row.id] = (
                ChaseView(
                    row.id, code, State(row.state), row.last_day, row.extended_until, False, taken, row.id in on_its_way
                ),
                unconfirmed,
            )
    notices = {
        (x.unit, x.step.code, x.obligation_ids)
        for x in plan_notices([v for v, _ in views.values()], n.plan.chase, n.calendar, today)
    }
    after = dict(before)
    for oid, (view, unconfirmed) in views.items():
        day = next_look(view, n.plan.chase, n.calendar, today)
        if day == today or unconfirmed:
            continue  # still due, or a claim to take over: left as it is, the next run looks again
        after[oid] = n.calendar.start_of_day(day) if day else None
    return notices, after


def left_to_approval_today(engine: Engine, n: Notifier, today: dt.date, now: dt.datetime) -> int:
    """How many chased obligations with a report on their way have a due step that the approval
    reminder stands for: the branch the scrambles must reach."""
    with session_scope(engine) as session:
        on_its_way = set(session.scalars(select(ReportStepRow.obligation_id)))
        rows = session.scalars(select(ObligationRow).where(ObligationRow.id.in_(on_its_way))).all()
        count = 0
        for row in rows:
            if row.state not in {s.value for s in CHASED_STATES} or row.next_action_at > now:
                continue
            deadline = max(row.last_day, row.extended_until or row.last_day)
            latest = _latest_due(n.plan.chase, n.calendar, deadline, today)
            count += latest is not None and left_to_approval(latest)
    return count


def next_actions(engine: Engine) -> dict[int, dt.datetime | None]:
    with session_scope(engine) as session:
        return {oid: at_ for oid, at_ in session.execute(select(ObligationRow.id, ObligationRow.next_action_at))}


def test_the_database_finds_and_moves_on_what_the_pure_ladder_does(announced: Engine) -> None:
    n = notifier(announced)
    found_any = moved_any = kept_any = left_any = 0
    for seed, today in enumerate([D("2025-05-12"), D("2025-05-19"), D("2025-05-26"), D("2025-06-03")] * 3):
        now = at(today.isoformat(), 9)
        scramble(announced, n, random.Random(seed), now, f"s{seed}", on_its_way=0.3)
        expected_notices, expected_after = reference(announced, n, today, now)
        left_any += left_to_approval_today(announced, n, today, now)
        found = n.due_notices(None, today, now)
        assert {(x.unit, x.step.code, x.obligation_ids) for x in found.notices} == expected_notices, today

        before = next_actions(announced)
        n.reschedule(None, today, now)
        after = next_actions(announced)
        assert after == expected_after, today
        found_any += len(expected_notices)
        moved_any += sum(1 for oid in after if after[oid] != before[oid])
        kept_any += sum(1 for oid in after if after[oid] == before[oid] and before[oid] <= now)
    assert found_any and moved_any and kept_any and left_any, "the scrambles should exercise every branch"


def test_nothing_is_found_on_a_weekend_and_nothing_due_is_moved(announced: Engine) -> None:
    rng = random.Random(7)
    today, now = D("2025-05-17"), at("2025-05-17", 9)
    n = notifier(announced)
    scramble(announced, n, rng, now)
    _, expected_after = reference(announced, n, today, now)
    assert n.due_notices(None, today, now).notices == []
    n.reschedule(None, today, now)
    assert next_actions(announced) == expected_after
