"""Reports by email: read the office's mailbox, take each report through the portal's intake, answer
the unit in its thread, move the message. Safe to run again at any point.

For each message: if the store knows its key, only what is still owed for it is done (answers,
then the move); otherwise its record and its submissions are written in one transaction (a crash
leaves neither), then it is answered through the outbox (each answer claimed once), then moved.
So a disconnect or a crash anywhere re-reads the message later and neither loses nor repeats it.
Messages that are not reports (the office's own, automatic ones, no file, nobody we know) are
recorded and left where they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from dutyflow.intake import IntakeRefused, Limits, submit_file
from dutyflow.mail import Address
from dutyflow.mailin import ledger
from dutyflow.mailin.identify import Directory, ObligationEntry, UnitEntry, identify
from dutyflow.mailin.mailbox import Mailbox
from dutyflow.mailin.parse import Inbound, key_of, parse_message
from dutyflow.mailin.replyto import token_in
from dutyflow.messages import t
from dutyflow.notify import MailReply, Notifier, Outcome
from dutyflow.states import SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, InboundMailRow, ObligationRow, UnitRow

Fault = Callable[[str], None]
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailIntakeConfig:
    processed_folder: str = "dutyflow-da-xu-ly"
    review_folder: str = "dutyflow-can-xem-xet"
    max_per_sender_per_day: int = 20
    lookback_days: int = 30
    limits: Limits = field(default_factory=Limits)


@dataclass
class MailRun:
    """What one pass did, for the flow's artifact and the CLI."""

    read: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    submissions: list[int] = field(default_factory=list)
    answers: Outcome = field(default_factory=Outcome)
    moved: int = 0


class MailIntake:
    def __init__(
        self,
        engine: Engine,
        files: FileStore,
        notifier: Notifier,
        secret: bytes,
        config: MailIntakeConfig = MailIntakeConfig(),
        *,
        office_addresses: frozenset[str] = frozenset(),
        fault: Fault | None = None,
    ) -> None:
        self.engine = engine
        self.files = files
        self.notifier = notifier
        self.secret = secret
        self.config = config
        self.office_addresses = office_addresses
        self.fault = fault or (lambda point: None)

    def run(self, mailbox: Mailbox, now: dt.datetime) -> MailRun:
        today = self.notifier.calendar.local_date(now)
        directory = self.directory()
        report = MailRun()
        for listed in mailbox.messages(today - dt.timedelta(days=self.config.lookback_days)):
            report.read += 1
            key = key_of(listed.headers)
            row = self._known(key) if key else None
            if row is None:  # new, or keyed by its content: read it whole
                message = parse_message(mailbox.raw(listed.uid))
                self.fault("read")
                row = self._known(message.key) or self._process_or_park(message, directory, now, report)
            self.fault("recorded")
            self._finish(row, listed.uid, mailbox, today, now, report)
        return report

    def directory(self) -> Directory:
        plan = self.notifier.plan
        with session_scope(self.engine) as session:
            units = tuple(
                UnitEntry(u.id, u.code, u.name, frozenset({u.focal_email.lower(), u.head_email.lower()}))
                for u in session.scalars(select(UnitRow).where(UnitRow.plan_id == self.notifier.plan_id))
            )
            obligations = tuple(
                ObligationEntry(o_id, unit_id, code, period)
                for o_id, unit_id, code, period in session.execute(
                    select(ObligationRow.id, ObligationRow.unit_id, DeliverableRow.code, ObligationRow.period)
                    .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                    .where(ObligationRow.plan_id == self.notifier.plan_id)
                )
            )
        office = plan.unit(plan.plan.office)
        own = {office.focal.email, office.head.email, self.notifier.mail.sender.email, self.notifier.mail.reply_to.email}
        own |= set(self.office_addresses)
        # The office's own units answer nothing automatically: its contacts are not reporting units.
        units = tuple(u for u in units if u.code != office.code)
        return Directory(plan.plan.code, units, obligations, frozenset(a.lower() for a in own))

    # ------------------------------------------------------------------ steps

    def _known(self, key: str) -> InboundMailRow | None:
        with session_scope(self.engine) as session:
            return ledger.find(session, key)

    def _process_or_park(
        self, message: Inbound, directory: Directory, now: dt.datetime, report: MailRun
    ) -> InboundMailRow:
        """A message the intake fails on (a file no reader expected) goes to the review folder with
        the error, instead of stopping every later message; the store's own failures propagate
        (the run is retried and nothing was written)."""
        try:
            return self._process(message, directory, now, report)
        except SQLAlchemyError:
            raise
        except Exception as error:  # one poisonous message must not block the mailbox
            logger.exception("email %s could not be processed", message.key)
            with session_scope(self.engine) as session:
                row = _row(message, now)
                row.outcome, row.destination = ledger.REVIEW, self.config.review_folder
                row.reason = t("mailin.review.error", error=type(error).__name__)
                ledger.record(session, row)
                found = ledger.find(session, message.key)
                assert found is not None
                report.outcomes[found.outcome] = report.outcomes.get(found.outcome, 0) + 1
                return found

    def _process(self, message: Inbound, directory: Directory, now: dt.datetime, report: MailRun) -> InboundMailRow:
        """Record the message and make its submissions, in one transaction."""
        with session_scope(self.engine) as session:
            inserted = ledger.record(session, _row(message, now))
            row = ledger.find(session, message.key)
            assert row is not None
            if not inserted:
                return row  # another worker (or an earlier run) has it
            self._decide(session, row, message, directory, now)
            report.outcomes[row.outcome] = report.outcomes.get(row.outcome, 0) + 1
            report.submissions.extend(row.submission_ids)
            self.fault("submitted")  # inside the transaction: a crash here leaves nothing behind
            session.flush()
            return row

    def _decide(
        self, session: Session, row: InboundMailRow, message: Inbound, directory: Directory, now: dt.datetime
    ) -> None:
        if not message.sender or message.sender in directory.office:
            row.outcome = ledger.OWN
            return
        if message.automatic:
            row.outcome = ledger.AUTOMATIC
            return
        if not message.files and not message.unreadable:
            row.outcome = ledger.IGNORED
            return
        found = identify(message, directory, token_in(self.secret, directory.plan_code, message.recipients))
        if not found.is_report:
            row.outcome = ledger.IGNORED
            return
        row.unit_id = found.unit.id if found.unit else None
        if ledger.sent_today(session, message.sender, now) >= self.config.max_per_sender_per_day:
            row.outcome, row.destination = ledger.FLOOD, self.config.review_folder
            row.reason = t("mailin.review.flood", limit=self.config.max_per_sender_per_day)
            return
        submissions: list[int] = []
        problems = list(found.problems)
        for routed in found.routed:
            obligation = session.get(ObligationRow, routed.obligation_id)
            assert obligation is not None
            try:
                result = submit_file(
                    session,
                    self.files,
                    self.notifier.plan,
                    obligation,
                    routed.file.content,
                    routed.file.filename,
                    channel=SubmissionChannel.EMAIL,
                    actor=f"email:{message.sender}"[:128],
                    now=now,
                    limits=self.config.limits,
                )
            except IntakeRefused as refused:
                problems.append(t("mailin.file_refused", file=routed.file.filename, reason=str(refused)))
                continue
            submissions.append(result.submission_id)
        row.submission_ids, row.problems = submissions, problems
        if found.review:
            row.outcome, row.destination, row.reason = ledger.REVIEW, self.config.review_folder, "\n".join(found.review)
        else:
            row.outcome = ledger.SUBMITTED if submissions else ledger.ANSWERED
            row.destination = self.config.processed_folder

    def _finish(
        self, row: InboundMailRow, uid: str, mailbox: Mailbox, today: dt.date, now: dt.datetime, report: MailRun
    ) -> None:
        """What is still owed for a recorded message: its answers, then its move. Each repeatable."""
        owed = row.answered_at is None and bool(row.submission_ids or row.problems)
        if owed and self._answer(row, today, now, report):
            self._mark(row.key, answered_at=now)
            self.fault("answered")
        if row.destination and row.moved_at is None:
            mailbox.move(uid, row.destination)
            report.moved += 1
            self.fault("moved")
            self._mark(row.key, moved_at=now)

    def _answer(self, row: InboundMailRow, today: dt.date, now: dt.datetime, report: MailRun) -> bool:
        """Send every answer owed (the outbox keeps each to once); True when all went out."""
        try:
            to = Address(" ".join(row.sender_name.split()), row.sender)
        except ValueError:
            return True  # a sender we cannot write to (a malformed address): nothing to send
        references = tuple(row.references)
        reply = MailReply(to=to, in_reply_to=row.message_id, references=references)
        outcome = Outcome()
        for submission_id in row.submission_ids:
            outcome.merge(self.notifier.acknowledge(submission_id, today, now, reply=reply))
            self.fault("acknowledged")
        if row.problems:
            unit_code = self._unit_code(row.unit_id)
            key = hashlib.sha256(row.key.encode()).hexdigest()[:24]
            outcome.merge(self.notifier.answer_mail(key, unit_code, row.problems, row.subject, reply, today, now))
        report.answers.merge(outcome)
        return not outcome.failures and not outcome.unknown

    def _unit_code(self, unit_id: int | None) -> str | None:
        if unit_id is None:
            return None
        with session_scope(self.engine) as session:
            unit = session.get(UnitRow, unit_id)
            return unit.code if unit else None

    def _mark(self, key: str, **values: dt.datetime) -> None:
        with session_scope(self.engine) as session:
            row = ledger.find(session, key)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)


def _row(message: Inbound, now: dt.datetime) -> InboundMailRow:
    references = [r for r in message.references if len(r) <= 250]
    return InboundMailRow(
        key=message.key,
        message_id=message.message_id if message.message_id and len(message.message_id) <= 250 else None,
        sender=message.sender[:254],
        sender_name=message.sender_name,
        subject=message.subject,
        references=references,
        processed_at=now,
        outcome=ledger.IGNORED,
        reason=None,
        unit_id=None,
        submission_ids=[],
        problems=[],
        destination=None,
        answered_at=None,
        moved_at=None,
        reviewed_at=None,
    )


__all__ = ["MailIntake", "MailIntakeConfig", "MailRun"]
