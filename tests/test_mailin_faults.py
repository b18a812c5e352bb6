"""Killing the email intake at random points, or dropping its IMAP connection, loses nothing and
duplicates nothing: every report is submitted once, every answer sent once, every message moved."""

from __future__ import annotations

import random
import socket
from collections import Counter

from sqlalchemy import select

from dutyflow.mailin.intake_mail import MailIntakeConfig
from dutyflow.mailin.mailbox import ImapMailbox
from dutyflow.states import NotificationStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, SubmissionRow
from tests.filling import sensible
from tests.mailin_support import FOCAL_A, FOCAL_B, NOW, OFFICE, File, Office, gmail, imap, office, outlook, thunderbird
from tests.test_mailin_corpus import OLE, XLS

__all__ = ["imap", "office"]  # fixtures


class Crash(BaseException):
    """A process dying mid-run: not an Exception, so nothing in the engine catches it."""


class Killer:
    """The intake's fault hook: at its n-th call, kills the run or drops the IMAP connection."""

    def __init__(self, box: ImapMailbox, *, at_call: int, disconnect: bool, points: Counter[str]) -> None:
        self.box, self.at_call, self.disconnect, self.points = box, at_call, disconnect, points
        self.calls, self.fired = 0, False

    def __call__(self, point: str) -> None:
        self.calls += 1
        if self.calls != self.at_call:
            return
        self.fired = True
        self.points[f"{'drop' if self.disconnect else 'kill'}@{point}"] += 1
        if not self.disconnect:
            raise Crash()
        assert self.box.box is not None
        self.box.box.client.sock.shutdown(socket.SHUT_RDWR)


def numerator_over(form: str, field) -> object:  # type: ignore[no-untyped-def]
    return 300 if field.column_label.startswith("Tử số") else sensible(form, field)


def messages(office: Office, batch: int) -> list[bytes]:
    """A good form by token, a wrong form, an old .xls, a good form by contact; and one not a report."""
    return [
        gmail(FOCAL_A, office.reply_to("xa-a", "bao-cao-6-thang"), [File("a.xlsx", office.form("xa-a"))],
              message_id=f"<tot-{batch}@xa-a>"),
        outlook("vanthu@tuphap.thunghiem.example", office.reply_to("tu-phap", "bao-cao-6-thang"),
                [File("tp.xlsx", office.form("tu-phap", fill=numerator_over))], message_id=f"<sai-{batch}@tuphap>"),
        gmail("chutich@xa-a.thunghiem.example", OFFICE.email, [File("cu.xls", OLE, XLS)],
              message_id=f"<xls-{batch}@xa-a>"),
        thunderbird(FOCAL_B, OFFICE.email, [File("b.xlsx", office.form("xa-b"))], message_id=f"<tb-{batch}@xa-b>"),
        gmail(FOCAL_B, OFFICE.email, [], subject="Hỏi về biểu mẫu", message_id=f"<hoi-{batch}@xa-b>"),
    ]


def test_ten_kills_at_random_points_lose_and_duplicate_nothing(office: Office) -> None:
    batches = 3
    for batch in range(batches):
        office.deliver(*messages(office, batch))
    rng = random.Random(20250512)
    config = MailIntakeConfig()
    kills, points = 0, Counter[str]()
    for _ in range(40):
        if kills == 10:
            break
        with office.mailbox() as box:
            killer = Killer(box, at_call=rng.randint(1, 9), disconnect=rng.random() < 0.4, points=points)
            try:
                office.intake(config, fault=killer).run(box, NOW)
            except (Crash, Exception):  # a dropped connection surfaces as any IMAP error
                kills += 1
            else:
                kills += killer.fired  # dropped after the last IMAP command: the run ended cleanly anyway
        _assert_nothing_duplicated(office, batches)
    assert kills == 10, f"only {kills} kills happened"
    office.run(NOW)  # a clean run finishes whatever the kills left
    _assert_nothing_duplicated(office, batches)
    with session_scope(office.engine) as session:
        assert len(session.scalars(select(SubmissionRow)).all()) == 3 * batches
        assert session.scalars(select(NotificationRow).where(NotificationRow.status != NotificationStatus.SENT)).all() == []
    answers = Counter(m.in_reply_to for m in office.transport.sent if m.in_reply_to)
    assert len(answers) == 4 * batches and set(answers.values()) == {1}
    assert sorted(office.folder("INBOX")) == sorted(f"<hoi-{b}@xa-b>" for b in range(batches))
    assert len(office.folder(config.processed_folder)) == 4 * batches
    assert len({p.split("@")[1] for p in points}) >= 4, points  # the kills hit several different points


def _assert_nothing_duplicated(office: Office, batches: int) -> None:
    with session_scope(office.engine) as session:
        keys = [(s.obligation_id, s.file_name) for s in session.scalars(select(SubmissionRow))]
    assert len(keys) <= 3 * batches
    answers = Counter((m.in_reply_to, m.subject) for m in office.transport.sent)
    assert all(count == 1 for count in answers.values()), answers
