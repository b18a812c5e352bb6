"""The chase's finding and rescheduling passes, made by the database.

The ladder's test for one obligation is "the latest step whose day has come, unless that step was
already taken in the current round". `chase.due_thresholds` turns "the day has come" into a date
comparison on the obligation's deadline, so the whole test is one SQL expression: a CASE over the
deadline for the step, a NOT EXISTS over the outbox for "not yet taken" (and, for the office's
obligation whose consolidated report is on its way, an EXISTS over its steps: the approval reminder
stands for the ladder up to the last day, `chase.left_to_approval`). The database then
returns only the obligations that get a message, and moves the others on in one UPDATE per
deadline; no per-obligation object is built in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from sqlalchemy import ColumnElement, and_, case, exists, not_, null, or_, select, update
from sqlalchemy.orm import Session, aliased

from dutyflow.chase import left_to_approval
from dutyflow.plan import LadderStep
from dutyflow.states import CHASED_STATES, NotificationStatus
from dutyflow.store.models import NotificationRow, ObligationRow, ReportStepRow, UnitRow

Thresholds = Sequence[tuple[LadderStep, dt.date]]


class DueRow(NamedTuple):
    """An obligation that gets a message today: its unit, the step, and its chase round."""

    obligation_id: int
    unit: str
    step: str
    round: int


@dataclass(frozen=True)
class Scope:
    """Which obligations a pass looks at: the chased ones of a plan whose next action has come
    (all of them when `now` is None), of units not paused, of the units named (all when None)."""

    plan_id: int
    now: dt.datetime | None
    unit_codes: Sequence[str] | None = None
    stale_before: dt.datetime | None = None
    """A claim older than this is taken to be dead: its step counts as not taken."""

    def conditions(self) -> list[ColumnElement[bool]]:
        units = select(UnitRow.id).where(UnitRow.plan_id == self.plan_id, UnitRow.paused.is_(False))
        if self.unit_codes is not None:
            units = units.where(UnitRow.code.in_(list(self.unit_codes)))
        where = [
            ObligationRow.plan_id == self.plan_id,
            ObligationRow.state.in_([s.value for s in CHASED_STATES]),
            ObligationRow.unit_id.in_(units),
        ]
        if self.now is not None:
            where.append(ObligationRow.next_action_at <= self.now)
        return where


def deadline() -> ColumnElement[dt.date]:
    """An obligation's last day: its extension, if later (`obligations.effective_last_day`; an
    extension can end up earlier when a reloaded plan moves the last day)."""
    return case(
        (ObligationRow.extended_until > ObligationRow.last_day, ObligationRow.extended_until),
        else_=ObligationRow.last_day,
    )


def due_step(thresholds: Thresholds) -> ColumnElement[str | None]:
    """The code of the latest step whose day has come, or NULL (see `chase.due_thresholds`)."""
    if not thresholds:
        return cast("ColumnElement[str | None]", null())
    return case(*((deadline() <= last, step.code) for step, last in reversed(thresholds)), else_=null())


def step_taken(step: ColumnElement[str | None], stale_before: dt.datetime | None) -> ColumnElement[bool]:
    """The outbox holds `step` for the obligation's current round: delivered, refused, or claimed by
    a worker that may still be sending (a claim older than `stale_before` is not counted, nor a
    failure)."""
    taken = aliased(NotificationRow)  # the outer query may read the outbox too
    conditions = [
        taken.obligation_id == ObligationRow.id,
        taken.round == ObligationRow.chase_round,
        taken.step == step,
        taken.status != NotificationStatus.FAILED,
    ]
    if stale_before is not None:
        conditions.append(or_(taken.status != NotificationStatus.CLAIMED, taken.claimed_at > stale_before))
    return exists().where(*conditions).correlate(ObligationRow)


def left_to_the_approval_reminder(step: ColumnElement[str | None], thresholds: Thresholds) -> ColumnElement[bool]:
    """`step` is one the approval reminder stands for, and the obligation's consolidated report is
    on its way (it has steps; once issued, the obligation is no longer chased)."""
    codes = [ladder_step.code for ladder_step, _ in thresholds if left_to_approval(ladder_step)]
    on_its_way = exists().where(ReportStepRow.obligation_id == ObligationRow.id).correlate(ObligationRow)
    return and_(step.in_(codes), on_its_way)


def still_due(thresholds: Thresholds, stale_before: dt.datetime | None) -> ColumnElement[bool]:
    """The obligation's latest due step has not been taken, nor left to the approval reminder."""
    step = due_step(thresholds)
    return and_(
        step.is_not(None),
        not_(step_taken(step, stale_before)),
        not_(left_to_the_approval_reminder(step, thresholds)),
    )


def find_due(session: Session, scope: Scope, thresholds: Thresholds) -> Iterator[DueRow]:
    """Every obligation in `scope` whose latest due step has not been taken, by unit code and id.

    Rows are read as they are consumed (inside the session): nothing per obligation is kept here.
    """
    if not thresholds:
        return iter(())
    result = session.execute(
        select(ObligationRow.id, UnitRow.code, due_step(thresholds).label("step"), ObligationRow.chase_round)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .where(*scope.conditions(), still_due(thresholds, scope.stale_before))
        .order_by(UnitRow.code, ObligationRow.id)
    )
    return (_due_row(*row) for row in result)


def _due_row(obligation_id: int, unit: str, step: str | None, chase_round: int) -> DueRow:
    if step is None:  # pragma: no cover - `still_due` selects only rows with a due step
        raise ValueError(f"obligation {obligation_id} has no due step")
    return DueRow(obligation_id, unit, step, chase_round)


def reschedule(
    session: Session,
    scope: Scope,
    thresholds: Thresholds,
    next_look: Callable[[dt.date], dt.datetime | None],
) -> None:
    """Move every obligation in `scope` whose due step has been taken to its next look.

    `next_look(deadline)` gives the start of the day of the next step (None: the ladder is done).
    An obligation whose due step is still not taken (not a sending day, a failed delivery) keeps
    its next action, which has come: the next run picks it up. So does one whose message for
    that step is claimed but not confirmed sent (a worker died after claiming it): the next run
    looks at it again and, once the claim's lease has passed, takes it over and re-sends it. A
    claim on an earlier step that a later one has replaced holds nothing back: the ladder sends
    the latest step only.
    Deadlines are taken in order, so that two passes lock their rows in the same order.
    """
    unconfirmed = exists().where(
        NotificationRow.obligation_id == ObligationRow.id,
        NotificationRow.round == ObligationRow.chase_round,
        NotificationRow.step == due_step(thresholds),
        NotificationRow.status == NotificationStatus.CLAIMED,
    )
    moving = [*scope.conditions(), not_(still_due(thresholds, scope.stale_before)), not_(unconfirmed)]
    days = session.scalars(select(deadline()).where(*moving).distinct().order_by(deadline())).all()
    for day in days:
        session.execute(
            update(ObligationRow)
            .where(*moving, deadline() == day)
            .values(next_action_at=next_look(day))
            .execution_options(synchronize_session=False)
        )


__all__ = [
    "DueRow",
    "Scope",
    "deadline",
    "due_step",
    "find_due",
    "left_to_the_approval_reminder",
    "reschedule",
    "step_taken",
    "still_due",
]
