"""Messages to one unit about one event: a submission's receipt (or its return), a new link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import timeliness
from dutyflow.mail import Address
from dutyflow.messages import t
from dutyflow.messaging.contexts import MailRefusedContext, ReceiptContext, SubmissionDetails, base_context
from dutyflow.messaging.draft import MessageDraft, keyed_slots
from dutyflow.messaging.records import Contact, MailReply, MailSetup, Recipient, unit_contact
from dutyflow.obligations import effective_last_day
from dutyflow.plan import Plan
from dutyflow.states import SubmissionStatus
from dutyflow.store.models import DataValueRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.outbox import Slot


class Receipts:
    def __init__(self, plan: Plan, calendar: WorkingCalendar, mail: MailSetup) -> None:
        self.plan = plan
        self.calendar = calendar
        self.mail = mail

    def receipt(
        self, session: Session, submission_id: int, today: dt.date, now: dt.datetime, reply: MailReply | None = None
    ) -> MessageDraft | None:
        """The receipt (or the "returned" message) for a submission, once per decision; with
        `reply`, to the sender of the unit's email, in its thread."""
        submission = session.get(SubmissionRow, submission_id)
        if submission is None:
            return None
        obligation = session.get(ObligationRow, submission.obligation_id)
        assert obligation is not None
        unit = obligation.unit
        contact = unit_contact(unit, self.mail.links(session, unit, now) if self.mail.links else None)
        details = self._details(session, obligation, submission, today)
        step = f"s{submission.id}-{submission.status}"
        recipients = (Recipient(reply.to if reply is not None else contact.focal, "to"),)
        return MessageDraft(
            template="returned" if submission.status == SubmissionStatus.RETURNED else "receipt",
            context=ReceiptContext(
                **base_context(self.plan, self.mail.reply_to, contact, today), submission=details
            ),
            step=step,
            unit=contact.code,
            recipients=recipients,
            slots=keyed_slots(step, recipients, unit_id=contact.id, obligation_id=submission.obligation_id),
            deliverables=(details["deliverable_name"],),
            reply=reply,
        )

    def _details(
        self, session: Session, obligation: ObligationRow, submission: SubmissionRow, today: dt.date
    ) -> SubmissionDetails:
        on_time, late_days = timeliness(obligation, submission.received_at, self.calendar)
        deadline = effective_last_day(obligation.last_day, obligation.extended_until)
        received_at = submission.received_at.astimezone(self.calendar.tz)
        return SubmissionDetails(
            deliverable_name=obligation.deliverable.name,
            period_label=obligation.period_label,
            version=submission.version,
            status=submission.status,
            status_text=t(f"intake.status.{submission.status}"),
            channel_text=t(f"intake.channel.{submission.channel}"),
            received_at_text=f"{received_at:%H:%M} ngày {received_at:%d/%m/%Y}",
            file_name=submission.file_name,
            sha256=submission.file_sha256 or "",
            received=_received_lines(session, self.plan, submission),
            reasons=list(submission.reasons),
            warnings=list(submission.warnings or []),
            last_day=deadline if submission.status == SubmissionStatus.RETURNED and deadline >= today else None,
            timeliness_text=t("intake.on_time", last_day=f"{deadline:%d/%m/%Y}")
            if on_time
            else t("intake.late", days=late_days, last_day=f"{deadline:%d/%m/%Y}"),
        )

    def new_link(
        self, session: Session, plan_id: int, unit_code: str, link: str, today: dt.date, generation_key: str
    ) -> MessageDraft:
        """A unit's new personal link, after `token reissue`."""
        unit = session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code == unit_code)).one()
        contact = unit_contact(unit, link)
        recipients = (Recipient(contact.focal, "to"),)
        step = f"link-{generation_key}"
        return MessageDraft(
            template="new_link",
            context=base_context(self.plan, self.mail.reply_to, contact, today),
            step=step,
            unit=unit_code,
            recipients=recipients,
            slots=keyed_slots(step, recipients, unit_id=contact.id),
        )


def mail_refused(
    plan: Plan,
    reply_to: Address,
    unit: UnitRow | None,
    key: str,
    problems: Sequence[str],
    subject: str,
    reply: MailReply,
    today: dt.date,
) -> MessageDraft:
    """Why the files of a unit's email could not be taken (there is no submission to acknowledge),
    to its sender, in its thread, once per email (`key`)."""
    if unit is not None:
        contact = unit_contact(unit)
    else:
        contact = Contact(id=None, code="", name="", focal=Address(reply.to.name, reply.to.email), head=Address("", ""))
    recipients = (Recipient(reply.to, "to"),)
    slot = Slot(key=f"mail:{key}:{reply.to.email.lower()}"[:255], recipient=reply.to.email, obligation_id=None, unit_id=contact.id)
    return MessageDraft(
        template="mail_refused",
        context=MailRefusedContext(
            **base_context(plan, reply_to, contact, today), problems=list(problems), original_subject=subject
        ),
        step=f"mail-{key}"[:32],
        unit=contact.code,
        recipients=recipients,
        slots=(slot,),
        reply=reply,
    )


def _received_lines(session: Session, plan: Plan, submission: SubmissionRow) -> list[str]:
    """What was received, for the receipt: cells per appendix, or the document."""
    if submission.status == SubmissionStatus.RETURNED:
        return []
    counts = dict(
        session.execute(
            select(DataValueRow.form, func.count(DataValueRow.id))
            .where(DataValueRow.submission_id == submission.id)
            .group_by(DataValueRow.form)
        ).all()
    )
    names = {f.code: f.name for f in plan.forms}
    lines = [t("intake.received_form", form=names.get(code, code), count=n) for code, n in sorted(counts.items())]
    if not lines and submission.file_name:
        lines = [t("intake.received_document", name=submission.file_name, size=max(1, (submission.size or 0) // 1024))]
    return lines
