"""What the office does by hand, whatever it does it from (the command line, the console): import a
report a unit handed in on paper or by e-mail, give a unit a new portal link, correct a unit's contact.

Each service works inside the caller's transaction and raises the store's refusals (`AdminError`,
`IntakeRefused`) for the adapter to show; none of them prints or sends mail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow import admin, audit
from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import parse_workbook
from dutyflow.intake import IntakeResult, Limits, WorkbookParser, check_received_year, submit_file
from dutyflow.messages import t
from dutyflow.plan.model import Contact
from dutyflow.states import ObligationState, SubmissionChannel
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, PlanRow, UnitRow, UnitTokenRow
from dutyflow.store.queries import plan_of
from dutyflow.tokens import expiry_for, issue

__all__ = [
    "ContactRole",
    "Corrected",
    "ImportRequest",
    "Reissued",
    "choose_obligation",
    "correct_contact",
    "import_report",
    "link_url",
    "reissue_token",
]


@dataclass(frozen=True)
class ImportRequest:
    """A report handed in outside the portal: whose, for what, and the file itself."""

    unit: str
    deliverable: str
    period: str | None
    data: bytes
    filename: str
    received_on: dt.date | None = None
    """The day it was received, when not today (checked against the plan's year)."""


@dataclass(frozen=True)
class Reissued:
    """A unit's new portal token and its generation (the old one no longer opens the portal)."""

    unit: str
    token: str
    generation: int


def choose_obligation(
    session: Session, plan_id: int, unit: str, deliverable: str, period: str | None = None
) -> ObligationRow:
    """The obligation a report of `unit` for `deliverable` answers: the earliest not yet accepted,
    else the last one (a correction); only those of `period` when one is named."""
    if session.scalars(select(UnitRow.id).where(UnitRow.plan_id == plan_id, UnitRow.code == unit)).first() is None:
        raise admin.AdminError(t("cli.unknown_unit", code=unit))
    found = select(DeliverableRow.id).where(DeliverableRow.plan_id == plan_id, DeliverableRow.code == deliverable)
    if session.scalars(found).first() is None:
        raise admin.AdminError(t("admin.unknown_deliverable", code=deliverable))
    query = (
        select(ObligationRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(UnitRow.code == unit, DeliverableRow.code == deliverable, ObligationRow.plan_id == plan_id)
        .order_by(ObligationRow.last_day)
    )
    if period:
        query = query.where(ObligationRow.period == period)
    obligations = session.scalars(query).all()
    if not obligations:
        which = t("import.unknown_period", period=period) if period else ""
        raise admin.AdminError(t("import.unknown_obligation", unit=unit, deliverable=deliverable, period=which))
    return next((o for o in obligations if o.state != ObligationState.ACCEPTED), obligations[-1])


def import_report(
    session: Session,
    files: FileStore,
    plan: PlanRow,
    request: ImportRequest,
    *,
    now: dt.datetime,
    actor: str,
    limits: Limits,
    parse: WorkbookParser | None = None,
) -> IntakeResult:
    """Record an imported report against the obligation it answers (see `choose_obligation`);
    `parse` reads a workbook (the portal's runs in a worker process)."""
    if request.received_on is not None:
        check_received_year(request.received_on, plan.year)
    obligation = choose_obligation(session, plan.id, request.unit, request.deliverable, request.period)
    return submit_file(
        session,
        files,
        plan_of(plan),
        obligation,
        request.data,
        request.filename,
        channel=SubmissionChannel.IMPORT,
        actor=actor,
        now=now,
        limits=limits,
        parse=parse or parse_workbook,
    )


class ContactRole(StrEnum):
    """Which of a unit's two contacts: its focal officer (the one chased) or its head."""

    FOCAL = "focal"
    HEAD = "head"


@dataclass(frozen=True)
class Corrected:
    unit: str
    role: ContactRole
    before: str
    after: str


def correct_contact(
    session: Session,
    plan_id: int,
    unit_code: str,
    role: ContactRole,
    email: str,
    *,
    name: str = "",
    reason: str = "",
    now: dt.datetime,
    actor: str,
) -> Corrected:
    """Correct a unit's focal officer's or head's address (and name) in the store, checked as the
    plan checks it, and audit the change. The plan file still holds the old address: a reload keeps
    the correction unless the file itself changes that contact (docs/decisions.md, "A console
    correction survives a reload"), and the office corrects the file too."""
    row = session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code == unit_code)).first()
    if row is None:
        raise admin.AdminError(t("cli.unknown_unit", code=unit_code))
    before_email, before_name = getattr(row, f"{role}_email"), getattr(row, f"{role}_name")
    try:
        contact = Contact.model_validate({"name": name.strip() or before_name, "email": email.strip()})
    except ValidationError:
        raise admin.AdminError(t("console_actions.bad_email", value=email)) from None
    if contact.email.lower() == before_email.lower() and contact.name == before_name:
        raise admin.AdminError(t("console_actions.same_contact", email=contact.email))
    setattr(row, f"{role}_email", contact.email)
    setattr(row, f"{role}_name", contact.name)
    detail = {"contact": role.value, "before": before_email, "after": contact.email}
    if contact.name != before_name:
        detail |= {"name_before": before_name, "name_after": contact.name}
    change = audit.AuditEvent("contact_corrected", "unit", unit_code, detail, reason.strip() or None)
    audit.write(session, change, actor=actor, at=now)
    return Corrected(unit_code, role, before_email, contact.email)


def link_url(portal_url: str, token: str) -> str:
    """The address of a unit's portal page, as its email gives it."""
    return f"{portal_url.rstrip('/')}/u/{token}"


def reissue_token(session: Session, secret: bytes, plan: PlanRow, unit: str, *, now: dt.datetime, actor: str) -> Reissued:
    """Give `unit` a new portal token (revoking the old one) valid to the end of the plan's year, and
    write it in the audit log."""
    row = session.query(UnitRow).filter_by(plan_id=plan.id, code=unit).first()
    if row is None:
        raise admin.AdminError(t("cli.unknown_unit", code=unit))
    tz = WorkingCalendar.from_config(plan_of(plan).calendar).tz
    token = issue(session, secret, plan.code, row, now=now, expires_at=expiry_for(plan.year, tz))
    generation = session.query(UnitTokenRow).filter_by(unit_id=row.id, revoked_at=None).one().generation
    admin.audit_token(session, now, actor, unit, generation)
    return Reissued(unit, token, generation)
