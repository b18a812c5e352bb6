"""The typed contexts of the email templates (templates/email/*.j2): one TypedDict per family.

The templates read them as mappings, so the keys are the templates' names; the types say what
each family hands its template.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from dutyflow.mail import Address
from dutyflow.messaging.records import Contact
from dutyflow.plan import Plan
from dutyflow.store.queries import LateLine


class PlanHeader(TypedDict):
    title: str
    year: int
    issuer_short_name: str
    place: str


class OfficeHeader(TypedDict):
    name: str
    email: str


class UnitHeader(TypedDict):
    code: str
    name: str
    focal_name: str
    head_name: str


class BaseContext(TypedDict):
    """What every email shows: the plan, the office, the unit, its portal link and the day."""

    plan: PlanHeader
    office: OfficeHeader
    unit: UnitHeader
    portal_url: str | None
    today: dt.date


class FormItem(TypedDict):
    code: str
    name: str
    title: str


class DutyItem(TypedDict):
    code: str
    section: str
    title: str
    text: str
    partner: bool


class AssignmentItem(TypedDict):
    deliverable_name: str
    period_label: str
    due: dt.date
    rule: str
    last_day: dt.date
    forms: list[FormItem]
    attachments_allowed: bool


class AssignmentContext(BaseContext):
    duties: list[DutyItem]
    items: list[AssignmentItem]


class ChaseItem(TypedDict):
    deliverable_name: str
    period_label: str
    last_day: dt.date
    days_left: int
    days_overdue: int
    extended_until: dt.date | None


class ChaseContext(BaseContext):
    items: list[ChaseItem]


class SubmissionDetails(TypedDict):
    deliverable_name: str
    period_label: str
    version: int
    status: str
    status_text: str
    channel_text: str
    received_at_text: str
    file_name: str | None
    sha256: str
    received: list[str]
    reasons: list[str]
    last_day: dt.date | None
    timeliness_text: str


class MailRefusedContext(BaseContext):
    problems: list[str]
    original_subject: str


class ReceiptContext(BaseContext):
    submission: SubmissionDetails


class DigestCounts(TypedDict):
    expected: int
    received: int
    overdue: int


class DigestContext(BaseContext):
    late: list[LateLine]
    """`store.queries.LateLine`s: the templates read their attributes."""
    counts: DigestCounts


class ReportDetails(TypedDict):
    title: str
    files: list[str]


class ReportContext(BaseContext):
    report: ReportDetails


class IssuedDetails(TypedDict):
    number: str
    title: str
    issued_on: dt.date
    signer: str
    addressee: str
    files: list[str]


class IssuedContext(BaseContext):
    """The issued (numbered, signed) report to one of its addressees."""

    issued: IssuedDetails


class ApprovalDetails(TypedDict):
    title: str
    state: str
    last_day: dt.date


class ApprovalContext(BaseContext):
    """The office reminded that the consolidated report is not approved yet."""

    approval: ApprovalDetails


MessageContext = (
    BaseContext
    | AssignmentContext
    | ChaseContext
    | ReceiptContext
    | MailRefusedContext
    | DigestContext
    | ReportContext
    | IssuedContext
    | ApprovalContext
)


def base_context(plan: Plan, reply_to: Address, contact: Contact, today: dt.date) -> BaseContext:
    office = plan.unit(plan.plan.office)
    header = plan.plan
    return BaseContext(
        plan=PlanHeader(
            title=header.title,
            year=header.year,
            issuer_short_name=header.issuer.short_name,
            place=header.issuer.place,
        ),
        office=OfficeHeader(name=office.name, email=reply_to.email),
        unit=UnitHeader(
            code=contact.code, name=contact.name, focal_name=contact.focal.name, head_name=contact.head.name
        ),
        portal_url=contact.portal_url,
        today=today,
    )
