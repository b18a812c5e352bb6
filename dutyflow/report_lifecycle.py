"""The consolidated report's way to its addressees: draft → approved → signed → issued.

Pure: no store, no clock, no I/O. The services (`dutyflow.approval`) ask `after` for the state an
action leads to, store the step and write its audit event; a refusal is a `ReportStepRefused`
whose Vietnamese message says what state the report is in and what can be done.

- draft: made by dutyflow (the final report of `consolidate`) or edited by the office;
- returned: the leadership sent it back with comments; an edit makes a new draft;
- approved: the leadership approved it; it has its number in the register;
- signed: signed (PAdES, visible signature) and verified;
- issued: emailed to the addressees and recorded as the office's submission (its only one).

The office may edit a draft (a new version) but nothing after approval: an approved report is
what its number and signature stand for. The reminder rule (`approval_reminder_due`) is here too:
the office is reminded once, from two working days before the last day, while a draft awaits
approval.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from dutyflow.calendar import WorkingCalendar
from dutyflow.messages import t
from dutyflow.states import ReportState

APPROVAL_REMINDER_DAYS = 2
"""Working days before the consolidated report's last day on which an unapproved report is recalled."""


class ReportAction(StrEnum):
    EDIT = "edit"
    APPROVE = "approve"
    RETURN = "return"
    SIGN = "sign"
    ISSUE = "issue"


class ReportStepRefused(Exception):
    """The action is not possible in the report's state; the message is Vietnamese."""


TRANSITIONS: dict[tuple[ReportState, ReportAction], ReportState] = {
    (ReportState.DRAFT, ReportAction.EDIT): ReportState.DRAFT,
    (ReportState.RETURNED, ReportAction.EDIT): ReportState.DRAFT,
    (ReportState.DRAFT, ReportAction.APPROVE): ReportState.APPROVED,
    (ReportState.DRAFT, ReportAction.RETURN): ReportState.RETURNED,
    (ReportState.APPROVED, ReportAction.SIGN): ReportState.SIGNED,
    (ReportState.SIGNED, ReportAction.ISSUE): ReportState.ISSUED,
}
"""Every allowed step: (state, action) → the state it leads to."""


def after(state: ReportState, action: ReportAction) -> ReportState:
    """The state `action` leads to from `state`, or a refusal naming both."""
    following = TRANSITIONS.get((state, action))
    if following is None:
        raise ReportStepRefused(
            t(
                "approval.refused",
                action=t(f"approval.action.{action.value}"),
                state=t(f"approval.state.{state.value}"),
                allowed=", ".join(t(f"approval.action.{a.value}") for a in allowed(state))
                or t("approval.nothing_allowed"),
            )
        )
    return following


def allowed(state: ReportState) -> list[ReportAction]:
    """The actions possible in `state`, in the order of the report's way."""
    return [action for action in ReportAction if (state, action) in TRANSITIONS]


def requires_comment(action: ReportAction) -> bool:
    """Sending a report back says why."""
    return action is ReportAction.RETURN


def approval_reminder_day(last_day: dt.date, calendar: WorkingCalendar) -> dt.date:
    """The working day, `APPROVAL_REMINDER_DAYS` before `last_day`, on which an unapproved report is recalled."""
    return calendar.add_working_days(calendar.previous_working_day(last_day), -APPROVAL_REMINDER_DAYS)


def approval_reminder_due(
    state: ReportState | None, today: dt.date, last_day: dt.date, calendar: WorkingCalendar
) -> bool:
    """Whether the office is to be reminded today: a draft awaits approval (made, or returned), and
    the reminder day has come while the last day has not passed. Before the final report is made
    (None) there is nothing to approve: the consolidated obligation's own ladder chases the office."""
    if state not in (ReportState.DRAFT, ReportState.RETURNED):
        return False
    return approval_reminder_day(last_day, calendar) <= today <= last_day


__all__ = [
    "APPROVAL_REMINDER_DAYS",
    "TRANSITIONS",
    "ReportAction",
    "ReportStepRefused",
    "after",
    "allowed",
    "approval_reminder_day",
    "approval_reminder_due",
    "requires_comment",
]
