"""The consolidated report's messages: the office reminded of an unapproved report, and the issued
report to its addressees. Each is sent once: its outbox slots are keyed on the consolidated
obligation (and on the addressee), whatever run sends it. The slots name no obligation, so the
chase's counts of reminders per obligation stay the units' own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dutyflow.mail import Address, Attachment
from dutyflow.messaging.contexts import (
    ApprovalContext,
    ApprovalDetails,
    IssuedContext,
    IssuedDetails,
    base_context,
)
from dutyflow.messaging.draft import MessageDraft, keyed_slots, routed
from dutyflow.messaging.records import MailSetup, Recipient, office_contact
from dutyflow.plan import Plan

PDF = "application/pdf"


def approval_key(obligation_id: int) -> str:
    return f"approval:o{obligation_id}"


def issued_key(obligation_id: int) -> str:
    """The prefix of the issued report's outbox rows: one per addressee (`issued:o12:<email>`)."""
    return f"issued:o{obligation_id}"


def approval_reminder(
    plan: Plan, mail: MailSetup, today: dt.date, *, obligation_id: int, details: ApprovalDetails
) -> MessageDraft:
    """To the office's focal officer, copied to its head: the report still awaits approval."""
    office = office_contact(plan)
    recipients = routed([Recipient(office.focal), Recipient(office.head, "cc")])
    return MessageDraft(
        template="report_approval",
        context=ApprovalContext(**base_context(plan, mail.reply_to, office, today), approval=details),
        step="approval-reminder",
        unit=office.code,
        recipients=recipients,
        slots=keyed_slots(approval_key(obligation_id), recipients, unit_id=None),
        deliverables=(details["title"],),
    )


def issued_reports(
    plan: Plan, mail: MailSetup, today: dt.date, *, obligation_id: int, details: IssuedDetails, signed: Path
) -> list[MessageDraft]:
    """One message per addressee of `plan.report.recipients`, each with the signed PDF."""
    office = office_contact(plan)
    attachment = Attachment(signed.name, signed.read_bytes(), PDF)
    drafts = []
    for contact in plan.report.recipients:
        recipients = (Recipient(Address(contact.name, contact.email)),)
        drafts.append(
            MessageDraft(
                template="report_issued",
                context=IssuedContext(
                    **base_context(plan, mail.reply_to, office, today),
                    issued=IssuedDetails(**{**details, "addressee": contact.name}),
                ),
                step="report-issued",
                unit=office.code,
                recipients=recipients,
                slots=keyed_slots(issued_key(obligation_id), recipients, unit_id=None),
                attachments=(attachment,),
                deliverables=(details["title"],),
            )
        )
    return drafts


__all__ = ["approval_key", "approval_reminder", "issued_key", "issued_reports"]
