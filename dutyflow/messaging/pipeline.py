"""The message pipeline's front: what the flows, tasks, portal and CLI call.

Each method reads what it needs, has a message family draft the messages, and hands the drafts
to the dispatcher, which claims, sends and marks them. Knows nothing of Prefect. Every method
takes `today` (the plan's local date) and `now` (an aware instant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, or_, select

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import CHASED_STATES
from dutyflow.messages import t
from dutyflow.messaging.approval import approval_reminder, issued_reports
from dutyflow.messaging.assignment import WINDOW, Assignments
from dutyflow.messaging.contexts import ApprovalDetails, IssuedDetails
from dutyflow.messaging.dispatch import Dispatcher
from dutyflow.messaging.office import OfficeMessages
from dutyflow.messaging.receipts import Receipts, mail_refused
from dutyflow.messaging.records import MailReply, MailSetup, Outcome, UnitRef
from dutyflow.messaging.reminders import DuePlan, Reminders
from dutyflow.messaging.withdrawals import Withdrawals
from dutyflow.obligations import State, effective_last_day
from dutyflow.report.data import consolidated_deliverable, document_title
from dutyflow.report_lifecycle import approval_reminder_due
from dutyflow.states import ReportState
from dutyflow.store.chasing import Scope
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from dutyflow.store.outbox import DEFAULT_LEASE
from dutyflow.store.queries import current_state, loaded_plan, office_obligation

if TYPE_CHECKING:  # the approval package signs and renders; the pipeline only carries its details
    from dutyflow.approval import IssueDetails


class Notifier:
    def __init__(
        self,
        engine: Engine,
        mail: MailSetup,
        *,
        plan_code: str | None = None,
        lease: dt.timedelta = DEFAULT_LEASE,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """`clock` times the outbox alone: when a message is claimed and when its claim's lease has
        passed. A run acts at its business `now` (08:00 of the day it is for, the same instant for
        every attempt and rerun of that day), so the lease must be measured on a real clock, or an
        unconfirmed claim would wait for the next day's run. Without one (tests, simulations that
        move `now` themselves), the outbox uses `now`."""
        self.engine = engine
        self.mail = mail
        self.lease = lease
        self.clock = clock
        with session_scope(engine) as session:
            loaded = loaded_plan(session, plan_code)
        self.plan_id = loaded.id
        self.plan = loaded.plan
        self.calendar = WorkingCalendar.from_config(self.plan.calendar)
        self.dispatcher = Dispatcher(engine, mail, self.plan_id, lease=lease, clock=clock)
        self.assignments = Assignments(self.plan, self.calendar, mail)
        self.reminders = Reminders(self.plan, self.calendar, mail)
        self.receipts = Receipts(self.plan, self.calendar, mail)
        self.office = OfficeMessages(self.plan, self.calendar, mail)
        self.withdrawals = Withdrawals(self.plan, mail)

    # ------------------------------------------------------------------ who needs a run

    def units_to_assign(self, today: dt.date) -> list[UnitRef]:
        """Units open on `today` that owe something they have not been told of; a unit that opens
        later is assigned on the day it opens (see decisions.md, "A unit is told when it exists")."""
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(UnitRow.code, UnitRow.name)
                .join(ObligationRow, ObligationRow.unit_id == UnitRow.id)
                .where(ObligationRow.plan_id == self.plan_id, ObligationRow.state == State.PENDING)
                .where(UnitRow.paused.is_(False))
                .where(or_(UnitRow.opens.is_(None), UnitRow.opens <= today))
                .where(or_(UnitRow.closes.is_(None), UnitRow.closes > today))
                .group_by(UnitRow.id, UnitRow.code, UnitRow.name)
                .order_by(UnitRow.id)
            )
            return [UnitRef(code, name) for code, name in rows]

    def units_to_chase(self, now: dt.datetime) -> list[UnitRef]:
        """Units with an obligation whose next action has come: one indexed query."""
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(UnitRow.code, UnitRow.name)
                .join(ObligationRow, ObligationRow.unit_id == UnitRow.id)
                .where(
                    ObligationRow.plan_id == self.plan_id,
                    ObligationRow.state.in_([s.value for s in CHASED_STATES]),
                    ObligationRow.next_action_at <= now,
                    UnitRow.paused.is_(False),
                )
                .group_by(UnitRow.id, UnitRow.code, UnitRow.name)
                .order_by(UnitRow.id)
            )
            return [UnitRef(code, name) for code, name in rows]

    # ------------------------------------------------------------------ the messages

    def assign(self, unit_codes: Sequence[str], today: dt.date, now: dt.datetime) -> Outcome:
        """Each unit's assignment; its obligations are announced as it is marked sent."""
        with session_scope(self.engine) as session:
            drafts = self.assignments.drafts(session, self.plan_id, unit_codes, today, now)
        return self.dispatcher.dispatch(drafts, now, window=WINDOW, after_sent=self.assignments.announce)

    def chase(self, unit_codes: Sequence[str], today: dt.date, now: dt.datetime) -> Outcome:
        """Send every step due today to these units (one connection), then reschedule them."""
        due = self.due_notices(unit_codes, today, now)
        outcome = Outcome()
        if due.notices:
            with session_scope(self.engine) as session:
                drafts = self.reminders.drafts(session, self.plan_id, due, today, now)
            outcome = self.dispatcher.dispatch(drafts, now)
        self.reschedule(unit_codes, today, now)
        return outcome

    def reschedule(self, unit_codes: Sequence[str] | None, today: dt.date, now: dt.datetime) -> None:
        """Move each chased obligation of these units (None: all) whose due step was taken to the
        day of its next step, or none."""
        with session_scope(self.engine) as session:
            self.reminders.reschedule(session, self._scope(unit_codes, now), today)

    def due_notices(self, unit_codes: Sequence[str] | None, today: dt.date, now: dt.datetime | None = None) -> DuePlan:
        """The finding pass: every message due today, for these units or (None) for all. Sends nothing."""
        with session_scope(self.engine) as session:
            return self.reminders.due_notices(session, self._scope(unit_codes, now), today)

    def acknowledge(
        self, submission_id: int, today: dt.date, now: dt.datetime, *, reply: MailReply | None = None
    ) -> Outcome:
        """The receipt (or the "returned" message) for a submission, once per decision; with
        `reply`, to the sender of the unit's email, in its thread."""
        with session_scope(self.engine) as session:
            draft = self.receipts.receipt(session, submission_id, today, now, reply)
        return self.dispatcher.dispatch([draft], now) if draft is not None else Outcome()

    def answer_mail(
        self,
        key: str,
        unit_code: str | None,
        problems: Sequence[str],
        subject: str,
        reply: MailReply,
        today: dt.date,
        now: dt.datetime,
    ) -> Outcome:
        """Why files of a unit's email could not be taken (no submission to acknowledge), once."""
        with session_scope(self.engine) as session:
            unit = None
            if unit_code:
                query = select(UnitRow).where(UnitRow.plan_id == self.plan_id, UnitRow.code == unit_code)
                unit = session.scalars(query).one()
            draft = mail_refused(self.plan, self.mail.reply_to, unit, key, problems, subject, reply, today)
        return self.dispatcher.dispatch([draft], now)

    def send_link(self, unit_code: str, link: str, today: dt.date, now: dt.datetime, generation_key: str) -> Outcome:
        """A unit's new personal link, after `token reissue`."""
        with session_scope(self.engine) as session:
            draft = self.receipts.new_link(session, self.plan_id, unit_code, link, today, generation_key)
        return self.dispatcher.dispatch([draft], now)

    def resend_refused(self, unit_code: str, today: dt.date, now: dt.datetime) -> Outcome:
        """After the office corrected a unit's address: the chase's messages of the current round the
        server refused for the old address, drafted again for today and sent to the new one, once."""
        with session_scope(self.engine) as session:
            due = self.reminders.refused(session, self.plan_id, unit_code)
            drafts = self.reminders.drafts(session, self.plan_id, due, today, now) if due.notices else []
        return self.dispatcher.dispatch(drafts, now) if drafts else Outcome()

    def send_report(
        self, files: Sequence[Path], today: dt.date, now: dt.datetime, *, title: str, obligation_id: int
    ) -> Outcome:
        """The final district report, with its files, to the office's head and the leaders: once
        for its consolidated obligation, whatever day the run that sends it is for."""
        draft = self.office.report(files, today, title=title, obligation_id=obligation_id)
        return self.dispatcher.dispatch([draft], now)

    def withdrawal_notices(self, today: dt.date, now: dt.datetime) -> Outcome:
        """Tell each unit, in one message, of the obligations withdrawn from it since it was told of
        them; once per obligation."""
        with session_scope(self.engine) as session:
            drafts = self.withdrawals.drafts(session, self.plan_id, today)
        return self.dispatcher.dispatch(drafts, now) if drafts else Outcome()

    def send_issued(
        self, obligation_id: int, signed: Path, details: IssueDetails, today: dt.date, now: dt.datetime
    ) -> Outcome:
        """The issued report, with its signed PDF, to each of the plan's report recipients once."""
        drafts = issued_reports(
            self.plan,
            self.mail,
            today,
            obligation_id=obligation_id,
            details=IssuedDetails(**details, addressee=""),
            signed=signed,
        )
        return self.dispatcher.dispatch(drafts, now)

    def approval_reminder(self, today: dt.date, now: dt.datetime) -> Outcome:
        """The office reminded, once, that the consolidated report is not approved two working days
        before its last day (`report_lifecycle.approval_reminder_due`)."""
        with session_scope(self.engine) as session:
            obligation = office_obligation(session, self.plan_id, self.plan)
            if obligation is None:
                return Outcome()
            state = current_state(session, obligation.id)
            last_day = effective_last_day(obligation.last_day, obligation.extended_until)
            obligation_id = obligation.id
        if not approval_reminder_due(state, today, last_day, self.calendar):
            return Outcome()
        details = ApprovalDetails(
            title=document_title(self.plan, consolidated_deliverable(self.plan)),
            state=t(f"approval.state.{(state or ReportState.DRAFT).value}"),
            last_day=last_day,
        )
        draft = approval_reminder(self.plan, self.mail, today, obligation_id=obligation_id, details=details)
        return self.dispatcher.dispatch([draft], now)

    def digest(self, today: dt.date, now: dt.datetime) -> Outcome:
        """The weekly digest of late obligations, when it is due and not yet sent this week."""
        with session_scope(self.engine) as session:
            draft = self.office.digest(session, self.plan_id, today)
        return self.dispatcher.dispatch([draft], now) if draft is not None else Outcome()

    def _scope(self, unit_codes: Sequence[str] | None, now: dt.datetime | None) -> Scope:
        stale_before = self.dispatcher.outbox_time(now) - self.lease if now is not None else None
        return Scope(self.plan_id, now, unit_codes, stale_before)
