"""A reloaded plan that moves a deadline moves the chase with it, on SQLite and PostgreSQL.

The mini plan is assigned on 21/4/2025. Its annual report ("Báo cáo năm", due before 15/11, last
day Friday 14/11) is first looked at on 7/11, five working days before. Moved to before 16/6
(last day Sunday 15/6, anchored on Friday 13/6), its first reminder falls on 6/6 and must go then,
not wait for November. The 6-month report moved from before 20/5 to before 21/7 must not be
chased on its old days and is reminded on the new one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, select

from dutyflow.notify import Notifier
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow
from dutyflow.store.sync import load_plan_into_store
from tests.chasing import notifier
from tests.conftest import at

D = dt.date.fromisoformat


def reload(engine: Engine, path: Path, moves: dict[str, str], day: str) -> None:
    text = path.read_text(encoding="utf-8")
    for before, after in moves.items():
        assert before in text
        text = text.replace(before, after)
    path.write_text(text, encoding="utf-8")
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(path), path, now=at(day), actor="test")


def chase_on(n: Notifier, day: str) -> dict[str, set[str]]:
    """The steps sent on `day`, by deliverable name."""
    now = at(day)
    outcome = n.chase([u.code for u in n.units_to_chase(now)], D(day), now)
    assert not outcome.failures
    steps: dict[str, set[str]] = {}
    for record in outcome.sent:
        for name in record.deliverables:
            steps.setdefault(name, set()).add(record.step)
    return steps


def next_actions(engine: Engine, deliverable: str) -> set[dt.datetime | None]:
    with session_scope(engine) as session:
        return {
            row.next_action_at.astimezone(dt.UTC) if row.next_action_at else None
            for row in session.scalars(
                select(ObligationRow).join(DeliverableRow).where(DeliverableRow.code == deliverable)
            )
        }


def test_a_deadline_moved_earlier_is_chased_on_the_new_days(announced: Engine, mini_plan_path: Path) -> None:
    assert next_actions(announced, "bao-cao-nam") == {at("2025-11-07", 0).astimezone(dt.UTC)}
    reload(
        announced,
        mini_plan_path,
        {"due: 2025-11-15": "due: 2025-06-16", "cutoff: 2025-11-10": "cutoff: 2025-06-10"},
        "2025-05-26",
    )
    n = notifier(announced)
    assert "Báo cáo năm" not in chase_on(n, "2025-06-05")
    assert chase_on(n, "2025-06-06")["Báo cáo năm"] == {"remind-5"}
    assert chase_on(n, "2025-06-11")["Báo cáo năm"] == {"remind-2"}
    assert chase_on(n, "2025-06-13")["Báo cáo năm"] == {"due-today"}


def test_a_deadline_moved_later_is_not_chased_on_its_old_days(announced: Engine, mini_plan_path: Path) -> None:
    reload(
        announced,
        mini_plan_path,
        {"due: 2025-05-20": "due: 2025-07-21", "cutoff: 2025-05-15": "cutoff: 2025-07-15"},
        "2025-05-02",
    )
    n = notifier(announced)
    for day in ("2025-05-12", "2025-05-15", "2025-05-19", "2025-05-20", "2025-07-10"):
        assert "Báo cáo 6 tháng" not in chase_on(n, day), day
    assert chase_on(n, "2025-07-11")["Báo cáo 6 tháng"] == {"remind-5"}
