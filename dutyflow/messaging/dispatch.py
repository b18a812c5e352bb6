"""Claim, send, mark: the one way a message leaves (over store.outbox).

Claims are committed before their message is sent and marks are written after it was handed over;
what changes is how many commits that takes. The dispatcher works through its drafts in windows:
one transaction records the previous window's marks (and the caller's follow-up, such as announcing
the obligations whose assignment went out) and takes the next window's claims; then that window is
sent. With a window of one message, a crash leaves at most one message claimed and unsent (or sent
and unmarked), exactly as a commit per claim and per mark did, at half the commits; a larger window
trades that for fewer commits: a crash leaves up to a window of claims that are re-sent, with their
Message-IDs, once their lease has passed (docs/decisions.md 36, "Dispatch windows").

On a database server the window's transaction runs on a second thread while this one renders the
window's messages: the claims are committed before anything is sent, as before, and the time spent
waiting for the server is spent rendering (docs/decisions.md, "The dispatcher renders while the
database commits").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from contextvars import copy_context
from dataclasses import dataclass, field
from functools import partial
from itertools import islice

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dutyflow.mail import Address, DeliveryError, MailSession, OutgoingMessage, new_message_id
from dutyflow.mailin.replyto import reply_address
from dutyflow.messaging.draft import MessageDraft
from dutyflow.messaging.records import MailSetup, Outcome, SentRecord
from dutyflow.messaging.sent_copy import copy_of
from dutyflow.store.db import session_scope
from dutyflow.store.outbox import DEFAULT_LEASE, Claim, Delivered, Request, Slot, claim_in, mark_failed_in, mark_sent_in
from dutyflow.store.sent_messages import SentCopy, keep

AfterSent = Callable[[Session, Sequence[MessageDraft]], None]
"""Runs in the transaction that marks drafts sent, with those drafts (e.g. announce obligations)."""
Rendered = tuple[str, str, str]
"""A message's subject, text part and HTML part."""


@dataclass
class _Marks:
    """What was sent or failed since the last commit, to record in the next one."""

    delivered: list[Delivered] = field(default_factory=list)
    failed: list[tuple[Claim, str, bool]] = field(default_factory=list)
    sent: list[MessageDraft] = field(default_factory=list)
    copies: list[SentCopy] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.delivered or self.failed)

    def record(self, session: Session, now: dt.datetime, after_sent: AfterSent | None) -> None:
        mark_sent_in(session, self.delivered, now=now)
        keep(session, self.copies)
        for held, error, unknown in self.failed:
            mark_failed_in(session, held, error=error, delivered_unknown=unknown)
        if after_sent is not None and self.sent:
            after_sent(session, self.sent)
        self.delivered.clear()
        self.failed.clear()
        self.sent.clear()
        self.copies.clear()


def _helper(overlap: bool) -> ThreadPoolExecutor | nullcontext[None]:
    """The thread that commits a window while the next is rendered, when there is one to use."""
    return ThreadPoolExecutor(1, thread_name_prefix="dispatch-commit") if overlap else nullcontext()


def _windows(drafts: Iterable[MessageDraft], size: int) -> Iterator[list[MessageDraft]]:
    iterator = iter(drafts)
    while window := list(islice(iterator, size)):
        yield window


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        mail: MailSetup,
        plan_id: int,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """`clock` times the outbox alone (when a message is claimed, when its lease has passed);
        without one the outbox uses the run's business `now`."""
        self.engine = engine
        self.mail = mail
        self.plan_id = plan_id
        self.lease = lease
        self.clock = clock

    def outbox_time(self, now: dt.datetime) -> dt.datetime:
        return self.clock() if self.clock is not None else now

    def dispatch(
        self,
        drafts: Iterable[MessageDraft],
        now: dt.datetime,
        *,
        window: int = 1,
        after_sent: AfterSent | None = None,
    ) -> Outcome:
        """Claim, send and mark every draft over one connection, `window` claims per commit."""
        outcome = Outcome()
        marks = _Marks()
        overlap = self.engine.dialect.name != "sqlite"  # SQLite's work is this process's own
        claiming: Future[list[Claim | None]] | None = None
        with self.mail.transport.session() as connection, _helper(overlap) as helper:
            try:
                for group in _windows(drafts, window):
                    claiming = self._submit(helper, partial(self._commit, group, marks, now, after_sent))
                    rendered = [self.mail.renderer.render(draft.template, draft.context) for draft in group]
                    claims = claiming.result()  # committed: now they may leave
                    for draft, claim, message in zip(group, claims, rendered, strict=True):
                        if claim is not None:
                            self._send(connection, draft, claim, message, now, outcome, marks)
            finally:
                if claiming is not None:
                    wait([claiming])  # a render that raised leaves the helper's commit to finish first
                if marks:  # what left is recorded even when a later draft raised
                    with session_scope(self.engine) as session:
                        marks.record(session, now, after_sent)
        return outcome

    def _commit(
        self, group: Sequence[MessageDraft], marks: _Marks, now: dt.datetime, after_sent: AfterSent | None
    ) -> list[Claim | None]:
        """One transaction: the previous window's marks, and this window's claims."""
        with session_scope(self.engine) as session:
            marks.record(session, now, after_sent)
            return self._claim(session, group, now)

    @staticmethod
    def _submit(
        helper: ThreadPoolExecutor | None, work: Callable[[], list[Claim | None]]
    ) -> Future[list[Claim | None]]:
        """`work` on the helper thread (in this thread's context: a flow's logger, say), or done here
        (a finished future) without one."""
        if helper is not None:
            return helper.submit(copy_context().run, work)
        done: Future[list[Claim | None]] = Future()
        done.set_result(work())
        return done

    def _claim(self, session: Session, drafts: Sequence[MessageDraft], now: dt.datetime) -> list[Claim | None]:
        return claim_in(
            session,
            [Request(draft.slots, draft.step, draft.template) for draft in drafts],
            plan_id=self.plan_id,
            new_message_id=lambda: new_message_id(self.mail.message_domain),
            now=self.outbox_time(now),
            lease=self.lease,
        )

    def _reply_to(self, slots: Sequence[Slot]) -> Address:
        """The office's address, plus a token naming the unit (and its one obligation) when the
        message is to one unit, so its answer is identified without guessing (decision 34)."""
        units = {slot.unit_id for slot in slots}
        unit_id = units.pop() if len(units) == 1 else None
        if self.mail.reply_token is None or unit_id is None:
            return self.mail.reply_to
        obligations = {slot.obligation_id for slot in slots}
        obligation = obligations.pop() if len(obligations) == 1 else None
        token = self.mail.reply_token(unit_id, obligation)
        return Address(self.mail.reply_to.name, reply_address(self.mail.reply_to.email, token))

    def _send(
        self,
        connection: MailSession,
        draft: MessageDraft,
        held: Claim,
        rendered: Rendered,
        now: dt.datetime,
        outcome: Outcome,
        marks: _Marks,
    ) -> None:
        subject, text, html = rendered
        to, cc = draft.addressees(held.recipients)
        message = OutgoingMessage(
            message_id=held.message_id,
            sender=self.mail.sender,
            to=to,
            cc=cc,
            reply_to=self._reply_to(draft.slots),
            subject=subject,
            text=text,
            html=html,
            attachments=draft.attachments,
            date=now if self.mail.simulated_clock else None,
            in_reply_to=draft.reply.in_reply_to if draft.reply else None,
            references=draft.reply.references if draft.reply else (),
        )
        try:
            result = connection.send(message)
        except DeliveryError as exc:
            unknown = not exc.before_send
            marks.failed.append((held, str(exc), unknown))
            (outcome.unknown if unknown else outcome.failures).append(f"{draft.unit} {draft.step}: {exc}")
            return
        refused = dict(result.refused)
        marks.delivered.append(Delivered(held, subject, refused))
        marks.sent.append(draft)
        marks.copies.append(copy_of(message, now))
        outcome.sent.append(
            SentRecord(
                unit=draft.unit,
                template=draft.template,
                step=draft.step,
                recipients=held.recipients,
                message_id=held.message_id,
                subject=subject,
                deliverables=draft.deliverables,
                resent=held.resent,
                refused=refused,
            )
        )
