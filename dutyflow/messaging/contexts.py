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
from dutyflow.wording import plan_wording


class PlanHeader(TypedDict):
    title: str
    year: int
    issuer_short_name: str
    place: str
    leader: str
    """The leader in charge, as the digest addresses them (`dutyflow.wording`)."""
    leader_title: str
    addressee: str
    """Who the consolidated report goes to, capitalised for "Kính gửi:"."""
    reporters: str
    office: str
    """The office as sentences name it: "chờ Văn phòng xem xét"."""


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
    last_day_off: bool
    """The last day is a weekend or holiday (a "trước ngày X" the plan keeps): the email says so."""
    forms: list[FormItem]
    attachments_allowed: bool
    reports_for: list[str]
    """Names of the closed units whose part of this report the unit owes as their successor."""


class AssignmentContext(BaseContext):
    duties: list[DutyItem]
    items: list[AssignmentItem]


class ChaseItem(TypedDict):
    deliverable_name: str
    period_label: str
    last_day: dt.date
    last_day_off: bool
    """The last day is a weekend or holiday (a "trước ngày X" the plan keeps): the email says so."""
    days_left: int
    days_overdue: int
    extended_until: dt.date | None
    reports_for: list[str]
    """Names of the closed units whose part of this report the unit owes as their successor."""


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
    warnings: list[str]
    """What rules that warn found in an accepted (or awaiting) version."""
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


class WithdrawnItem(TypedDict):
    deliverable_name: str
    period_label: str
    last_day: dt.date
    why: str
    """A `states.Withdrawal` value: "removed", "passed" or "closed"."""
    successor_name: str | None


class WithdrawalContext(BaseContext):
    items: list[WithdrawnItem]


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
    | WithdrawalContext
    | IssuedContext
    | ApprovalContext
)


def base_context(plan: Plan, reply_to: Address, contact: Contact, today: dt.date) -> BaseContext:
    """What every email shows, with the issuer and the office in force on `today`."""
    header = plan.plan
    wording = plan_wording(plan, today)
    office = plan.unit(header.office_on(today))
    issuer = header.issuer_on(today)
    return BaseContext(
        plan=PlanHeader(
            title=header.title,
            year=header.year,
            issuer_short_name=issuer.short_name,
            place=issuer.place,
            leader=wording.leader,
            leader_title=wording.leader_title,
            addressee=wording.report_addressee[:1].upper() + wording.report_addressee[1:],
            reporters=wording.reporters,
            office=wording.office,
        ),
        office=OfficeHeader(name=office.name, email=reply_to.email),
        unit=UnitHeader(
            code=contact.code, name=contact.name, focal_name=contact.focal.name, head_name=contact.head.name
        ),
        portal_url=contact.portal_url,
        today=today,
    )
