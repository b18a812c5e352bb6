"""What the district report says, as plain data: ReportInput (what the store holds), ReportContext
(what was computed from it) and the template context (every figure formatted for the reader).

Pure: no database, no files. `collect.py` fills a ReportInput; the DOCX and HTML renderers take
`template_context(...)`. Wording lives in templates/report/ and templates/messages/report.yaml.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dutyflow.completeness import Completeness, ObligationFact, Outcome, Tally, completeness
from dutyflow.indicators import (
    Attainment,
    IndicatorResult,
    IndicatorSums,
    format_attainment,
    format_number,
    format_ratio,
    format_target,
    format_value,
    results_from_sums,
)
from dutyflow.mail.render import dmy, ngay
from dutyflow.messages import t
from dutyflow.periods import expand_periods
from dutyflow.plan import Deliverable, Form, Plan, Unit, UnitKind

COMMUNE_KINDS = frozenset(kind for kind in UnitKind if kind.is_commune_level)
"""Xã, phường, thị trấn, đặc khu: reported together after the departments and agencies."""
DUTY_STATUSES = ("done", "doing", "not_done")

# XML 1.0 forbids these; a pasted narrative may carry them (Excel's vertical tab, form feeds).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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

    @property
    def plan(self) -> Plan:
        return self.input.plan


def report_context(
    report_input: ReportInput,
    *,
    final: bool,
    issued_on: dt.date | None = None,
    number: str = "",
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
    )


# --------------------------------------------------------------------------- template context


def template_context(rc: ReportContext) -> dict[str, Any]:
    """Every value the report templates use, formatted; the templates only place them."""
    plan = rc.plan
    header = plan.plan
    consolidated = consolidated_deliverable(plan, rc.input.consolidated)
    rows = [_indicator_row(i, r) for i, r in enumerate(rc.indicators, start=1)]
    counts = {kind: sum(1 for r in rc.indicators if r.attainment is kind) for kind in Attainment}
    unit_sections, communes = _duty_sections(rc)
    period_label = consolidated.period_label or t("periods.year", year=header.year)
    return {
        "draft": not rc.final,
        "issuer": {
            "parent": header.issuer.parent or "",
            "name": header.issuer.name,
            "short_name": header.issuer.short_name,
            "place": header.issuer.place,
        },
        "number": rc.number,
        "issued_on": ngay(rc.issued_on),
        "cutoff": cutoff_label(rc.input),
        "year": header.year,
        "next_year": header.year + 1,
        "period_label": period_label,
        "document_title": t("report.document_title", period=period_label),
        "plan": {
            "title": header.title,
            "number": header.number or "",
            "issued_on": ngay(header.issued_on) if header.issued_on else "",
        },
        "summary": {
            "total": len(rc.indicators),
            "dat": counts[Attainment.DAT],
            "khong_dat": counts[Attainment.KHONG_DAT],
            "no_data": counts[Attainment.NO_DATA],
            "no_baseline": counts[Attainment.NO_BASELINE],
            "reporting_units": len(rc.input.reporting_units),
            "expected_units": len(rc.input.value_units),
        },
        "indicator_groups": _indicator_groups(rows),
        "not_attained": [r for r in rows if r["attainment_code"] == Attainment.KHONG_DAT.value],
        "no_data": [r for r in rows if r["attainment_code"] == Attainment.NO_DATA.value],
        "no_baseline": [r for r in rows if r["attainment_code"] == Attainment.NO_BASELINE.value],
        "unit_sections": unit_sections,
        "communes": communes,
        "reporting": _reporting(rc),
        "appendix_indicators": _form_heading(plan, "indicators", "I"),
        "appendix_duties": _form_heading(plan, "duties", "II"),
        "duty_rows": _duty_rows(rc),
        "tables": _tables(rc),
        "recipients": list(header.recipients),
        "signer": {
            "authority": header.signer.authority or "",
            "title": header.signer.title,
            "name": header.signer.name,
        },
    }


def cutoff_label(report_input: ReportInput) -> str:
    """ "17 giờ ngày 20/11/2025": when the figures stop, in the plan's time zone. Midnight is the
    24th hour of the day before, as offices write it ("24 giờ ngày 19/11/2025")."""
    tz = ZoneInfo(report_input.plan.calendar.timezone)
    cutoff = report_input.cutoff
    if cutoff is None:
        return t("report.cutoff", hour=24, minute="", day=dmy(report_input.as_of))
    local = cutoff.astimezone(tz)
    day, hour = local.date(), local.hour
    if (hour, local.minute) == (0, 0):
        day, hour = day - dt.timedelta(days=1), 24
    minute = t("report.cutoff_minute", minute=local.minute) if local.minute else ""
    return t("report.cutoff", hour=hour, minute=minute, day=dmy(day))


def clean_text(text: str) -> str:
    """User text made safe for a document: NFC, no XML-invalid characters, no stray spaces."""
    return " ".join(_XML_INVALID.sub(" ", unicodedata.normalize("NFC", text)).split())


def paragraphs(text: str | None) -> list[str]:
    """A narrative as paragraphs: one per non-blank line."""
    if not text:
        return []
    lines = (clean_text(line) for line in unicodedata.normalize("NFC", text).splitlines())
    return [line for line in lines if line]


def duty_status_key(text: str | None) -> str | None:
    """ "Đã hoàn thành" → "done", …; unknown text → "other"; nothing → None."""
    if not text or not text.strip():
        return None
    wanted = _fold(text)
    for key in DUTY_STATUSES:
        if _fold(t(f"report.duty_status.{key}")) == wanted:
            return key
    return "other"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _indicator_row(number: int, result: IndicatorResult) -> dict[str, Any]:
    target = format_target(result)
    return {
        "number": number,
        "code": result.code,
        "group": result.group,
        "name": result.name,
        "target": target,
        "target_lc": _lower_first(target),
        "value": format_value(result),
        "attainment": format_attainment(result.attainment),
        "attainment_short": t(f"report.attainment_short.{result.attainment.value}"),
        "attainment_code": result.attainment.value,
        "met": {Attainment.DAT: True, Attainment.KHONG_DAT: False}.get(result.attainment),
        "numerator": format_number(result.numerator, 0) if result.numerator is not None else "",
        "denominator": format_number(result.denominator, 0) if result.denominator is not None else "",
        "units": t("report.units_count", reported=result.units_reported, expected=result.units_expected),
        "partial": 0 < result.units_reported < result.units_expected,
    }


def _indicator_groups(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    out = []
    for code, members in groups.items():
        try:
            title = t(f"report.indicator_groups.{code}")
        except KeyError:
            title = t("report.indicator_group_other", code=code)
        out.append({"code": code, "title": title, "rows": members})
    return out


def _form_heading(plan: Plan, kind: str, roman: str) -> dict[str, str]:
    form = next((f for f in plan.forms if f.kind == kind), None)
    if form is None:
        return {"name": t("report.appendix", roman=roman), "title": ""}
    return {"name": form.name, "title": form.title}


# --------------------------------------------------------------------------- section II and Phụ lục II


def _duty_sections(rc: ReportContext) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Section II: one part per department, agency or organisation, then one for the communes."""
    plan = rc.plan
    reports = {(r.unit, r.duty): r for r in rc.input.duty_reports}
    holders = duty_holders(plan)
    units = [u for u in plan.units if u.code in rc.input.value_units]
    sections = [
        _unit_section(rc, unit, number, reports, holders)
        for number, unit in enumerate((u for u in units if u.kind not in COMMUNE_KINDS), start=1)
    ]
    communes = [u for u in units if u.kind in COMMUNE_KINDS]
    if not communes:
        return sections, None
    return sections, _commune_section(rc, communes, len(sections) + 1, reports, holders)


def _unit_section(
    rc: ReportContext,
    unit: Unit,
    number: int,
    reports: Mapping[tuple[str, str], DutyReport],
    holders: Mapping[str, set[str]],
) -> dict[str, Any]:
    """A department's part: each duty it carries out (or reported on), its status and narrative."""
    duties: list[dict[str, Any]] = []
    for duty in rc.plan.duties:
        report = reports.get((unit.code, duty.code))
        if report is None and unit.code not in holders[duty.code]:
            continue
        status = clean_text(report.status) if report and report.status else ""
        duties.append(
            {
                "section": duty.section,
                "title": duty.title,
                "status": status or t("report.duty_status.unreported"),
                "paragraphs": paragraphs(report.narrative if report else None),
            }
        )
    return {
        "number": number,
        "name": unit.name,
        "received": unit.code in rc.input.reporting_units,
        "duties": duties,
    }


def _commune_section(
    rc: ReportContext,
    communes: list[Unit],
    number: int,
    reports: Mapping[tuple[str, str], DutyReport],
    holders: Mapping[str, set[str]],
) -> dict[str, Any]:
    """The communes' part: per duty, how many of the communes that hold it (in charge or
    cooperating) answered what, then what each one wrote."""
    duties: list[dict[str, Any]] = []
    for duty in rc.plan.duties:
        assigned = [u for u in communes if u.code in holders[duty.code]]
        if not assigned:
            continue
        counts = dict.fromkeys((*DUTY_STATUSES, "other", "unreported"), 0)
        entries: list[dict[str, str]] = []
        for unit in assigned:
            report = reports.get((unit.code, duty.code))
            if report is None:
                counts["unreported"] += 1
                continue
            counts[duty_status_key(report.status) or "unreported"] += 1
            entries.extend(
                {"unit": unit.short_name or unit.name, "text": text} for text in paragraphs(report.narrative)
            )
        duties.append(
            {"section": duty.section, "title": duty.title, "assigned": len(assigned), **counts, "entries": entries}
        )
    return {
        "number": number,
        "name": t("report.communes"),
        "expected": len(communes),
        "received": sum(1 for u in communes if u.code in rc.input.reporting_units),
        "missing": [u.name for u in communes if u.code not in rc.input.reporting_units],
        "duties": duties,
    }


def duty_holders(plan: Plan) -> dict[str, set[str]]:
    """Duty code → the units that carry it out: those in charge and those that cooperate
    (phối hợp). Both answer for it on their Phụ lục II."""
    return {duty.code: {u.code for u in plan.expand_units([*duty.units, *duty.partners])} for duty in plan.duties}


def _duty_rows(rc: ReportContext) -> list[dict[str, Any]]:
    """Phụ lục II: each duty, how many units that owe the report carry it out (in charge or
    cooperating), and what those same units answered: the status columns add up to the first."""
    plan = rc.plan
    holders = duty_holders(plan)
    reports: dict[str, list[DutyReport]] = {}
    for r in rc.input.duty_reports:
        if r.unit in rc.input.value_units and r.unit in holders.get(r.duty, set()):
            reports.setdefault(r.duty, []).append(r)
    rows = []
    for number, duty in enumerate(plan.duties, start=1):
        assigned = holders[duty.code] & rc.input.value_units
        answered = reports.get(duty.code, [])
        counts = dict.fromkeys((*DUTY_STATUSES, "other"), 0)
        for r in answered:
            counts[duty_status_key(r.status) or "other"] += 1
        counts["unreported"] = len(assigned - {r.unit for r in answered})
        # A duty no reporting unit holds (the office's own) has nothing to count: "-", not 0.
        shown = {
            key: str(value) if assigned or answered else t("report.not_applicable") for key, value in counts.items()
        }
        rows.append(
            {"number": number, "section": duty.section, "title": duty.title, "assigned": len(assigned), **shown}
        )
    return rows


# --------------------------------------------------------------------------- section III: reporting


def _reporting(rc: ReportContext) -> list[dict[str, Any]]:
    plan = rc.plan
    consolidated = consolidated_deliverable(plan, rc.input.consolidated)
    by_code = {d.code: d for d in plan.deliverables}
    out = []
    for code in consolidated.inputs:
        tally = rc.completeness.by_deliverable.get(code)
        deliverable = by_code.get(code)
        if tally is None or deliverable is None:
            continue
        out.append(_tally_row(deliverable.name, _period_label(plan, deliverable), tally))
    return out


def _tally_row(name: str, period_label: str, tally: Tally) -> dict[str, Any]:
    return {
        "name": name,
        "period_label": period_label,
        "expected": tally.expected,
        "received": tally.received,
        "on_time": tally.on_time,
        "late": tally.late,
        "missing": tally.missing,
        "returned": tally.returned,
        "awaiting": tally.awaiting,
        "completeness": format_ratio(tally.completeness),
        "timeliness": format_ratio(tally.timeliness),
        "late_units": ", ".join(tally.late_names),
        "missing_units": ", ".join(tally.missing_names),
        "returned_units": ", ".join(tally.returned_names),
        "awaiting_units": ", ".join(tally.awaiting_names),
        "not_sent_units": ", ".join(tally.not_sent_names),
    }


def _period_label(plan: Plan, deliverable: Deliverable) -> str:
    periods = expand_periods(deliverable, plan.plan.year)
    if len(periods) == 1:
        return periods[0].label
    return deliverable.period_label or t("periods.year", year=plan.plan.year)


def unit_outcomes(rc: ReportContext) -> list[tuple[str, dict[Outcome, int]]]:
    """Per unit (plan order, short name), how many of its input reports stand in each outcome."""
    counts: dict[str, dict[Outcome, int]] = {}
    for (unit, _, _), result in rc.completeness.outcomes.items():
        counts.setdefault(unit, dict.fromkeys(Outcome, 0))[result] += 1
    return [(u.short_name or u.name, counts[u.code]) for u in rc.plan.units if u.code in counts]


# --------------------------------------------------------------------------- Phụ lục III, IV


def _tables(rc: ReportContext) -> list[dict[str, Any]]:
    plan = rc.plan
    out = []
    for form in plan.forms:
        if form.kind != "table":
            continue
        summed = rc.input.tables.get(form.code)
        out.append(_table(form, summed.cells if summed else {}, summed.units if summed else 0))
    return out


def _table(form: Form, cells: Mapping[tuple[str, str], Decimal], units: int) -> dict[str, Any]:
    """Counts broken down by columns (sex, age) get a row total; money by source gets a column total."""
    by_row = form.value_type == "integer"
    digits = 0

    def number(value: Decimal) -> str:
        return format_number(value, digits)

    header = [c.label for c in form.columns] + ([t("report.total")] if by_row else [])
    rows = []
    for index, row in enumerate(form.rows, start=1):
        values = [cells.get((row.code, c.code), Decimal(0)) for c in form.columns]
        shown = [number(v) for v in values]
        if by_row:
            shown.append(number(sum(values, Decimal(0))))
        rows.append({"number": str(index), "label": row.label, "cells": shown, "bold": False})
    if not by_row:
        totals = [sum((cells.get((r.code, c.code), Decimal(0)) for r in form.rows), Decimal(0)) for c in form.columns]
        rows.append(
            {"number": "", "label": t("report.grand_total"), "cells": [number(v) for v in totals], "bold": True}
        )
    return {"name": form.name, "title": form.title, "header": header, "rows": rows, "units": units}
