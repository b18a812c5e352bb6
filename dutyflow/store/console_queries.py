"""The console's read queries: plain values for its pages, a few column queries each.

The audit log is filtered, sorted and paged in SQL (it only grows); the other lists are a plan's
units, obligations or messages, which the console sorts and pages itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dutyflow.completeness import ObligationFact, SubmissionFact
from dutyflow.states import NotificationStatus, ObligationState, ReportState
from dutyflow.store.chasing import deadline
from dutyflow.store.models import (
    AuditEventRow,
    DeliverableRow,
    NotificationRow,
    ObligationRow,
    ReportRow,
    ReportStepRow,
    ScheduleRow,
    SubmissionRow,
    UnitRow,
)
from dutyflow.store.obligation_columns import obligations_named

PROBLEM_STATUSES = (NotificationStatus.REFUSED, NotificationStatus.FAILED)


@dataclass(frozen=True)
class KindFact:
    """An obligation something was handed in for, as completeness reads it, with its unit's kind."""

    kind: str
    fact: ObligationFact


@dataclass(frozen=True)
class Counted:
    """The plan's obligations for completeness: how many had nothing handed in, by deliverable and
    unit kind, and the facts of the others (a province has tens of thousands of obligations, most
    of them with nothing handed in until their last days)."""

    nothing_handed_in: list[tuple[str, str, int]]
    """(deliverable code, unit kind, count)."""
    handed_in: list[KindFact]


def obligation_facts(session: Session, plan_id: int) -> Counted:
    """Counts by deliverable and unit kind of the obligations with no submission, in one GROUP BY;
    the facts, with their submissions, of the others."""
    has_submission = select(SubmissionRow.id).where(SubmissionRow.obligation_id == ObligationRow.id).exists()
    counts = session.execute(
        select(DeliverableRow.code, UnitRow.kind, func.count(ObligationRow.id))
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, ~has_submission)
        .group_by(DeliverableRow.code, UnitRow.kind)
    )
    nothing = [(code, kind, int(count)) for code, kind, count in counts]
    submissions: dict[int, list[SubmissionFact]] = {}
    rows = session.execute(
        select(SubmissionRow.obligation_id, SubmissionRow.version, SubmissionRow.status, SubmissionRow.received_at)
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .where(ObligationRow.plan_id == plan_id)
    )
    for obligation_id, version, status, received_at in rows:
        submissions.setdefault(obligation_id, []).append(SubmissionFact(version, status, received_at))
    obligations = session.execute(
        obligations_named(ObligationRow.id, UnitRow.kind).where(ObligationRow.plan_id == plan_id, has_submission)
    )
    handed = [
        KindFact(kind, ObligationFact(unit, name, d_code, d_name, period, last, ext, tuple(submissions.get(oid, ()))))
        for oid, kind, unit, name, d_code, d_name, period, last, ext in obligations
    ]
    return Counted(nothing, handed)


@dataclass(frozen=True)
class LateObligation:
    """An obligation overdue today: its unit, deliverable, period and last day (extension included)."""

    obligation_id: int
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period_label: str
    deadline: dt.date


def late_obligations(session: Session, plan_id: int, today: dt.date) -> list[LateObligation]:
    """Every obligation whose standing today is overdue (`obligations.standing`, with the stored
    state as `status_lines` reads it today): neither handed in nor accepted, its unit not paused,
    its last day (or extension) before `today`. One column query."""
    rows = session.execute(
        select(
            ObligationRow.id,
            UnitRow.code,
            UnitRow.name,
            DeliverableRow.code,
            DeliverableRow.name,
            ObligationRow.period_label,
            deadline(),
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(
            ObligationRow.plan_id == plan_id,
            ObligationRow.state.not_in([ObligationState.ACCEPTED, ObligationState.SUBMITTED]),
            UnitRow.paused.is_not(True),
            deadline() < today,
        )
    )
    return [LateObligation(*row) for row in rows]


def report_states(session: Session, obligation_ids: Sequence[int]) -> dict[int, ReportState]:
    """Per obligation with a consolidated report on its way (the office's): the report's state, its
    last step (docs/decisions.md "The office delivers once, when the report is issued")."""
    if not obligation_ids:
        return {}
    rows = session.execute(
        select(ReportStepRow.obligation_id, ReportStepRow.state)
        .where(ReportStepRow.obligation_id.in_(list(obligation_ids)))
        .order_by(ReportStepRow.id)
    )
    return {obligation_id: ReportState(state) for obligation_id, state in rows}


def latest_problems(session: Session, obligation_ids: Sequence[int]) -> dict[int, str]:
    """Per obligation: its latest refused or failed message, as "recipient: reply"."""
    out: dict[int, str] = {}
    if not obligation_ids:
        return out
    rows = session.execute(
        select(NotificationRow.obligation_id, NotificationRow.recipient, NotificationRow.error)
        .where(NotificationRow.obligation_id.in_(list(obligation_ids)), NotificationRow.status.in_(PROBLEM_STATUSES))
        .order_by(NotificationRow.claimed_at, NotificationRow.id)
    )
    for obligation_id, recipient, error in rows:
        if obligation_id is not None:
            out[obligation_id] = f"{recipient}: {error}" if error else recipient
    return out


@dataclass(frozen=True)
class DeliveryProblem:
    """A message a server refused for a recipient, or that could not be sent."""

    id: int
    unit_code: str | None
    unit_name: str | None
    template: str
    recipient: str
    status: NotificationStatus
    error: str | None
    at: dt.datetime
    message_id: str


def delivery_problems(session: Session, plan_id: int, *, unit_id: int | None = None) -> list[DeliveryProblem]:
    """Every refused or failed outbox row of the plan (of one unit), latest first."""
    query = (
        select(
            NotificationRow.id,
            UnitRow.code,
            UnitRow.name,
            NotificationRow.template,
            NotificationRow.recipient,
            NotificationRow.status,
            NotificationRow.error,
            func.coalesce(NotificationRow.sent_at, NotificationRow.claimed_at),
            NotificationRow.message_id,
        )
        .outerjoin(UnitRow, NotificationRow.unit_id == UnitRow.id)
        .where(NotificationRow.plan_id == plan_id, NotificationRow.status.in_(PROBLEM_STATUSES))
        .order_by(NotificationRow.claimed_at.desc(), NotificationRow.id.desc())
    )
    if unit_id is not None:
        query = query.where(NotificationRow.unit_id == unit_id)
    return [DeliveryProblem(*row) for row in session.execute(query)]


class UnitLine(NamedTuple):
    """A unit as the console's list shows it (a province lists 3,321: columns, not ORM objects)."""

    code: str
    name: str
    kind: str
    focal_name: str
    focal_email: str
    paused: bool


def units(session: Session, plan_id: int) -> list[UnitLine]:
    """The plan's units, in the plan's order."""
    query = select(
        UnitRow.code, UnitRow.name, UnitRow.kind, UnitRow.focal_name, UnitRow.focal_email, UnitRow.paused
    ).where(UnitRow.plan_id == plan_id)
    return [UnitLine(*row) for row in session.connection().execute(query.order_by(UnitRow.id))]


def unit_by_code(session: Session, plan_id: int, code: str) -> UnitRow | None:
    row = session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code == code)).first()
    if row is not None:
        session.expunge(row)
    return row


@dataclass(frozen=True)
class SentLine:
    """One outbox row of a unit's: a message to one recipient, and what became of it."""

    id: int
    message_id: str
    template: str
    step: str
    recipient: str
    status: NotificationStatus
    subject: str | None
    claimed_at: dt.datetime
    sent_at: dt.datetime | None
    error: str | None


def unit_messages(session: Session, unit_id: int) -> list[SentLine]:
    """Every outbox row addressed for the unit, latest first."""
    rows = session.execute(
        select(
            NotificationRow.id,
            NotificationRow.message_id,
            NotificationRow.template,
            NotificationRow.step,
            NotificationRow.recipient,
            NotificationRow.status,
            NotificationRow.subject,
            NotificationRow.claimed_at,
            NotificationRow.sent_at,
            NotificationRow.error,
        )
        .where(NotificationRow.unit_id == unit_id)
        .order_by(NotificationRow.claimed_at.desc(), NotificationRow.id.desc())
    )
    return [
        SentLine(row_id, message_id, template, step, recipient, status, subject, claimed_at, sent_at, error)
        for row_id, message_id, template, step, recipient, status, subject, claimed_at, sent_at, error in rows
    ]


def outbox_row(session: Session, row_id: int) -> NotificationRow | None:
    row = session.get(NotificationRow, row_id)
    if row is not None:
        session.expunge(row)
    return row


def recipients_of(session: Session, message_id: str) -> list[tuple[str, NotificationStatus, str | None]]:
    """Each recipient of a message, with its delivery result (once, though the outbox holds a row
    per obligation the message covers)."""
    rows = session.execute(
        select(NotificationRow.recipient, NotificationRow.status, NotificationRow.error)
        .where(NotificationRow.message_id == message_id)
        .distinct()
        .order_by(NotificationRow.recipient)
    )
    return [(recipient, status, error) for recipient, status, error in rows]


@dataclass(frozen=True)
class SubmissionLine:
    id: int
    deliverable_name: str
    period_label: str
    version: int
    channel: str
    received_at: dt.datetime
    submitted_by: str | None
    status: str
    reasons: list[Any]
    has_file: bool
    file_name: str | None
    size: int | None
    decided_at: dt.datetime | None
    decided_by: str | None


def unit_submissions(session: Session, unit_id: int) -> list[SubmissionLine]:
    """Every version the unit handed in, latest first."""
    rows = session.execute(
        select(
            SubmissionRow.id,
            DeliverableRow.name,
            ObligationRow.period_label,
            SubmissionRow.version,
            SubmissionRow.channel,
            SubmissionRow.received_at,
            SubmissionRow.submitted_by,
            SubmissionRow.status,
            SubmissionRow.reasons,
            SubmissionRow.file_sha256,
            SubmissionRow.file_name,
            SubmissionRow.size,
            SubmissionRow.decided_at,
            SubmissionRow.decided_by,
        )
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.unit_id == unit_id)
        .order_by(SubmissionRow.received_at.desc(), SubmissionRow.id.desc())
    )
    return [
        SubmissionLine(
            sid,
            d_name,
            label,
            version,
            channel,
            received,
            by,
            status,
            list(reasons or []),
            bool(sha),
            name,
            size,
            decided,
            decided_by,
        )
        for sid, d_name, label, version, channel, received, by, status, reasons, sha, name, size, decided, decided_by in rows
    ]


# --------------------------------------------------------------------------- the audit log


@dataclass(frozen=True)
class AuditFilter:
    """Which audit rows to show: by person, by unit (its own rows and its obligations'), by kind
    of change, and from/to an instant (`until` excluded)."""

    actor: str = ""
    unit: str = ""
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


AUDIT_ORDER = {
    "at": AuditEventRow.at,
    "actor": AuditEventRow.actor,
    "action": AuditEventRow.action,
    "code": AuditEventRow.code,
}


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _audit_where(chosen: AuditFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if chosen.actor:
        where.append(AuditEventRow.actor == chosen.actor)
    if chosen.unit:
        prefix = _like_escaped(chosen.unit) + "/%"
        where.append(or_(AuditEventRow.code == chosen.unit, AuditEventRow.code.like(prefix, escape="\\")))
    if chosen.action:
        where.append(AuditEventRow.action == chosen.action)
    if chosen.since is not None:
        where.append(AuditEventRow.at >= chosen.since)
    if chosen.until is not None:
        where.append(AuditEventRow.at < chosen.until)
    return where


def audit_count(session: Session, chosen: AuditFilter) -> int:
    return int(session.scalar(select(func.count(AuditEventRow.id)).where(*_audit_where(chosen))) or 0)


def audit_rows(
    session: Session, chosen: AuditFilter, *, order: str, descending: bool, offset: int = 0, limit: int | None = None
) -> list[AuditEventRow]:
    """The audit rows `chosen` selects, by `order` (a key of AUDIT_ORDER), then by time and id."""
    column = AUDIT_ORDER[order]
    query = select(AuditEventRow).where(*_audit_where(chosen))
    ordering = [column.desc() if descending else column.asc()]
    tie = [AuditEventRow.at.desc(), AuditEventRow.id.desc()] if descending else [AuditEventRow.at, AuditEventRow.id]
    query = query.order_by(*ordering, *tie).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    rows = list(session.scalars(query))
    session.expunge_all()
    return rows


def audit_choices(session: Session) -> tuple[list[str], list[str]]:
    """Every person and every kind of change the audit log names, for its filters."""
    actors = list(session.scalars(select(AuditEventRow.actor).distinct().order_by(AuditEventRow.actor)))
    actions = list(session.scalars(select(AuditEventRow.action).distinct().order_by(AuditEventRow.action)))
    return actors, actions


# --------------------------------------------------------------------------- reports, schedules


def reports(session: Session, plan_id: int) -> list[ReportRow]:
    rows = list(
        session.scalars(
            select(ReportRow)
            .where(ReportRow.plan_id == plan_id)
            .order_by(ReportRow.made_at.desc(), ReportRow.id.desc())
        )
    )
    session.expunge_all()
    return rows


def report(session: Session, plan_id: int, report_id: int) -> ReportRow | None:
    row = session.get(ReportRow, report_id)
    if row is None or row.plan_id != plan_id:
        return None
    session.expunge(row)
    return row


def stored_schedules(session: Session) -> dict[str, tuple[str, str, bool]]:
    """Each flow's stored schedule: cron, timezone, active (flows never stored keep their default)."""
    return {row.flow: (row.cron, row.timezone, row.active) for row in session.scalars(select(ScheduleRow))}


def deliverable_names(session: Session, plan_id: int) -> Sequence[tuple[str, str]]:
    rows = session.execute(
        select(DeliverableRow.code, DeliverableRow.name)
        .where(DeliverableRow.plan_id == plan_id)
        .order_by(DeliverableRow.id)
    )
    return [(code, name) for code, name in rows]
