"""Working days and deadlines, in the plan's timezone.

Public holidays and official make-up working days come from the `holidays` package (for Viet Nam:
Tết, 30/4, 1/5, 2/9 and the days the government swaps); a plan may add its own of either kind.
Every function takes the dates it needs; nothing here reads the clock. A calendar is shared by a
flow's task threads: each year's official days are built whole, under a lock, before any thread
reads them (docs/decisions.md, "A calendar's years are built whole before they are read").
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import holidays

from dutyflow.plan import CalendarConfig, DeadlineRule, LastDayOff


class WorkingCalendar:
    def __init__(
        self,
        country: str = "VN",
        timezone: str = "Asia/Ho_Chi_Minh",
        extra_holidays: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
    ) -> None:
        self.tz = ZoneInfo(timezone)
        self._country = country
        self._years: dict[int, holidays.HolidayBase] = {}
        self._years_lock = threading.Lock()
        self._extra_holidays = frozenset(extra_holidays)
        self._extra_working = frozenset(extra_working_days)
        # A chase pass asks about the same few days for every obligation: remember the answers.
        self._working: dict[dt.date, bool] = {}
        self._shifted: dict[tuple[dt.date, int], dt.date] = {}

    @classmethod
    def from_config(cls, config: CalendarConfig) -> WorkingCalendar:
        return cls(
            country=config.country,
            timezone=config.timezone,
            extra_holidays=(d.date for d in config.extra_holidays),
            extra_working_days=(d.date for d in config.extra_working_days),
        )

    # ------------------------------------------------------------------ days

    def is_working_day(self, day: dt.date) -> bool:
        known = self._working.get(day)
        if known is None:
            if day in self._extra_working:
                known = True
            elif day in self._extra_holidays:
                known = False
            else:
                known = bool(self._official(day.year).is_working_day(day))
            self._working[day] = known
        return known

    def holiday_name(self, day: dt.date) -> str | None:
        name = self._official(day.year).get(day)
        return str(name) if name else None

    def _official(self, year: int) -> holidays.HolidayBase:
        """The country's holidays and make-up working days of `year`, built whole before anyone
        reads them. The package's own lazy filling marks a year as filled before filling it, so a
        second thread asking meanwhile found no holidays in it."""
        found = self._years.get(year)
        if found is None:
            with self._years_lock:
                found = self._years.get(year)
                if found is None:
                    found = holidays.country_holidays(self._country, years=year, expand=False)
                    self._years[year] = found
        return found

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def previous_working_day(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The working day `count` working days after (or, negative, before) `day`.

        `day` need not be a working day; zero returns `day` unchanged.
        """
        key = (day, count)
        if key not in self._shifted:
            self._shifted[key] = self._add_working_days(day, count)
        return self._shifted[key]

    def _add_working_days(self, day: dt.date, count: int) -> dt.date:
        step = dt.timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end] when end > start; negative, mirrored, when end < start."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        low, high = (start, end) if sign > 0 else (end, start)
        count = 0
        day = low
        while day < high:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count

    # ------------------------------------------------------------------ deadlines

    def last_day(self, due: dt.date, rule: DeadlineRule, off: LastDayOff = LastDayOff.KEEP) -> dt.date:
        """The last calendar day on which a submission is on time.

        "trước ngày X" (before): the day before X; when that day is not a working day, kept as
        it is or, if the plan says so (`off`), moved back to the working day before it.
        "chậm nhất ngày X" (by): X, or the next working day when X is a weekend or holiday.
        """
        if rule is DeadlineRule.BEFORE:
            day = due - dt.timedelta(days=1)
            while off is LastDayOff.PREVIOUS_WORKING_DAY and not self.is_working_day(day):
                day -= dt.timedelta(days=1)
            return day
        return self.next_working_day(due)

    def on_time_until(self, due: dt.date, rule: DeadlineRule, off: LastDayOff = LastDayOff.KEEP) -> dt.datetime:
        """The first instant at which a submission is late (local midnight after the last day)."""
        return self.start_of_day(self.last_day(due, rule, off) + dt.timedelta(days=1))

    # ------------------------------------------------------------------ instants

    def start_of_day(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)

    def local_date(self, now: dt.datetime) -> dt.date:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.tz).date()
