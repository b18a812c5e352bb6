"""A deliverable's reporting periods: one for a dated deliverable, several for a recurring one
(monthly, quarterly or half-yearly), each with its data cut-off and its deadline."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from dutyflow.messages import t
from dutyflow.plan.fields import DeadlineRule, LastDayOff
from dutyflow.plan.model import Deliverable

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    code: str
    label: str
    start: dt.date | None
    end: dt.date | None
    cutoff: dt.date | None
    due: dt.date
    rule: DeadlineRule
    last_day_off: LastDayOff = LastDayOff.KEEP


def expand_periods(deliverable: Deliverable, year: int | None = None) -> list[Period]:
    """Every period of `deliverable`, in date order."""
    if deliverable.due is not None:
        plan_year = year if year is not None else deliverable.due.year
        label = deliverable.period_label or t("periods.year", year=plan_year)
        return [
            Period(
                code=str(plan_year),
                label=label,
                start=deliverable.period_start,
                end=deliverable.period_end,
                cutoff=deliverable.cutoff,
                due=deliverable.due,
                rule=deliverable.rule or DeadlineRule.BEFORE,
                last_day_off=deliverable.last_day_off,
            )
        ]
    rec = deliverable.recurrence
    if rec is None:
        return []
    months = _MONTHS[rec.every]
    periods: list[Period] = []
    first_month = months * ((rec.start.month - 1) // months) + 1
    cursor = dt.date(rec.start.year, first_month, 1)
    while cursor <= rec.end:
        end = _add_months(cursor, months) - dt.timedelta(days=1)
        due_month = _add_months(cursor, months)
        due = due_month.replace(day=rec.due_day)
        code, label = _name(cursor, months)
        cutoff = end if rec.cutoff_day is None else _day_of_month(end, rec.cutoff_day)
        periods.append(Period(code, label, cursor, end, cutoff, due, rec.rule, deliverable.last_day_off))
        cursor = _add_months(cursor, months)
    return periods


_MONTHS = {"month": 1, "quarter": 3, "half_year": 6}


def _name(start: dt.date, months: int) -> tuple[str, str]:
    """The period's code and how it reads: "2025-05", "2025-Q2", "2025-H1"."""
    if months == 1:
        return f"{start.year}-{start.month:02d}", t("periods.month", month=start.month, year=start.year)
    if months == 3:
        quarter = (start.month - 1) // 3 + 1
        return f"{start.year}-Q{quarter}", t("periods.quarter", quarter=_ROMAN[quarter], year=start.year)
    half = (start.month - 1) // 6 + 1
    return f"{start.year}-H{half}", t(f"targets.periods.half_year_{half}", year=start.year)


def _day_of_month(day: dt.date, wanted: int) -> dt.date:
    """Day `wanted` of `day`'s month, or the month's last day when the month is shorter."""
    return day.replace(day=min(wanted, calendar.monthrange(day.year, day.month)[1]))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
