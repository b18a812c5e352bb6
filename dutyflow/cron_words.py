"""A flow's schedule for people: its cron said in Vietnamese words, and its next runs.

`describe` says the shapes an office uses ("8 giờ sáng các ngày làm việc", "mỗi 10 phút, từ thứ
Hai đến thứ Sáu"); any other expression is quoted as it is, never guessed at. `next_runs` reads
the expression with cronsim (standard cron rules, the timezone's own clock, daylight saving
included). Pure: the moment to count from is a parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import islice
from zoneinfo import ZoneInfo

from cronsim import CronSim, CronSimError

from dutyflow.messages import t

__all__ = ["BadCron", "describe", "next_runs"]

_NUMBER = re.compile(r"^\d{1,2}$")
_RANGE = re.compile(r"^(\d)-(\d)$")
_STEP = re.compile(r"^\*/(\d{1,2})$")
WORKING_WEEK = frozenset(range(1, 6))


class BadCron(ValueError):
    """The expression is not a cron expression cronsim reads."""


def next_runs(cron: str, timezone: str, after: dt.datetime, count: int = 5) -> list[dt.datetime]:
    """The next `count` moments `cron` fires after `after`, in `timezone`'s local time."""
    zone = ZoneInfo(timezone)
    try:
        runs = CronSim(cron, after.astimezone(zone))
    except CronSimError as exc:
        raise BadCron(str(exc)) from None
    return list(islice(runs, count))


def check(cron: str) -> None:
    """Raise `BadCron` unless cronsim reads `cron`."""
    next_runs(cron, "UTC", dt.datetime(2000, 1, 1, tzinfo=dt.UTC), 1)


def describe(cron: str) -> str:
    """`cron` in words, or quoted as it is when its shape is not one of those said in words."""
    fields = cron.split()
    if len(fields) != 5:
        return t("cron_words.raw", cron=cron)
    minute, hour, day, month, weekday = fields
    when = _time(minute, hour)
    days = _days(day, month, weekday)
    if when is None or days is None:
        return t("cron_words.raw", cron=cron)
    return t("cron_words.sentence", when=when, days=days)


def _time(minute: str, hour: str) -> str | None:
    if _NUMBER.match(minute) and all(_NUMBER.match(h) for h in hour.split(",")):
        return t("cron_words.and").join(_clock(int(h), int(minute)) for h in hour.split(","))
    step = _STEP.match(minute)
    if step and hour == "*":
        return t("cron_words.every_minutes", n=int(step.group(1)))
    span = re.match(r"^(\d{1,2})-(\d{1,2})$", hour)
    if step and span:
        return t("cron_words.every_minutes_between", n=int(step.group(1)), start=int(span.group(1)), end=int(span.group(2)))
    if _NUMBER.match(minute) and hour == "*":
        return t("cron_words.each_hour", minute=int(minute))
    return None


def _clock(hour: int, minute: int) -> str:
    """"8 giờ sáng", "5 giờ 30 chiều": the hour people say, with the part of the day."""
    part = "night" if hour < 5 or hour >= 22 else "morning" if hour < 11 else "noon" if hour < 13 else "afternoon" if hour < 18 else "evening"
    said = hour if hour <= 12 else hour - 12
    if minute:
        return t("cron_words.clock_minutes", hour=said, minute=minute, part=t(f"cron_words.parts.{part}"))
    return t("cron_words.clock", hour=said, part=t(f"cron_words.parts.{part}"))


def _days(day: str, month: str, weekday: str) -> str | None:
    if month != "*":
        return None
    if day != "*":
        if weekday != "*" or not _NUMBER.match(day):
            return None
        return t("cron_words.monthly", day=int(day))
    if weekday in ("*", "?"):
        return t("cron_words.every_day")
    days = _weekdays(weekday)
    if days is None:
        return None
    if days == WORKING_WEEK:
        return t("cron_words.working_days")
    ordered = sorted(days, key=lambda d: d or 7)  # Sunday last, as a Vietnamese week is written
    return t("cron_words.on_days", days=", ".join(t(f"cron_words.weekdays.{d}") for d in ordered))


def _weekdays(field: str) -> frozenset[int] | None:
    """The days of the week a field names (0 Sunday … 6 Saturday), or None for a shape not said in words."""
    days: set[int] = set()
    for part in field.split(","):
        span = _RANGE.match(part)
        if span:
            first, last = int(span.group(1)), int(span.group(2))
            if first > last or last > 7:
                return None
            days.update(d % 7 for d in range(first, last + 1))
        elif re.match(r"^\d$", part) and int(part) <= 7:
            days.add(int(part) % 7)
        else:
            return None
    return frozenset(days)
