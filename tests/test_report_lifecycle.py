"""The consolidated report's way (draft → approved → signed → issued, returned back to draft) and
the day the office is reminded of an unapproved report: pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyflow.calendar import WorkingCalendar
from dutyflow.report_lifecycle import (
    TRANSITIONS,
    ReportAction,
    ReportStepRefused,
    after,
    allowed,
    approval_reminder_day,
    approval_reminder_due,
)
from dutyflow.states import ReportState


def test_the_report_goes_from_draft_to_issued() -> None:
    state = ReportState.DRAFT
    for action, expected in [
        (ReportAction.EDIT, ReportState.DRAFT),
        (ReportAction.APPROVE, ReportState.APPROVED),
        (ReportAction.SIGN, ReportState.SIGNED),
        (ReportAction.ISSUE, ReportState.ISSUED),
    ]:
        state = after(state, action)
        assert state is expected


def test_a_returned_report_is_edited_back_to_a_draft_before_approval() -> None:
    returned = after(ReportState.DRAFT, ReportAction.RETURN)
    assert returned is ReportState.RETURNED
    with pytest.raises(ReportStepRefused, match="Không thể duyệt báo cáo đang ở trạng thái “Trả lại để chỉnh sửa”"):
        after(returned, ReportAction.APPROVE)
    assert after(returned, ReportAction.EDIT) is ReportState.DRAFT


@pytest.mark.parametrize("state", list(ReportState))
@pytest.mark.parametrize("action", list(ReportAction))
def test_every_step_not_in_the_table_is_refused_in_vietnamese(state: ReportState, action: ReportAction) -> None:
    if (state, action) in TRANSITIONS:
        assert after(state, action) is TRANSITIONS[state, action]
        assert action in allowed(state)
        return
    with pytest.raises(ReportStepRefused) as refused:
        after(state, action)
    assert "Không thể" in str(refused.value)
    assert action not in allowed(state)


def test_nothing_can_be_done_to_an_issued_report_and_an_approved_one_is_no_longer_edited() -> None:
    assert allowed(ReportState.ISSUED) == []
    assert allowed(ReportState.APPROVED) == [ReportAction.SIGN]
    with pytest.raises(ReportStepRefused, match="đã phát hành"):
        after(ReportState.ISSUED, ReportAction.EDIT)


CALENDAR = WorkingCalendar()
LAST_DAY = dt.date(2025, 11, 25)  # a Tuesday


def test_the_reminder_day_is_two_working_days_before_the_last_day() -> None:
    # Tuesday 25 → Friday 21 (Saturday and Sunday are not working days)
    assert approval_reminder_day(LAST_DAY, CALENDAR) == dt.date(2025, 11, 21)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (dt.date(2025, 11, 20), False),  # the day before
        (dt.date(2025, 11, 21), True),  # on it
        (dt.date(2025, 11, 24), True),  # after it (a missed run)
        (dt.date(2025, 11, 25), True),  # the last day
        (dt.date(2025, 11, 26), False),  # past the last day: the ladder's overdue steps take over
    ],
)
def test_an_unapproved_report_is_recalled_from_the_reminder_day_to_the_last_day(today: dt.date, due: bool) -> None:
    for state in (ReportState.DRAFT, ReportState.RETURNED):
        assert approval_reminder_due(state, today, LAST_DAY, CALENDAR) is due


@pytest.mark.parametrize("state", [None, ReportState.APPROVED, ReportState.SIGNED, ReportState.ISSUED])
def test_a_report_not_made_or_approved_already_is_not_recalled(state: ReportState) -> None:
    assert not approval_reminder_due(state, dt.date(2025, 11, 21), LAST_DAY, CALENDAR)
