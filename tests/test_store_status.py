"""Status lines: the query that leaves out what cannot need attention agrees with the full list."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from dutyflow.obligations import Standing, State
from dutyflow.run_artifacts import ARTIFACT_ROWS, capped
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow
from dutyflow.store.queries import QUIET, current_plan, status_lines
from tests.chasing import notifier, scramble
from tests.conftest import at


def test_needing_attention_is_the_full_list_without_the_quiet_lines(announced: Engine) -> None:
    n = notifier(announced)
    seen: set[Standing] = set()
    for seed, day in enumerate(["2025-05-02", "2025-05-12", "2025-05-19", "2025-06-03"]):
        today = dt.date.fromisoformat(day)
        scramble(announced, n, random.Random(seed), at(day, 9), f"s{seed}")
        with session_scope(announced) as session:
            for row in session.scalars(select(ObligationRow)):
                if row.id % 5 == 0:
                    row.state = State.SUBMITTED.value
                if row.id % 7 == 0:
                    row.last_day = today + dt.timedelta(days=30)  # on track
        with session_scope(announced) as session:
            plan_id = current_plan(session).id
            everything = status_lines(session, plan_id, today)
            attention = status_lines(session, plan_id, today, needing_attention=True)
        assert attention == [line for line in everything if line.standing not in QUIET], day
        seen |= {line.standing for line in everything}
    assert {Standing.ACCEPTED, Standing.ON_TRACK, Standing.OVERDUE, Standing.SUBMITTED, Standing.PAUSED} <= seen
    assert any(line.last_notice for line in everything) and any(line.problem for line in everything)


def test_artifact_tables_are_capped_with_a_line_saying_how_many_more() -> None:
    rows = [{"Đơn vị": f"xã {i}"} for i in range(ARTIFACT_ROWS + 25)]
    shown = capped(rows)
    assert len(shown) == ARTIFACT_ROWS + 1
    assert shown[-1] == {"Đơn vị": "… và 25 dòng nữa (xem đầy đủ: dutyflow status)"}
    assert capped(rows[:3]) == rows[:3]
    assert capped([]) == [{"Đơn vị": "—"}]
