"""Bad mail conditions fail visibly and lose nothing: a server down, a refused recipient, a timeout."""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow.mail import Address, MailSink, SmtpTransport
from dutyflow.notify import Notifier
from dutyflow.plan import load_plan
from dutyflow.states import NotificationStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow
from dutyflow.store.queries import current_plan, status_lines
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at, build_notifier

OFFICE = Address("Văn phòng HĐND&UBND huyện", "vanthu@vp.thunghiem.example")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def notifier(engine: Engine, port: int, timeout: float = 5) -> Notifier:
    transport = SmtpTransport("127.0.0.1", port, security="none", timeout=timeout)
    return build_notifier(engine, transport, sender=OFFICE)


@pytest.fixture
def store(engine: Engine, mini_plan_path: Path) -> Engine:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
    return engine


def test_a_server_that_is_down_fails_every_message_and_loses_none(store: Engine) -> None:
    port = free_port()
    down = notifier(store, port, timeout=2)
    outcome = down.assign(
        [u.code for u in down.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21")
    )
    assert len(outcome.failures) == 4 and not outcome.sent
    with session_scope(store) as session:
        rows = session.scalars(select(NotificationRow)).all()
        assert {r.status for r in rows} == {"failed"} and all("127.0.0.1" in (r.error or "") or r.error for r in rows)
    with MailSink(port=port) as sink:
        back = notifier(store, port)
        again = back.assign(
            [u.code for u in back.units_to_assign(dt.date(2025, 4, 22))], dt.date(2025, 4, 22), at("2025-04-22")
        )
        assert len(again.sent) == 4 and not again.failures
        assert len(sink.messages) == 4
    with session_scope(store) as session:
        assert {r.status for r in session.scalars(select(NotificationRow))} == {"sent"}


def test_a_refused_recipient_is_stored_and_shown_in_status(store: Engine) -> None:
    refused = "vhxh@xa-a.thunghiem.example"
    with MailSink(refuse={refused}) as sink:
        n = notifier(store, sink.port)
        outcome = n.assign(
            [u.code for u in n.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21")
        )
    assert len(outcome.failures) == 1  # its only recipient refused: the message was not accepted at all
    with session_scope(store) as session:
        row = session.scalars(select(NotificationRow).where(NotificationRow.recipient == refused)).first()
        assert row is not None and row.status == NotificationStatus.FAILED and "550" in (row.error or "")
        lines = status_lines(session, current_plan(session).id, dt.date(2025, 4, 22))
    problems = [line.problem for line in lines if line.unit == "xa-a" and line.problem]
    assert problems and "550" in problems[0]


def test_a_copied_head_refused_keeps_the_message_for_the_officer(store: Engine) -> None:
    head = "truongphong@tuphap.thunghiem.example"
    with MailSink(refuse={head}) as sink:
        n = notifier(store, sink.port)
        n.assign([u.code for u in n.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21"))
        for day in ("2025-05-12", "2025-05-15", "2025-05-19", "2025-05-20", "2025-05-22"):
            now = at(day)
            n.chase([u.code for u in n.units_to_chase(now)], dt.date.fromisoformat(day), now)
    with session_scope(store) as session:
        rows = session.scalars(select(NotificationRow).where(NotificationRow.step == "overdue-3")).all()
        by_recipient = {r.recipient: r for r in rows if "tuphap" in r.recipient}
    assert by_recipient[head].status == NotificationStatus.REFUSED and "550" in (by_recipient[head].error or "")
    assert by_recipient["vanthu@tuphap.thunghiem.example"].status == NotificationStatus.SENT


def test_a_server_that_never_answers_times_out(store: Engine) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never greets
        n = notifier(store, silent.getsockname()[1], timeout=1)
        outcome = n.assign(["tu-phap"], dt.date(2025, 4, 21), at("2025-04-21"))
    assert outcome.failures and not outcome.sent
