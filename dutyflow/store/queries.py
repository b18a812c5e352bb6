"""Read-side queries that return plain values for the CLI, the portal and the flows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, case, func, or_, select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import CHASED_STATES
from dutyflow.history import Submitted, handed_in, state_then, value_then
from dutyflow.messages import t
from dutyflow.obligations import DUE_SOON_DAYS, Standing, State, effective_last_day, standing
from dutyflow.plan import CalendarConfig, Plan
from dutyflow.report.data import consolidated_deliverable
from dutyflow.states import NotificationStatus, ReportState
from dutyflow.store.chasing import deadline
from dutyflow.store.models import (
    AuditEventRow,
    DeliverableRow,
    NotificationRow,
    ObligationRow,
    PlanRow,
    ReportStepRow,
    SubmissionRow,
    UnitRow,
)
from dutyflow.store.outbox import FAILED

QUIET = frozenset({Standing.ACCEPTED, Standing.ON_TRACK, Standing.NOT_YET, Standing.WITHDRAWN})
"""Standings that need nobody's attention."""

# SQLAlchemy types the first ten columns of a select; the others (deliverable name and id, when
# the state last changed) are Any.
_ObligationRow = Row[int, str, dt.date, dt.date | None, str, str, str, str, bool, str, *tuple[Any, ...]]


class NoPlanLoaded(LookupError):
    pass


@dataclass(frozen=True)
class StatusLine:
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period: str
    period_label: str
    last_day: dt.date
    extended_until: dt.date | None
    state: State
    standing: Standing
    days_left: int
    obligation_id: int = 0
    last_notice: str | None = None
    """The latest message delivered for it: "<step> dd/mm/yyyy"."""
    problem: str | None = None
    """The latest delivery problem (refused recipient, failed or unconfirmed send), if any."""
    submitted_at: dt.datetime | None = None
    """When the report that counts was received (accepted or awaiting the office), if any."""
    report_state: ReportState | None = None
    """The office's obligation: its consolidated report's state while it is on its way (made, not
    yet delivered by its issue); None otherwise."""


PlanStamp = tuple[int, str, dt.datetime]
"""What identifies the plan the store holds now: its row's id, its file's SHA-256 and when it was
loaded (a reload of the same plan keeps the id; a changed document changes the other two)."""


def plan_stamp(db: Session | Connection) -> PlanStamp | None:
    """The stamp of the plan loaded most recently, in one read of three columns (the
    document is not read): what a long-running process compares to follow the store's plan. On a
    bare connection it costs a request 0.2–0.5 ms on SQLite and 0.7–1.2 ms on PostgreSQL (a
    2-core machine under a load of 6; an ORM session about doubles it)."""
    row = db.execute(
        select(PlanRow.id, PlanRow.sha256, PlanRow.loaded_at)
        .order_by(PlanRow.loaded_at.desc(), PlanRow.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1], row[2]) if row is not None else None


def current_plan(session: Session, code: str | None = None) -> PlanRow:
    """The plan named `code`, or the one loaded most recently."""
    query = select(PlanRow)
    query = query.where(PlanRow.code == code) if code else query.order_by(PlanRow.loaded_at.desc(), PlanRow.id.desc())
    plan = session.scalars(query.limit(1)).first()
    if plan is None:
        raise NoPlanLoaded(code or "")
    return plan


def status_lines(
    session: Session,
    plan_id: int,
    today: dt.date,
    *,
    unit: str | None = None,
    deliverable: str | None = None,
    needing_attention: bool = False,
    history_until: dt.datetime | None = None,
    obligation_ids: Collection[int] | None = None,
) -> list[StatusLine]:
    """Every obligation of the plan (of `unit`, of `deliverable`) and where it stands on `today`.

    `history_until`: show only what had happened before that instant (messages, submissions and
    decisions, extensions, pauses), as `dutyflow.history` rebuilds it; None: the store as it is.
    `needing_attention` leaves out, in the query, what can only be accepted or on track: accepted
    reports, and obligations not submitted, returned nor paused whose last day is more than
    DUE_SOON_DAYS away. `obligation_ids`: those obligations only (a page of the status list, `store.standing_query`). A few
    queries, columns only: no ORM object per obligation.
    """
    where = _status_filter(plan_id, today, unit, deliverable, needing_attention and history_until is None)
    if obligation_ids is not None:
        where.append(ObligationRow.id.in_(list(obligation_ids)))
    rows = _obligation_rows(session, where)
    notices = _last_notices(session, where, history_until)
    submissions = _submissions(session, where)
    review = _needs_review(session, plan_id)
    reports = _reports_on_their_way(session, plan_id, history_until)
    history = _AuditedChanges(session) if history_until is not None else None
    lines = []
    for row in rows:
        (
            oid,
            state_value,
            last_day,
            extended_until,
            period,
            period_label,
            code,
            name,
            paused,
            d_code,
            d_name,
            d_id,
            changed,
        ) = row
        last_notice, problem = notices.get(oid, (None, None))
        mine = submissions.get(oid, [])
        needs_review = review.get(d_id, False)
        state = state_then(
            State(state_value),
            mine,
            history_until,
            needs_review=needs_review,
            announced=last_notice is not None,
            changed_at=changed,
        )
        if history is not None:
            extended_until = history.extension(f"{code}/{d_code}/{period}", extended_until, history_until)
            paused = history.pause(code, paused, history_until)
        kind, days_left = standing(state, last_day, today, extended_until=extended_until, paused=paused)
        if needing_attention and kind in QUIET:
            continue  # the query keeps a superset; the standing decides
        lines.append(
            StatusLine(
                unit=code,
                unit_name=name,
                deliverable=d_code,
                deliverable_name=d_name,
                period=period,
                period_label=period_label,
                last_day=last_day,
                extended_until=extended_until,
                state=state,
                standing=kind,
                days_left=days_left,
                obligation_id=oid,
                last_notice=last_notice,
                problem=problem,
                submitted_at=handed_in(state, mine, history_until, needs_review=needs_review),
                report_state=reports.get(oid) if state is not State.ACCEPTED else None,
            )
        )
    return lines


def _reports_on_their_way(session: Session, plan_id: int, history_until: dt.datetime | None) -> dict[int, ReportState]:
    """The consolidated report's state (its last step, taken before `history_until` when given) by
    obligation: the office's obligation once its final report is made (docs/decisions.md "The
    office delivers once, when the report is issued")."""
    query = (
        select(ReportStepRow.obligation_id, ReportStepRow.state)
        .join(ObligationRow, ReportStepRow.obligation_id == ObligationRow.id)
        .where(ObligationRow.plan_id == plan_id)
        .order_by(ReportStepRow.id)
    )
    if history_until is not None:
        query = query.where(ReportStepRow.at < history_until)
    return {obligation_id: ReportState(state) for obligation_id, state in session.execute(query)}


def _status_filter(
    plan_id: int, today: dt.date, unit: str | None, deliverable: str | None, needing_attention: bool
) -> list[ColumnElement[bool]]:
    """The obligations `status_lines` reads; `needing_attention` (on the stored state, which is
    today's) leaves out what can only be accepted or on track."""
    where = [ObligationRow.plan_id == plan_id]
    if unit:
        where.append(UnitRow.code == unit)
    if deliverable:
        where.append(DeliverableRow.code == deliverable)
    if needing_attention:
        soon = today + dt.timedelta(days=DUE_SOON_DAYS)
        where.append(ObligationRow.state.not_in([State.ACCEPTED.value, State.WITHDRAWN.value]))
        where.append(
            or_(
                ObligationRow.state.in_([State.SUBMITTED.value, State.RETURNED.value]),
                UnitRow.paused.is_(True),
                deadline() <= soon,
            )
        )
    return where


def _obligation_rows(db: Session | Connection, where: list[ColumnElement[bool]]) -> Sequence[_ObligationRow]:
    """The columns of every obligation `where` selects, in the order status lines are listed."""
    return db.execute(
        select(
            ObligationRow.id,
            ObligationRow.state,
            ObligationRow.last_day,
            ObligationRow.extended_until,
            ObligationRow.period,
            ObligationRow.period_label,
            UnitRow.code,
            UnitRow.name,
            UnitRow.paused,
            DeliverableRow.code,
            DeliverableRow.name,
            DeliverableRow.id,
            ObligationRow.state_changed_at,
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*where)
        .order_by(ObligationRow.last_day, DeliverableRow.id, UnitRow.id, ObligationRow.period)
    ).all()


def _submissions(session: Session, obligation_filter: list[ColumnElement[bool]]) -> dict[int, list[Submitted]]:
    """Per obligation matching `obligation_filter`: its submissions."""
    out: dict[int, list[Submitted]] = {}
    rows = session.execute(
        select(
            SubmissionRow.obligation_id,
            SubmissionRow.version,
            SubmissionRow.received_at,
            SubmissionRow.status,
            SubmissionRow.decided_at,
        )
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*obligation_filter)
    )
    for obligation_id, version, received_at, status, decided_at in rows:
        out.setdefault(obligation_id, []).append(Submitted(version, received_at, status, decided_at))
    return out


def _needs_review(session: Session, plan_id: int) -> dict[int, bool]:
    """Per deliverable of the plan: whether the office accepts its submissions itself."""
    rows = session.execute(
        select(DeliverableRow.id, DeliverableRow.definition).where(DeliverableRow.plan_id == plan_id)
    )
    return {d_id: bool((definition or {}).get("requires_acceptance")) for d_id, definition in rows}


class _AuditedChanges:
    """Extensions and pauses as the audit log recorded them, to read their value at an instant."""

    def __init__(self, session: Session) -> None:
        self.extensions: dict[str, list[tuple[dt.datetime, dt.date | None, dt.date | None]]] = {}
        self.pauses: dict[str, list[tuple[dt.datetime, bool]]] = {}
        rows = session.execute(
            select(AuditEventRow.at, AuditEventRow.action, AuditEventRow.code, AuditEventRow.detail)
            .where(AuditEventRow.action.in_(["extended", "paused", "resumed"]))
            .order_by(AuditEventRow.at, AuditEventRow.id)
        )
        for at, action, code, detail in rows:
            if action == "extended":
                before, after = (detail or {}).get("before"), (detail or {}).get("after")
                self.extensions.setdefault(code, []).append((at, _day(before), _day(after)))
            else:
                self.pauses.setdefault(code, []).append((at, action == "paused"))

    def extension(self, code: str, current: dt.date | None, until: dt.datetime | None) -> dt.date | None:
        changes = self.extensions.get(code, [])
        before = changes[0][1] if changes else current
        return value_then([(at, after) for at, _, after in changes], until, current, before)

    def pause(self, unit_code: str, current: bool, until: dt.datetime | None) -> bool:
        changes = self.pauses.get(unit_code, [])
        before = not changes[0][1] if changes else current
        return value_then(changes, until, current, before)


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _last_notices(
    session: Session, obligation_filter: list[ColumnElement[bool]], until: dt.datetime | None = None
) -> dict[int, tuple[str | None, str | None]]:
    """Per obligation matching `obligation_filter`: its latest delivered message and its latest
    delivery problem (of those that had left, or been tried, before `until`)."""
    out: dict[int, tuple[str | None, str | None]] = {}
    # A claim is timed on the real clock, a delivery on the run's business time (docs/decisions.md
    # "The outbox has its own clock"): what had left by `until` is told by `sent_at`.
    claimed = (
        [
            or_(
                NotificationRow.sent_at < until,
                and_(NotificationRow.sent_at.is_(None), NotificationRow.claimed_at < until),
            )
        ]
        if until is not None
        else []
    )
    rows = session.execute(
        select(
            NotificationRow.obligation_id,
            NotificationRow.template,
            NotificationRow.status,
            NotificationRow.sent_at,
            NotificationRow.recipient,
            NotificationRow.error,
        )
        .join(ObligationRow, NotificationRow.obligation_id == ObligationRow.id)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*obligation_filter, *claimed)
        .order_by(NotificationRow.claimed_at, NotificationRow.id)
    )
    for obligation_id, template, status, sent_at, recipient, error in rows:
        if obligation_id is None:  # pragma: no cover - joined on its obligation
            continue
        last, problem = out.get(obligation_id, (None, None))
        label = t(f"notice.{template}")
        if status == NotificationStatus.SENT and sent_at is not None:
            last, problem = f"{label} {sent_at.date():%d/%m/%Y}", None
        elif status == NotificationStatus.REFUSED:
            last, problem = f"{label} {sent_at.date():%d/%m/%Y}" if sent_at else last, f"{recipient}: {error}"
        elif status in {NotificationStatus.FAILED, NotificationStatus.CLAIMED} and error:
            problem = f"{label}: {error}"
        elif status == NotificationStatus.CLAIMED:  # in flight, or its worker died: re-sent once the lease has passed
            problem = t("notice.unconfirmed", notice=label)
        out[obligation_id] = (last, problem)
    return out


@dataclass(frozen=True)
class LateLine:
    """An overdue obligation, as the weekly digest lists it."""

    unit_name: str
    deliverable_name: str
    period_label: str
    last_day: dt.date
    days_overdue: int
    reminders_sent: int


@dataclass(frozen=True)
class DigestFigures:
    expected: int
    received: int
    late: list[LateLine]
    """Most overdue first, then by unit name."""


def digest_figures(session: Session, plan_id: int, today: dt.date) -> DigestFigures:
    """The weekly digest's counts and late obligations: three column queries, no ORM objects."""
    handed = (State.SUBMITTED.value, State.ACCEPTED.value)
    expected, received = session.execute(
        select(
            func.count(ObligationRow.id),
            func.coalesce(func.sum(case((ObligationRow.state.in_(handed), 1), else_=0)), 0),
        ).where(ObligationRow.plan_id == plan_id, ObligationRow.state != State.WITHDRAWN)
    ).one()
    reminders = (
        select(
            NotificationRow.obligation_id.label("obligation_id"),
            func.count(func.distinct(NotificationRow.message_id)).label("sent"),
        )
        .where(NotificationRow.plan_id == plan_id, NotificationRow.obligation_id.is_not(None))
        .where(NotificationRow.step != "assign")
        .group_by(NotificationRow.obligation_id)
        .subquery()
    )
    rows = session.execute(
        select(
            UnitRow.name,
            DeliverableRow.name,
            ObligationRow.period_label,
            ObligationRow.last_day,
            ObligationRow.extended_until,
            func.coalesce(reminders.c.sent, 0),
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .outerjoin(reminders, reminders.c.obligation_id == ObligationRow.id)
        .where(ObligationRow.plan_id == plan_id, ObligationRow.state.in_([s.value for s in CHASED_STATES]))
        .where(deadline() < today)
        .order_by(UnitRow.id, ObligationRow.last_day, ObligationRow.id)
    )
    late = [
        LateLine(unit, deliverable, label, last, (today - last).days, int(sent))
        for unit, deliverable, label, last_day, extended, sent in rows
        for last in [effective_last_day(last_day, extended)]
    ]
    late.sort(key=lambda line: (-line.days_overdue, line.unit_name))
    return DigestFigures(expected=int(expected), received=int(received), late=late)


def digest_sent_in(session: Session, plan_id: int, week: str) -> bool:
    """Whether this week's digest was already claimed or sent (a failed attempt does not count)."""
    count = session.scalar(
        select(func.count(NotificationRow.id)).where(
            NotificationRow.key.like(f"digest:{plan_id}:{week}:%"), NotificationRow.status != FAILED
        )
    )
    return bool(count)


@dataclass(frozen=True)
class LoadedPlan:
    """The plan the store holds: its row's id and code, and its document as a `Plan`."""

    id: int
    code: str
    plan: Plan


def current_state(session: Session, obligation_id: int) -> ReportState | None:
    """The consolidated report's state: its last step; None before its final report is made."""
    state = session.scalar(
        select(ReportStepRow.state)
        .where(ReportStepRow.obligation_id == obligation_id)
        .order_by(ReportStepRow.id.desc())
        .limit(1)
    )
    return ReportState(state) if state is not None else None


def office_obligation(session: Session, plan_id: int, plan: Plan) -> ObligationRow | None:
    """The office's own obligation: the plan's consolidated report."""
    code = consolidated_deliverable(plan).code
    return session.scalars(
        select(ObligationRow)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, DeliverableRow.code == code)
    ).first()


def loaded_plan(session: Session, code: str | None = None) -> LoadedPlan:
    """The plan named `code`, or the one loaded most recently, validated: the one place a stored
    plan document becomes a `Plan`."""
    row = current_plan(session, code)
    return LoadedPlan(id=row.id, code=row.code, plan=plan_of(row))


def plan_of(row: PlanRow) -> Plan:
    """A stored plan's document as a `Plan`."""
    return Plan.model_validate(row.document)


def plan_calendar(plan: PlanRow) -> WorkingCalendar:
    """The working calendar of a stored plan (its timezone, holidays and make-up days), read from
    its document without validating the whole plan."""
    return WorkingCalendar.from_config(CalendarConfig.model_validate(plan.document.get("calendar", {})))
