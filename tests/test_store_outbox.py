"""The outbox claims each (obligation, round, step, recipient) once, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, literal, select, update

from dutyflow.plan import load_plan
from dutyflow.states import NotificationStatus
from dutyflow.store.chasing import step_taken
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, ObligationRow
from dutyflow.store.outbox import Slot, claim, mark_failed, mark_sent, notification_key
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

_ids = itertools.count(1)


def new_id() -> str:
    return f"<m{next(_ids)}@test.example>"


@pytest.fixture
def loaded(engine: Engine, mini_plan_path: Path) -> tuple[Engine, int, list[int]]:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
        obligations = list(session.scalars(select(ObligationRow.id).order_by(ObligationRow.id)))
        plan_id = session.scalar(select(ObligationRow.plan_id).limit(1))
    assert plan_id is not None
    return engine, plan_id, obligations


def slots_for(obligation_ids: list[int], recipients: list[str], step: str = "remind-5", round_: int = 0) -> list[Slot]:
    return [Slot(notification_key(o, round_, step, r), r, o, None, round_) for o in obligation_ids for r in recipients]


def take(engine: Engine, plan_id: int, slots: list[Slot], now: dt.datetime, lease_minutes: float = 15):
    return claim(
        engine,
        slots,
        plan_id=plan_id,
        step="remind-5",
        template="reminder",
        new_message_id=new_id,
        now=now,
        lease=dt.timedelta(minutes=lease_minutes),
    )


def test_a_slot_is_claimed_once(loaded) -> None:
    engine, plan_id, obligations = loaded
    slots = slots_for(obligations[:2], ["a@x.example", "b@x.example"])
    first = take(engine, plan_id, slots, at("2025-05-12"))
    assert first is not None and len(first.slots) == 4 and not first.resent
    assert take(engine, plan_id, slots, at("2025-05-12")) is None  # held by a live claim


def test_a_sent_message_is_never_claimed_again(loaded) -> None:
    engine, plan_id, obligations = loaded
    slots = slots_for(obligations[:1], ["a@x.example"])
    held = take(engine, plan_id, slots, at("2025-05-12"))
    assert held is not None
    mark_sent(engine, held, subject="Nhắc hạn", now=at("2025-05-12"))
    assert take(engine, plan_id, slots, at("2025-06-30"), lease_minutes=0) is None


def test_an_unconfirmed_claim_is_taken_over_after_its_lease_with_the_same_message_id(loaded) -> None:
    engine, plan_id, obligations = loaded
    slots = slots_for(obligations[:1], ["a@x.example", "b@x.example"])
    crashed = take(engine, plan_id, slots, at("2025-05-12", 8))
    assert crashed is not None
    assert take(engine, plan_id, slots, at("2025-05-12", 8), lease_minutes=15) is None
    again = take(engine, plan_id, slots, at("2025-05-12", 9), lease_minutes=15)
    assert again is not None and again.resent
    assert again.message_id == crashed.message_id
    assert {s.key for s in again.slots} == {s.key for s in crashed.slots}


def test_a_failure_before_sending_is_retried_at_once_with_the_same_message_id(loaded) -> None:
    engine, plan_id, obligations = loaded
    slots = slots_for(obligations[:1], ["a@x.example"])
    held = take(engine, plan_id, slots, at("2025-05-12"))
    assert held is not None
    mark_failed(engine, held, error="Connection refused", delivered_unknown=False)
    retry = take(engine, plan_id, slots, at("2025-05-12"))
    assert retry is not None and retry.message_id == held.message_id
    with session_scope(engine) as session:
        row = session.scalars(select(NotificationRow)).one()
        assert row.attempts == 2 and row.status == NotificationStatus.CLAIMED


def test_refused_recipients_are_recorded_with_the_servers_reply(loaded) -> None:
    engine, plan_id, obligations = loaded
    held = take(engine, plan_id, slots_for(obligations[:1], ["a@x.example", "b@x.example"]), at("2025-05-12"))
    assert held is not None
    mark_sent(engine, held, subject="Nhắc", now=at("2025-05-12"), refused={"b@x.example": "550 no such user"})
    with session_scope(engine) as session:
        statuses = dict(session.execute(select(NotificationRow.recipient, NotificationRow.status)).all())
        errors = dict(session.execute(select(NotificationRow.recipient, NotificationRow.error)).all())
    assert statuses == {"a@x.example": "sent", "b@x.example": "refused"}
    assert errors["b@x.example"] == "550 no such user"


def test_a_step_is_taken_only_in_the_current_round_and_not_by_a_failure(loaded) -> None:
    engine, plan_id, obligations = loaded
    first, second = obligations[0], obligations[1]
    held = take(engine, plan_id, slots_for([first], ["a@x.example"]), at("2025-05-12"))
    assert held is not None
    mark_sent(engine, held, subject="x", now=at("2025-05-12"))
    failed = take(engine, plan_id, slots_for([second], ["a@x.example"]), at("2025-05-12"))
    assert failed is not None
    mark_failed(engine, failed, error="down", delivered_unknown=False)
    with session_scope(engine) as session:
        assert taken(session, "remind-5") == {first}
        assert taken(session, "remind-2") == set()
        session.execute(update(ObligationRow).where(ObligationRow.id == first).values(chase_round=1))
        assert taken(session, "remind-5") == set()  # a returned report starts round 1


def taken(session, step: str) -> set[int]:
    """The obligations for which the outbox holds `step` in their current round."""
    return set(session.scalars(select(ObligationRow.id).where(step_taken(literal(step), None))))


def test_two_workers_claiming_at_once_split_nothing_twice(loaded) -> None:
    engine, plan_id, obligations = loaded
    slots = slots_for(obligations, ["a@x.example", "b@x.example"])
    workers = 4
    barrier = threading.Barrier(workers)

    def worker() -> set[str]:
        barrier.wait()
        held = take(engine, plan_id, slots, at("2025-05-12"))
        return {s.key for s in held.slots} if held else set()

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        # result() raises what a worker raised: a losing worker must lose quietly, not fail.
        results = [future.result(timeout=60) for future in futures]
    claimed = [key for keys in results for key in keys]
    assert len(claimed) == len(set(claimed)) == len(slots)
    with session_scope(engine) as session:
        rows = session.execute(select(NotificationRow.key, NotificationRow.status, NotificationRow.attempts)).all()
    assert sorted(key for key, _, _ in rows) == sorted(s.key for s in slots)
    assert {(status, attempts) for _, status, attempts in rows} == {("claimed", 1)}
