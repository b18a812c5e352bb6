"""Exactly once: reruns, crashes between claim/send/mark, and two workers at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Mapping

import pytest
from sqlalchemy import Engine, select

from dutyflow.mail import DeliveryError, DeliveryResult, MemoryTransport, OutgoingMessage
from dutyflow.mail.render import MailRenderer
from dutyflow.notify import Notifier
from dutyflow.states import NotificationStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, ObligationRow
from dutyflow.store.queries import current_plan, status_lines
from tests.chasing import InterceptingTransport, notifier
from tests.conftest import at

DAY = dt.date(2025, 5, 12)


class Crash(BaseException):
    """A process dying mid-run: not an Exception, so nothing in the engine catches it."""


class CrashingTransport(InterceptingTransport):
    """Crashes on the n-th send, before or after the message leaves."""

    def __init__(self, crash_on: int, *, after_send: bool) -> None:
        super().__init__()
        self.crash_on = crash_on
        self.after_send = after_send
        self.attempts = 0

    def intercept(self, message: OutgoingMessage, send: Callable[[OutgoingMessage], DeliveryResult]) -> DeliveryResult:
        self.attempts += 1
        if self.attempts == self.crash_on and not self.after_send:
            raise Crash()
        result = send(message)
        if self.attempts == self.crash_on and self.after_send:
            raise Crash()
        return result


def run(n: Notifier, day: dt.date = DAY, hour: int = 8) -> int:
    now = at(day.isoformat(), hour)
    units = [u.code for u in n.units_to_chase(now)]
    return len(n.chase(units, day, now).sent)


def expected_messages(engine: Engine) -> int:
    """How many messages a clean run on DAY sends: the finding pass, which sends nothing."""
    n = notifier(engine, MemoryTransport())
    units = [u.code for u in n.units_to_chase(at(DAY.isoformat()))]
    count = len(n.due_notices(units, DAY).notices)
    # mini plan on 12/5: remind-5 for the 6-month report (3 units), escalation of April's list (2 communes)
    assert count == 5
    return count


def test_the_same_chase_twice_sends_once(announced: Engine) -> None:
    expected = expected_messages(announced)
    transport = MemoryTransport()
    assert run(notifier(announced, transport)) == expected
    assert run(notifier(announced, transport)) == 0
    assert run(notifier(announced, transport), hour=17) == 0
    assert len(transport.sent) == 5


def test_a_crash_between_claim_and_send_is_resent_once_with_the_claimed_message_id(announced: Engine) -> None:
    crashing = CrashingTransport(crash_on=2, after_send=False)
    with pytest.raises(Crash):
        run(notifier(announced, crashing))
    assert len(crashing.sent) == 1
    with session_scope(announced) as session:
        claimed = session.scalars(
            select(NotificationRow).where(NotificationRow.status == NotificationStatus.CLAIMED)
        ).one()
    # Within the lease a rerun leaves the unconfirmed claim alone (its worker may still be sending).
    later = MemoryTransport()
    assert run(notifier(announced, later), hour=8) == 3  # the three never claimed
    assert run(notifier(announced, later), hour=9) == 1  # lease passed: the claimed one
    resent = later.sent[-1]
    assert resent.message_id == claimed.message_id
    total = Counter((m.to[0].email, m.subject) for m in crashing.sent + later.sent)
    assert set(total.values()) == {1}, total  # nobody got the same message twice
    assert len(total) == 5
    assert run(notifier(announced, later), hour=10) == 0


def test_a_crash_while_rendering_leaves_its_claim_committed_and_resent_once(
    announced: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message is rendered while its claim commits (on PostgreSQL, on the dispatcher's helper
    thread): a crash in the render waits for that commit, so the claim is there, unsent, and the
    message before it is marked sent; a rerun past the lease sends it once, with its Message-ID."""
    real = MailRenderer.render
    renders = Counter[str]()

    def crashing(self: MailRenderer, name: str, context: Mapping[str, object]) -> tuple[str, str, str]:
        renders["all"] += 1
        if renders["all"] == 2:
            raise Crash()
        return real(self, name, context)

    monkeypatch.setattr(MailRenderer, "render", crashing)
    first = MemoryTransport()
    with pytest.raises(Crash):
        run(notifier(announced, first))
    monkeypatch.setattr(MailRenderer, "render", real)
    assert len(first.sent) == 1
    with session_scope(announced) as session:
        rows = session.scalars(select(NotificationRow).where(NotificationRow.step != "assign")).all()
    assert Counter(row.status for row in rows) == {NotificationStatus.SENT: 1, NotificationStatus.CLAIMED: 1}
    claimed = next(row for row in rows if row.status == NotificationStatus.CLAIMED)
    later = MemoryTransport()
    assert run(notifier(announced, later), hour=8) == 3  # the three never claimed
    assert run(notifier(announced, later), hour=9) == 1  # lease passed: the claimed one
    assert later.sent[-1].message_id == claimed.message_id
    total = Counter((m.to[0].email, m.subject) for m in first.sent + later.sent)
    assert set(total.values()) == {1} and len(total) == 5


def test_a_crash_between_send_and_mark_resends_with_the_same_message_id(announced: Engine) -> None:
    crashing = CrashingTransport(crash_on=1, after_send=True)
    with pytest.raises(Crash):
        run(notifier(announced, crashing))
    first = crashing.sent[0]
    later = MemoryTransport()
    run(notifier(announced, later, lease_minutes=0), hour=9)
    duplicates = [m for m in later.sent if m.message_id == first.message_id]
    assert len(duplicates) == 1  # explained: claimed but unconfirmed at the crash, same Message-ID
    assert duplicates[0].to == first.to
    assert len(later.sent) == 5
    assert run(notifier(announced, later, lease_minutes=0), hour=10) == 0


def test_the_lease_runs_on_the_real_clock_while_the_run_keeps_its_business_time(announced: Engine) -> None:
    """Every attempt of a day's run acts at 08:00 of that day; the outbox's lease is measured on
    the clock, so a rerun 20 minutes after a crash re-sends the unconfirmed message that day."""
    real = [at(DAY.isoformat(), 8) + dt.timedelta(minutes=3)]

    def clocked(transport: MemoryTransport) -> Notifier:
        return notifier(announced, transport, clock=lambda: real[0])

    crashing = CrashingTransport(crash_on=1, after_send=True)
    with pytest.raises(Crash):
        run(clocked(crashing))  # business time 08:00 on DAY, as every rerun of that day
    first = crashing.sent[0]
    with session_scope(announced) as session:
        claim = session.scalars(
            select(NotificationRow).where(NotificationRow.status == NotificationStatus.CLAIMED)
        ).one()
    assert claim.claimed_at == real[0]  # the clock, not the business time
    with session_scope(announced) as session:
        lines = status_lines(session, current_plan(session).id, DAY)
    shown = [line.problem for line in lines if line.obligation_id == claim.obligation_id]
    assert shown and "chưa xác nhận" in (shown[0] or "")  # the office sees it

    later = MemoryTransport()
    real[0] += dt.timedelta(minutes=5)
    assert run(clocked(later)) == 4  # the others; the claim may still be live
    real[0] += dt.timedelta(minutes=15)
    assert run(clocked(later)) == 1  # the same day, same business time: lease passed, re-sent
    assert later.sent[-1].message_id == first.message_id
    assert run(clocked(later)) == 0


class UnknownOnce(InterceptingTransport):
    """The server times out after the data of one message: its delivery is unknown."""

    def __init__(self, fails: Callable[[OutgoingMessage], bool]) -> None:
        super().__init__()
        self.fails = fails

    def intercept(self, message: OutgoingMessage, send: Callable[[OutgoingMessage], DeliveryResult]) -> DeliveryResult:
        if self.fails(message):
            self.fails = lambda _: False
            raise DeliveryError("timeout after DATA", transient=True, before_send=False)
        return send(message)


def test_a_claim_left_behind_by_a_later_step_does_not_hold_the_obligation(announced: Engine) -> None:
    """An unknown delivery on the last day, then the ladder moves on: the later steps go out, and
    once the ladder is done the obligation leaves the chase (it is not looked at every day)."""
    transport = UnknownOnce(lambda m: m.subject.startswith("Hôm nay là hạn cuối"))
    n = notifier(announced, transport)
    day = dt.date(2025, 5, 12)
    while day <= dt.date(2025, 6, 30):
        now = at(day.isoformat())
        n.chase([u.code for u in n.units_to_chase(now)], day, now)
        day += dt.timedelta(days=1)
    with session_scope(announced) as session:
        stuck = session.scalars(
            select(NotificationRow).where(NotificationRow.status == NotificationStatus.CLAIMED)
        ).all()
        assert len(stuck) == 1 and stuck[0].step == "due-today"  # the unknown one, replaced by later steps
        later = session.scalars(
            select(NotificationRow.step).where(
                NotificationRow.obligation_id == stuck[0].obligation_id,
                NotificationRow.status == NotificationStatus.SENT,
            )
        ).all()
        assert {"overdue-1", "overdue-3", "escalate-5"} <= set(later)
        obligation = session.get(ObligationRow, stuck[0].obligation_id)
        assert obligation is not None and obligation.next_action_at is None  # the ladder is done


def test_a_failure_before_the_send_is_retried_and_counted(announced: Engine) -> None:
    flaky = MemoryTransport(fail_before_send=1)
    n = notifier(announced, flaky)
    now = at(DAY.isoformat())
    outcome = n.chase([u.code for u in n.units_to_chase(now)], DAY, now)
    assert len(outcome.failures) == 1 and len(outcome.sent) == 4
    with session_scope(announced) as session:
        failed = session.scalars(
            select(NotificationRow).where(NotificationRow.status == NotificationStatus.FAILED)
        ).all()
        assert failed and all(row.error for row in failed)
    retry = n.chase([u.code for u in n.units_to_chase(now)], DAY, now)
    assert len(retry.sent) == 1 and not retry.failures
    assert len({m.message_id for m in flaky.sent}) == 5


def test_two_workers_running_the_same_chase_send_each_message_once(announced: Engine) -> None:
    expected = expected_messages(announced)
    transports = [MemoryTransport(), MemoryTransport()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(transport: MemoryTransport) -> None:
        try:
            n = notifier(announced, transport)
            barrier.wait()
            run(n)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in transports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    sent = transports[0].sent + transports[1].sent
    assert len(sent) == expected
    assert len({m.message_id for m in sent}) == len(sent)
