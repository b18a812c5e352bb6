"""The reminder and escalation ladder: (obligation state, today) -> the step due. Pure.

Steps sit at offsets in working days from an obligation's last day (its extension, if any).
On a given day an obligation gets at most one step: the latest one whose day has come, and only
if that step has not been sent in the current chase round. So a run that was missed catches up
with the latest step once and never sends the steps it skipped; a returned submission starts a
new round, which restarts the chase.

The office's consolidated obligation follows its report: once the final report is made and on its
way to approval (`ChaseView.report_on_its_way`), the office's reminder to have it approved
(`report_lifecycle.approval_reminder_due`) stands for the ladder's steps up to the last day, and
only the steps after it are sent, until the report is issued (docs/decisions.md "The office
delivers once, when the report is issued").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dutyflow.calendar import WorkingCalendar
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import ChaseConfig, DigestConfig, LadderStep
from dutyflow.states import CHASED_STATES as CHASED_STATES


@dataclass(frozen=True, slots=True)
class ChaseView:
    """What the ladder needs to know of one obligation."""

    obligation_id: int
    unit: str
    state: State
    last_day: dt.date
    extended_until: dt.date | None = None
    paused: bool = False
    sent: frozenset[str] = frozenset()
    """Codes of the steps already sent (or claimed) in the current chase round."""
    report_on_its_way: bool = False
    """The consolidated report of this (the office's) obligation is made and not yet issued."""

    @property
    def deadline(self) -> dt.date:
        return effective_last_day(self.last_day, self.extended_until)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to send: a step for one unit, covering one or more of its obligations."""

    unit: str
    step: LadderStep
    obligation_ids: tuple[int, ...]


def step_day(step: LadderStep, deadline: dt.date, calendar: WorkingCalendar) -> dt.date:
    """The working day on which `step` falls for an obligation whose last day is `deadline`."""
    if step.offset > 0:
        return calendar.add_working_days(deadline, step.offset)
    anchor = calendar.previous_working_day(deadline)
    return calendar.add_working_days(anchor, step.offset)


def may_send_on(day: dt.date, config: ChaseConfig, calendar: WorkingCalendar) -> bool:
    return config.send_on_non_working_days or calendar.is_working_day(day)


def _latest_due(config: ChaseConfig, calendar: WorkingCalendar, deadline: dt.date, today: dt.date) -> LadderStep | None:
    """The last step whose day has come, for an obligation whose last day is `deadline`."""
    latest: LadderStep | None = None
    for step in config.steps:
        if step_day(step, deadline, calendar) <= today:
            latest = step
    return latest


def left_to_approval(step: LadderStep) -> bool:
    """Whether `step` is one the approval reminder stands for once the consolidated report is on
    its way: a step up to the last day (an overdue step is sent until the report is issued)."""
    return step.offset <= 0


def _latest_unsent(
    view: ChaseView, config: ChaseConfig, calendar: WorkingCalendar, today: dt.date
) -> LadderStep | None:
    if view.state not in CHASED_STATES:
        return None
    latest = _latest_due(config, calendar, view.deadline, today)
    if latest is None or latest.code in view.sent or (view.report_on_its_way and left_to_approval(latest)):
        return None
    return latest


def due_step(view: ChaseView, config: ChaseConfig, calendar: WorkingCalendar, today: dt.date) -> LadderStep | None:
    """The step to send for `view` today, or None."""
    if view.paused or not may_send_on(today, config, calendar):
        return None
    return _latest_unsent(view, config, calendar, today)


def next_look(view: ChaseView, config: ChaseConfig, calendar: WorkingCalendar, today: dt.date) -> dt.date | None:
    """When the chase must look at `view` again after a run on `today`.

    Today again if a step is due but was not sent (a non-working day, a failed delivery, a pause):
    the next run picks it up. Otherwise the day of the next step, or None when the ladder is done.
    """
    if _latest_unsent(view, config, calendar, today) is not None:
        return today
    return next_action_day(view, config, calendar, today)


def next_action_day(view: ChaseView, config: ChaseConfig, calendar: WorkingCalendar, today: dt.date) -> dt.date | None:
    """The first day after `today` on which a step falls; None when the ladder is done."""
    if view.state not in CHASED_STATES:
        return None
    return next_step_day(config, calendar, view.deadline, today)


def next_step_day(config: ChaseConfig, calendar: WorkingCalendar, deadline: dt.date, today: dt.date) -> dt.date | None:
    """The first day after `today` on which a step falls for `deadline`; None when the ladder is done."""
    for step in config.steps:
        day = step_day(step, deadline, calendar)
        if day > today:
            return day
    return None


def first_action_day(view: ChaseView, config: ChaseConfig, calendar: WorkingCalendar) -> dt.date:
    """The day of the first step, for a freshly announced obligation."""
    return step_day(config.steps[0], view.deadline, calendar)


def due_thresholds(
    config: ChaseConfig, calendar: WorkingCalendar, today: dt.date
) -> tuple[tuple[LadderStep, dt.date], ...]:
    """For each step, the last deadline for which that step's day has come by `today`.

    A step's day moves forward with the deadline, so "step k is due" is "deadline <= threshold k":
    the ladder's test on any number of obligations becomes a handful of date comparisons, which the
    database can make (see `store.chasing`). The latest due step of a deadline is the last step,
    in ladder order, whose threshold the deadline does not pass: `_latest_due`'s answer.
    """
    out = []
    for step in config.steps:
        high = today + dt.timedelta(days=14 + 3 * abs(step.offset))
        while step_day(step, high, calendar) <= today:  # a calendar with long closures: look further
            high += dt.timedelta(days=30)
        day = high
        while step_day(step, day, calendar) > today:
            day -= dt.timedelta(days=1)
        out.append((step, day))
    return tuple(out)


def plan_notices(
    views: Iterable[ChaseView], config: ChaseConfig, calendar: WorkingCalendar, today: dt.date
) -> list[Notice]:
    """Every message due today: one per unit and step, listing all obligations at that step.

    The reference for the engine's finding pass, which puts the same question to the database
    (`store.chasing`, through `due_thresholds`); tests hold the two to the same answers.
    """
    grouped: dict[tuple[str, str], list[int]] = defaultdict(list)
    steps: dict[str, LadderStep] = {}
    if not may_send_on(today, config, calendar):
        return []
    latest_by_deadline: dict[dt.date, LadderStep | None] = {}  # many obligations share a last day
    for view in views:
        if view.paused or view.state not in CHASED_STATES:
            continue
        deadline = view.deadline
        if deadline not in latest_by_deadline:
            latest_by_deadline[deadline] = _latest_due(config, calendar, deadline, today)
        step = latest_by_deadline[deadline]
        if step is None or (view.report_on_its_way and left_to_approval(step)):
            continue
        if step.code not in view.sent:
            grouped[(view.unit, step.code)].append(view.obligation_id)
            steps[step.code] = step
    order = {step.code: i for i, step in enumerate(config.steps)}
    return [
        Notice(unit, steps[code], tuple(sorted(ids)))
        for (unit, code), ids in sorted(grouped.items(), key=lambda item: (item[0][0], order[item[0][1]]))
    ]


def is_overdue(view: ChaseView, today: dt.date) -> bool:
    return view.state in CHASED_STATES and view.deadline < today


def digest_week(today: dt.date) -> str:
    """The key of the week a digest belongs to, e.g. "2025-W21"."""
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(
    today: dt.date,
    config: DigestConfig,
    chase: ChaseConfig,
    calendar: WorkingCalendar,
    overdue: Sequence[ChaseView],
    sent_this_week: bool,
) -> bool:
    """Whether the weekly digest of late units goes out today."""
    if not overdue or sent_this_week or not may_send_on(today, chase, calendar):
        return False
    return today.weekday() >= config.weekday
