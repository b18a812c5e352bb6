"""Read-side queries that return plain values for the CLI, the portal and the flows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from dutyflow.history import Submitted, handed_in, state_then, value_then
from dutyflow.messages import t
from dutyflow.obligations import DUE_SOON_DAYS, Standing, State, standing
from dutyflow.states import NotificationStatus
from dutyflow.store.chasing import deadline
from dutyflow.store.models import (
    AuditEventRow,
    DeliverableRow,
    NotificationRow,
    ObligationRow,
    PlanRow,
    SubmissionRow,
    UnitRow,
)

QUIET = frozenset({Standing.ACCEPTED, Standing.ON_TRACK, Standing.NOT_YET})
"""Standings that need nobody's attention."""


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
) -> list[StatusLine]:
    """Every obligation of the plan (of `unit`, of `deliverable`) and where it stands on `today`.

    `history_until`: show only what had happened before that instant (messages, submissions and
    decisions, extensions, pauses), as `dutyflow.history` rebuilds it; None: the store as it is.
    `needing_attention` leaves out, in the query, what can only be accepted or on track: accepted
    reports, and obligations not submitted, returned nor paused whose last day is more than
    DUE_SOON_DAYS away. A few queries, columns only: no ORM object per obligation.
    """
    where = [ObligationRow.plan_id == plan_id]
    if unit:
        where.append(UnitRow.code == unit)
    if deliverable:
        where.append(DeliverableRow.code == deliverable)
    if needing_attention and history_until is None:  # the stored state is today's, not history's
        soon = today + dt.timedelta(days=DUE_SOON_DAYS)
        where.append(ObligationRow.state != State.ACCEPTED.value)
        where.append(
            or_(
                ObligationRow.state.in_([State.SUBMITTED.value, State.RETURNED.value]),
                UnitRow.paused.is_(True),
                deadline() <= soon,
            )
        )
    rows = session.execute(
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
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(*where)
        .order_by(ObligationRow.last_day, DeliverableRow.id, UnitRow.id, ObligationRow.period)
    ).all()
    notices = _last_notices(session, where, history_until)
    submissions = _submissions(session, where)
    review = _needs_review(session, plan_id)
    history = _AuditedChanges(session) if history_until is not None else None
    lines = []
    for row in rows:
        oid, state_value, last_day, extended_until, period, period_label, code, name, paused, d_code, d_name, d_id = row
        last_notice, problem = notices.get(oid, (None, None))
        mine = submissions.get(oid, [])
        needs_review = review.get(d_id, False)
        state = state_then(
            State(state_value), mine, history_until, needs_review=needs_review, announced=last_notice is not None
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
            )
        )
    return lines


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
