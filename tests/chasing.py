"""Shared by the chase tests: the office's notifier, the announced mini plan, transports that
misbehave on purpose, and a random store to hold the SQL passes to the pure ladder."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dutyflow.mail import DeliveryResult, MemoryTransport, OutgoingMessage
from dutyflow.notify import Notifier
from dutyflow.obligations import State
from dutyflow.plan import load_plan
from dutyflow.states import NotificationStatus, ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, ObligationRow, ReportStepRow, ReportVersionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at, build_notifier

notifier = build_notifier
"""The office's notifier of the chase tests (tests/conftest.py's `build_notifier`)."""


@pytest.fixture
def announced(engine: Engine, mini_plan_path: Path) -> Engine:
    """The mini plan loaded and assigned on 21/4/2025: every obligation announced."""
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
    n = notifier(engine)
    n.assign([u.code for u in n.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21"))
    return engine


class InterceptingTransport(MemoryTransport):
    """A memory transport whose every send goes through `intercept(message, send)`."""

    def intercept(self, message: OutgoingMessage, send: Callable[[OutgoingMessage], DeliveryResult]) -> DeliveryResult:
        return send(message)

    def session(self):  # type: ignore[override]
        inner = super().session()
        transport = self

        class _Session:
            def __enter__(self):
                self.real = inner.__enter__()
                return self

            def __exit__(self, *exc):
                return inner.__exit__(*exc)

            def send(self, message: OutgoingMessage) -> DeliveryResult:
                return transport.intercept(message, self.real.send)

        return _Session()


def scramble(
    engine: Engine, n: Notifier, rng: random.Random, now: dt.datetime, tag: str = "", *, on_its_way: float = 0.0
) -> None:
    """Random states, rounds, extensions, next actions, pauses, and outbox rows for every obligation;
    with `on_its_way`, that share of them also get a consolidated report on its way (a version and
    its step), as the office's obligation has once its final report is made."""
    ladder = [step.code for step in n.plan.chase.steps]
    with session_scope(engine) as session:
        units = session.scalars(select(UnitRow).where(UnitRow.plan_id == n.plan_id)).all()
        for unit in units:
            unit.paused = rng.random() < 0.15
        obligations = session.scalars(select(ObligationRow).where(ObligationRow.plan_id == n.plan_id)).all()
        for row in obligations:
            row.state = rng.choice([State.ANNOUNCED.value] * 4 + [State.RETURNED.value, State.ACCEPTED.value])
            row.chase_round = rng.randint(0, 2)
            row.last_day = now.date() + dt.timedelta(days=rng.randint(-30, 20))
            row.extended_until = row.last_day + dt.timedelta(days=rng.randint(1, 15)) if rng.random() < 0.2 else None
            if rng.random() < 0.05:  # a reloaded plan moved the last day past the extension
                row.extended_until = row.last_day - dt.timedelta(days=rng.randint(1, 5))
            row.next_action_at = now + dt.timedelta(hours=rng.choice([-300, -30, -1, 0, 1, 30]))
            if on_its_way and rng.random() < on_its_way:
                put_report_on_its_way(session, row.id, now)
            for index in range(rng.randint(0, 4)):
                claimed_at = now - dt.timedelta(minutes=rng.choice([1, 14, 16, 600, 3000]))
                session.add(
                    NotificationRow(
                        key=f"t{tag}:{row.id}:{index}",
                        plan_id=n.plan_id,
                        obligation_id=row.id,
                        unit_id=row.unit_id,
                        round=rng.randint(0, 2),
                        step=rng.choice([*ladder, "assign"]),
                        template="reminder",
                        recipient="x@thunghiem.example",
                        status=rng.choice(
                            [NotificationStatus.SENT, NotificationStatus.REFUSED, NotificationStatus.FAILED]
                            + [NotificationStatus.CLAIMED] * 2
                        ),
                        message_id=f"<t{tag}.{row.id}.{index}@thunghiem.example>",
                        claimed_at=claimed_at,
                        attempts=1,
                    )
                )


def put_report_on_its_way(session: Session, obligation_id: int, now: dt.datetime) -> None:
    """A report's version and its draft step for the obligation, unless it has them already."""
    if session.scalars(select(ReportStepRow).where(ReportStepRow.obligation_id == obligation_id)).first():
        return
    version = ReportVersionRow(
        obligation_id=obligation_id, version=1, as_of=now.date(), cutoff=now, made_at=now, made_by="dutyflow"
    )
    session.add(version)
    session.flush()
    session.add(
        ReportStepRow(obligation_id=obligation_id, version_id=version.id, state=ReportState.DRAFT, at=now, actor="t")
    )
