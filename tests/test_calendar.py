"""Working days and deadline rules at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyflow.calendar import WorkingCalendar
from dutyflow.plan import DeadlineRule
from tests.threads import all_at_once

D = dt.date.fromisoformat


@pytest.fixture
def vn() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.mark.parametrize("day", ["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"])
def test_it_knows_tet_2025_is_not_worked(vn: WorkingCalendar, day: str) -> None:
    assert not vn.is_working_day(D(day))


def test_it_knows_the_days_around_tet_2025(vn: WorkingCalendar) -> None:
    assert vn.is_working_day(D("2025-01-24"))  # Friday before
    assert vn.is_working_day(D("2025-02-03"))  # Monday after
    assert vn.next_working_day(D("2025-01-25")) == D("2025-02-03")


def test_it_knows_the_reunification_and_labour_day_bridge(vn: WorkingCalendar) -> None:
    for day in ("2025-04-30", "2025-05-01", "2025-05-02"):
        assert not vn.is_working_day(D(day))
    # Saturday 26/4/2025 was the make-up working day for Friday 2/5.
    assert vn.is_working_day(D("2025-04-26"))
    assert not vn.is_working_day(D("2025-04-27"))


def test_it_knows_national_day(vn: WorkingCalendar) -> None:
    assert not vn.is_working_day(D("2025-09-01"))
    assert not vn.is_working_day(D("2025-09-02"))


def test_extra_holidays_and_working_days_override_the_country(vn: WorkingCalendar) -> None:
    custom = WorkingCalendar(extra_holidays=[D("2025-05-19")], extra_working_days=[D("2025-05-17")])
    assert vn.is_working_day(D("2025-05-19")) and not custom.is_working_day(D("2025-05-19"))
    assert not vn.is_working_day(D("2025-05-17")) and custom.is_working_day(D("2025-05-17"))


def test_before_means_the_day_before(vn: WorkingCalendar) -> None:
    # "trước ngày 20/5/2025": the last day on time is Monday 19/5.
    assert vn.last_day(D("2025-05-20"), DeadlineRule.BEFORE) == D("2025-05-19")
    until = vn.on_time_until(D("2025-05-20"), DeadlineRule.BEFORE)
    assert until.isoformat() == "2025-05-20T00:00:00+07:00"


def test_by_on_a_working_day_is_that_day(vn: WorkingCalendar) -> None:
    assert vn.last_day(D("2025-05-20"), DeadlineRule.BY) == D("2025-05-20")


def test_by_on_a_saturday_moves_to_monday(vn: WorkingCalendar) -> None:
    assert vn.last_day(D("2025-05-17"), DeadlineRule.BY) == D("2025-05-19")


def test_by_on_a_holiday_moves_past_the_whole_break(vn: WorkingCalendar) -> None:
    assert vn.last_day(D("2025-04-30"), DeadlineRule.BY) == D("2025-05-05")
    assert vn.last_day(D("2025-01-29"), DeadlineRule.BY) == D("2025-02-03")


@pytest.mark.parametrize(
    ("submitted", "on_time"),
    [("2025-05-18T23:59:59+07:00", True), ("2025-05-19T23:59:59+07:00", True), ("2025-05-20T00:00:00+07:00", False)],
)
def test_on_time_is_decided_at_local_midnight(vn: WorkingCalendar, submitted: str, on_time: bool) -> None:
    limit = vn.on_time_until(D("2025-05-20"), DeadlineRule.BEFORE)
    assert (dt.datetime.fromisoformat(submitted) < limit) is on_time
    # The same instant in UTC is judged the same way.
    assert (dt.datetime.fromisoformat(submitted).astimezone(dt.UTC) < limit) is on_time


def test_it_counts_working_days_both_ways(vn: WorkingCalendar) -> None:
    assert vn.add_working_days(D("2025-05-19"), 5) == D("2025-05-26")
    assert vn.add_working_days(D("2025-05-19"), -2) == D("2025-05-15")
    assert vn.add_working_days(D("2025-05-06"), -2) == D("2025-04-29")  # skips 30/4-2/5 and the weekend
    assert vn.add_working_days(D("2025-05-19"), 0) == D("2025-05-19")
    assert vn.working_days_between(D("2025-05-16"), D("2025-05-19")) == 1
    assert vn.working_days_between(D("2025-05-19"), D("2025-05-16")) == -1


def test_local_date_uses_the_plan_timezone(vn: WorkingCalendar) -> None:
    late_utc = dt.datetime(2025, 5, 19, 18, 30, tzinfo=dt.UTC)  # 01:30 on 20/5 in Hà Nội
    assert vn.local_date(late_utc) == D("2025-05-20")
    with pytest.raises(ValueError):
        vn.local_date(dt.datetime(2025, 5, 19, 8))


def test_threads_asking_at_once_all_see_the_holidays() -> None:
    """A flow's tasks ask one calendar about the same days from several threads at once. The
    `holidays` package fills a year on the first question about it and marks the year as filled
    before it has finished: a second thread asking meanwhile found 30/4 a working day (the demo
    under load lost two reminders that way). Every thread must see the holidays, however the
    threads interleave."""
    wrong: list[dt.date] = []
    for _ in range(30):
        calendar = WorkingCalendar()

        def ask(_: int, calendar: WorkingCalendar = calendar) -> None:
            for day in (dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 9, 2)):
                if calendar.is_working_day(day) or calendar.holiday_name(day) is None:
                    wrong.append(day)

        all_at_once(ask)
    assert wrong == []
