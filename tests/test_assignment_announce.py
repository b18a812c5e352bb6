"""The assignment announces what it sent in one statement per window, by the deadlines it told,
and still by the stored deadline when that moved between drafting and sending."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select, update

from dutyflow.chase import ChaseView, first_action_day
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow
from dutyflow.store.sync import load_plan_into_store
from tests.chasing import notifier
from tests.conftest import at


def test_announced_at_the_first_step_of_the_deadline_stored_even_if_it_moved(engine: Engine, mini_plan_path: Path) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
    n = notifier(engine)
    today, now = dt.date(2025, 4, 21), at("2025-04-21")
    codes = [u.code for u in n.units_to_assign(today)]
    with session_scope(engine) as session:
        drafts = n.assignments.drafts(session, n.plan_id, codes, today, now)
    told = [oid for draft in drafts for oid in draft.obligation_ids]
    moved = told[0]
    with session_scope(engine) as session:  # extended after its assignment was drafted
        last_day = session.scalar(select(ObligationRow.last_day).where(ObligationRow.id == moved))
        assert last_day is not None
        session.execute(update(ObligationRow).where(ObligationRow.id == moved).values(extended_until=last_day + dt.timedelta(days=40)))
    with session_scope(engine) as session:
        n.assignments.announce(session, drafts)
    with session_scope(engine) as session:
        rows = session.execute(
            select(ObligationRow.id, ObligationRow.state, ObligationRow.last_day, ObligationRow.extended_until, ObligationRow.next_action_at)
        ).all()
    assert len(rows) == len(told) > 1
    for oid, state, last_day, extended_until, next_action_at in rows:
        deadline = effective_last_day(last_day, extended_until)
        view = ChaseView(obligation_id=oid, unit="", state=State.ANNOUNCED, last_day=deadline)
        expected = n.calendar.start_of_day(first_action_day(view, n.plan.chase, n.calendar))
        assert (state, next_action_at) == (State.ANNOUNCED, expected), oid
    with session_scope(engine) as session:  # announcing again changes nothing
        n.assignments.announce(session, drafts)
        again = session.execute(select(ObligationRow.id, ObligationRow.next_action_at)).all()
    assert sorted(again) == sorted((oid, look) for oid, _, _, _, look in rows)
