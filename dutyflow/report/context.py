"""The report's template context: every figure and sentence of a `ReportContext`, formatted for
the reader, as the DOCX and HTML templates read it.

Pure: no database, no files. Wording lives in templates/report/ and templates/messages/report.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo

from dutyflow.completeness import Tally
from dutyflow.formatting import dmy, ngay
from dutyflow.indicators import (
    Attainment,
    IndicatorResult,
    format_attainment,
    format_number,
    format_ratio,
    format_target,
    format_value,
)
from dutyflow.messages import t
from dutyflow.plan import Deliverable, Form, Plan, Unit
from dutyflow.plan.periods import expand_periods
from dutyflow.report.context_types import (
    CommuneDuty,
    CommuneEntry,
    CommuneSection,
    DutyRow,
    Heading,
    IndicatorGroup,
    IndicatorRow,
    TableRow,
    TableView,
    TallyRow,
    TemplateContext,
    UnitDuty,
    UnitSection,
)
from dutyflow.report.data import (
    COMMUNE_KINDS,
    DUTY_STATUSES,
    DutyReport,
    ReportContext,
    ReportInput,
    consolidated_deliverable,
    duty_holders,
)
from dutyflow.report.text import clean_text, duty_status_key, paragraphs


def template_context(rc: ReportContext) -> TemplateContext:
    """Every value the report templates use, formatted; the templates only place them."""
    plan = rc.plan
    header = plan.plan
    consolidated = consolidated_deliverable(plan, rc.input.consolidated)
    rows = [_indicator_row(i, r) for i, r in enumerate(rc.indicators, start=1)]
    counts = {kind: sum(1 for r in rc.indicators if r.attainment is kind) for kind in Attainment}
    unit_sections, communes = _duty_sections(rc)
    period_label = consolidated.period_label or t("periods.year", year=header.year)
    signer = rc.signer or header.signer
    return {
        "draft": not rc.final,
        "issuer": {
            "parent": header.issuer.parent or "",
            "name": header.issuer.name,
            "short_name": header.issuer.short_name,
            "place": header.issuer.place,
        },
        "number": rc.number,
        "symbol": plan.report.symbol,
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
            "authority": signer.authority or "",
            "title": signer.title,
            "name": signer.name,
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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _indicator_row(number: int, result: IndicatorResult) -> IndicatorRow:
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


def _indicator_groups(rows: list[IndicatorRow]) -> list[IndicatorGroup]:
    groups: dict[str, list[IndicatorRow]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    out: list[IndicatorGroup] = []
    for code, members in groups.items():
        try:
            title = t(f"report.indicator_groups.{code}")
        except KeyError:
            title = t("report.indicator_group_other", code=code)
        out.append({"code": code, "title": title, "rows": members})
    return out


def _form_heading(plan: Plan, kind: str, roman: str) -> Heading:
    form = next((f for f in plan.forms if f.kind == kind), None)
    if form is None:
        return {"name": t("report.appendix", roman=roman), "title": ""}
    return {"name": form.name, "title": form.title}


# --------------------------------------------------------------------------- section II and Phụ lục II


def _duty_sections(rc: ReportContext) -> tuple[list[UnitSection], CommuneSection | None]:
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
) -> UnitSection:
    """A department's part: each duty it carries out (or reported on), its status and narrative."""
    duties: list[UnitDuty] = []
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
) -> CommuneSection:
    """The communes' part: per duty, how many of the communes that hold it (in charge or
    cooperating) answered what, then what each one wrote."""
    duties: list[CommuneDuty] = []
    for duty in rc.plan.duties:
        assigned = [u for u in communes if u.code in holders[duty.code]]
        if not assigned:
            continue
        counts = dict.fromkeys((*DUTY_STATUSES, "other", "unreported"), 0)
        entries: list[CommuneEntry] = []
        for unit in assigned:
            report = reports.get((unit.code, duty.code))
            if report is None:
                counts["unreported"] += 1
                continue
            counts[duty_status_key(report.status) or "unreported"] += 1
            entries.extend(
                CommuneEntry(unit=unit.short_name or unit.name, text=text) for text in paragraphs(report.narrative)
            )
        duties.append(
            CommuneDuty(
                section=duty.section,
                title=duty.title,
                assigned=len(assigned),
                done=counts["done"],
                doing=counts["doing"],
                not_done=counts["not_done"],
                other=counts["other"],
                unreported=counts["unreported"],
                entries=entries,
            )
        )
    return {
        "number": number,
        "name": t("report.communes"),
        "expected": len(communes),
        "received": sum(1 for u in communes if u.code in rc.input.reporting_units),
        "missing": [u.name for u in communes if u.code not in rc.input.reporting_units],
        "duties": duties,
    }


def _duty_rows(rc: ReportContext) -> list[DutyRow]:
    """Phụ lục II: each duty, how many units that owe the report carry it out (in charge or
    cooperating), and what those same units answered: the status columns add up to the first."""
    plan = rc.plan
    holders = duty_holders(plan)
    reports: dict[str, list[DutyReport]] = {}
    for r in rc.input.duty_reports:
        if r.unit in rc.input.value_units and r.unit in holders.get(r.duty, set()):
            reports.setdefault(r.duty, []).append(r)
    rows: list[DutyRow] = []
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
            DutyRow(
                number=number,
                section=duty.section,
                title=duty.title,
                assigned=len(assigned),
                done=shown["done"],
                doing=shown["doing"],
                not_done=shown["not_done"],
                other=shown["other"],
                unreported=shown["unreported"],
            )
        )
    return rows


# --------------------------------------------------------------------------- section III: reporting


def _reporting(rc: ReportContext) -> list[TallyRow]:
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


def _tally_row(name: str, period_label: str, tally: Tally) -> TallyRow:
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


def _tables(rc: ReportContext) -> list[TableView]:
    plan = rc.plan
    out = []
    for form in plan.forms:
        if form.kind != "table":
            continue
        summed = rc.input.tables.get(form.code)
        out.append(_table(form, summed.cells if summed else {}, summed.units if summed else 0))
    return out


def _table(form: Form, cells: Mapping[tuple[str, str], Decimal], units: int) -> TableView:
    """Counts broken down by columns (sex, age) get a row total; money by source gets a column total."""
    by_row = form.value_type == "integer"
    digits = 0

    def number(value: Decimal) -> str:
        return format_number(value, digits)

    header = [c.label for c in form.columns] + ([t("report.total")] if by_row else [])
    rows: list[TableRow] = []
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
