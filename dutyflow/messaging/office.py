"""The office's district-wide messages: the weekly digest of late units, the final report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import ChaseView, digest_due, digest_week
from dutyflow.mail import Attachment
from dutyflow.messaging.contexts import (
    DigestContext,
    DigestCounts,
    ReportContext,
    ReportDetails,
    base_context,
)
from dutyflow.messaging.draft import MessageDraft, keyed_slots, routed
from dutyflow.messaging.records import MailSetup, Recipient, leaders, office_contact
from dutyflow.obligations import State
from dutyflow.plan import Plan
from dutyflow.store.queries import digest_figures, digest_sent_in

_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
}


class OfficeMessages:
    def __init__(self, plan: Plan, calendar: WorkingCalendar, mail: MailSetup) -> None:
        self.plan = plan
        self.calendar = calendar
        self.mail = mail

    def digest(self, session: Session, plan_id: int, today: dt.date) -> MessageDraft | None:
        """This week's digest of late obligations, to the office and the leaders, when it is due."""
        week = digest_week(today)
        figures = digest_figures(session, plan_id, today)
        already = digest_sent_in(session, plan_id, week)
        views = [ChaseView(obligation_id=0, unit="", state=State.ANNOUNCED, last_day=line.last_day) for line in figures.late]
        if not digest_due(today, self.plan.chase.digest, self.plan.chase, self.calendar, views, already):
            return None
        office = office_contact(self.plan)
        recipients = routed(Recipient(a) for a in [office.focal, *leaders(self.plan)])
        counts = DigestCounts(expected=figures.expected, received=figures.received, overdue=len(figures.late))
        return MessageDraft(
            template="digest",
            context=DigestContext(
                **base_context(self.plan, self.mail.reply_to, office, today), late=figures.late, counts=counts
            ),
            step=f"digest-{week}",
            unit=office.code,
            recipients=recipients,
            slots=keyed_slots(f"digest:{plan_id}:{week}", recipients, unit_id=None),
        )

    def report(self, files: Sequence[Path], today: dt.date, *, title: str, obligation_id: int) -> MessageDraft:
        """The final district report, with its files, to the office's head and the leaders: once
        for its consolidated obligation, whatever day the run that sends it is for."""
        report_key = f"o{obligation_id}"
        office = office_contact(self.plan)
        recipients = routed(Recipient(a) for a in [office.head, *leaders(self.plan)])
        return MessageDraft(
            template="report_final",
            context=ReportContext(
                **base_context(self.plan, self.mail.reply_to, office, today),
                report=ReportDetails(title=title, files=[p.name for p in files]),
            ),
            step=f"report-{report_key}"[:32],
            unit=office.code,
            recipients=recipients,
            slots=keyed_slots(f"report:{report_key}", recipients, unit_id=None),
            attachments=tuple(Attachment(p.name, p.read_bytes(), _MIME.get(p.suffix.lower(), "application/octet-stream")) for p in files),
            deliverables=(title,),
        )
