"""A deliverable's reporting periods: one for a dated deliverable, several for a recurring one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dutyflow.messages import t
from dutyflow.plan.fields import DeadlineRule
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
            )
        ]
    rec = deliverable.recurrence
    if rec is None:
        return []
    months = 1 if rec.every == "month" else 3
    periods: list[Period] = []
    first_month = rec.start.month if months == 1 else 3 * ((rec.start.month - 1) // 3) + 1
    cursor = dt.date(rec.start.year, first_month, 1)
    while cursor <= rec.end:
        end = _add_months(cursor, months) - dt.timedelta(days=1)
        due_month = _add_months(cursor, months)
        due = due_month.replace(day=rec.due_day)
        if months == 1:
            code = f"{cursor.year}-{cursor.month:02d}"
            label = t("periods.month", month=cursor.month, year=cursor.year)
        else:
            quarter = (cursor.month - 1) // 3 + 1
            code = f"{cursor.year}-Q{quarter}"
            label = t("periods.quarter", quarter=_ROMAN[quarter], year=cursor.year)
        periods.append(Period(code, label, cursor, end, end, due, rec.rule))
        cursor = _add_months(cursor, months)
    return periods


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
