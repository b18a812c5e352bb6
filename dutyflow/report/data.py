"""What the consolidated report says, as plain data: ReportInput (what the store holds) and
ReportContext (what was computed from it); `context.py` formats it for the reader.

Pure: no database, no files. `collect.py` fills a ReportInput; the DOCX and HTML renderers take
`context.template_context(...)`. Wording lives in templates/report/ and templates/messages/report.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from dutyflow.completeness import Completeness, ObligationFact, Outcome, completeness
from dutyflow.indicators import (
    IndicatorResult,
    IndicatorSums,
    results_from_sums,
)
from dutyflow.messages import t
from dutyflow.plan import Deliverable, Plan, Signer
from dutyflow.plan.periods import expand_periods
from dutyflow.wording import lower_first, plan_wording

DUTY_STATUSES = ("done", "doing", "not_done")



# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class DutyReport:
    """One line of a unit's Phụ lục II: how far it got with a duty, and what it did."""

    unit: str
    duty: str
    status: str | None = None
    narrative: str | None = None


@dataclass(frozen=True)
class TableSum:
    """A table form (Phụ lục III, IV) summed over the units that handed it in."""

    form: str
    cells: Mapping[tuple[str, str], Decimal]
    """(row code, column code) → sum."""
    units: int


@dataclass(frozen=True)
class ValuePeriod:
    """A (deliverable, period) whose figures the consolidated report is made of."""

    deliverable: str
    period: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class ReportInput:
    plan: Plan
    as_of: dt.date
    consolidated: str
    """Code of the consolidated deliverable being assembled."""
    obligations: tuple[ObligationFact, ...]
    """Every obligation of the consolidated report's inputs, with its submissions up to the cut-off."""
    indicator_sums: Mapping[str, IndicatorSums]
    """Indicator code → its sums over the units that count (`indicators.sums_from_values` from
    per-unit figures, or the database's `report.figures.indicator_sums`)."""
    value_units: frozenset[str]
    """Units that owed the figures (held an obligation for a value period)."""
    reporting_units: frozenset[str] = frozenset()
    """Units whose report for a value period was received (an accepted version)."""
    duty_reports: tuple[DutyReport, ...] = ()
    tables: Mapping[str, TableSum] = field(default_factory=dict)
    cutoff: dt.datetime | None = None
    """The instant the figures stop: what had been accepted before it counts. None: the end of
    `as_of` (local day)."""


def consolidated_period(plan: Plan, consolidated: Deliverable) -> str:
    """The consolidated report's period as its title names it: its own label, or the plan's year."""
    return consolidated.period_label or t("periods.year", year=plan.plan.year)


def document_title(plan: Plan, consolidated: Deliverable, day: dt.date | None = None) -> str:
    """The consolidated report's title, as its heading, its properties and the messages about it
    name it: "Báo cáo kết quả thực hiện công tác trẻ em năm 2025", in the wording in force on `day`."""
    title = lower_first(plan_wording(plan, day).report_title)
    return t("report.document_title", title=title, period=consolidated_period(plan, consolidated))


def consolidated_deliverable(plan: Plan, code: str | None = None) -> Deliverable:
    """The consolidated deliverable named `code`, or the plan's first (and usually only) one."""
    for deliverable in plan.deliverables:
        if deliverable.kind == "consolidated" and (code is None or deliverable.code == code):
            return deliverable
    if code is None:
        raise LookupError(t("report.no_consolidated", plan=plan.plan.code))
    raise LookupError(t("report.unknown_consolidated", plan=plan.plan.code, code=code))


def value_periods(plan: Plan, consolidated: Deliverable) -> list[ValuePeriod]:
    """The input periods whose figures the report adds up: those no other input period covers.

    The annual report (1/1–10/11) covers the 6-month one (1/1–15/5): its figures already hold the
    first half-year, so adding both would count every event of that half-year twice. A period
    without dates runs from 1 January of the plan's year to its cut-off (or its due date).
    """
    candidates: list[tuple[ValuePeriod, dt.date]] = []
    year_start = dt.date(plan.plan.year, 1, 1)
    by_code = {d.code: d for d in plan.deliverables}
    for code in consolidated.inputs:
        deliverable = by_code.get(code)
        if deliverable is None:
            continue
        for period in expand_periods(deliverable, plan.plan.year):
            start = period.start or year_start
            end = period.end or period.cutoff or period.due
            candidates.append((ValuePeriod(code, period.code, start, end), period.due))

    def covers(other: tuple[ValuePeriod, dt.date], this: tuple[ValuePeriod, dt.date]) -> bool:
        (o, o_due), (p, p_due) = other, this
        if o.deliverable == p.deliverable or o.start > p.start or o.end < p.end:
            return False
        return (o.end - o.start) > (p.end - p.start) or o_due > p_due

    kept = [p for p in candidates if not any(covers(o, p) for o in candidates if o is not p)]
    return [period for period, _ in kept]


# --------------------------------------------------------------------------- computed


@dataclass(frozen=True)
class ReportContext:
    input: ReportInput
    final: bool
    issued_on: dt.date
    indicators: list[IndicatorResult]
    completeness: Completeness
    number: str = ""
    """The report's number ("Số: …/BC-UBND"); blank until the clerk registers it."""
    signer: Signer | None = None
    """Who signs, when not the plan's signer: the leader who approved the report."""

    @property
    def plan(self) -> Plan:
        return self.input.plan


def report_context(
    report_input: ReportInput,
    *,
    final: bool,
    issued_on: dt.date | None = None,
    number: str = "",
    signer: Signer | None = None,
) -> ReportContext:
    plan = report_input.plan
    tz = ZoneInfo(plan.calendar.timezone)
    return ReportContext(
        input=report_input,
        final=final,
        issued_on=issued_on or report_input.as_of,
        indicators=results_from_sums(plan, report_input.indicator_sums),
        completeness=completeness(report_input.obligations, tz),
        number=number,
        signer=signer,
    )


# --------------------------------------------------------------------------- template context


def duty_holders(plan: Plan) -> dict[str, set[str]]:
    """Duty code → the units that carry it out: those in charge and those that cooperate
    (phối hợp). Both answer for it on their Phụ lục II."""
    return {duty.code: {u.code for u in plan.expand_units([*duty.units, *duty.partners])} for duty in plan.duties}


def unit_outcomes(rc: ReportContext) -> list[tuple[str, dict[Outcome, int]]]:
    """Per unit (plan order, short name), how many of its input reports stand in each outcome."""
    counts: dict[str, dict[Outcome, int]] = {}
    for (unit, _, _), result in rc.completeness.outcomes.items():
        counts.setdefault(unit, dict.fromkeys(Outcome, 0))[result] += 1
    return [(u.short_name or u.name, counts[u.code]) for u in rc.plan.units if u.code in counts]


# --------------------------------------------------------------------------- Phụ lục III, IV
