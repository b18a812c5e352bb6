"""The report's template context: every figure and sentence of a `ReportContext`, formatted for
the reader, as the DOCX and HTML templates read it.

Pure: no database, no files. Wording lives in templates/report/ and templates/messages/report.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
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
from dutyflow.lifetimes import succession_sentences
from dutyflow.messages import t
from dutyflow.plan import Deliverable, Duty, Form, Plan, Unit, target_count
from dutyflow.plan.periods import expand_periods
from dutyflow.report.context_types import (
    DutyRow,
    DutySummary,
    Heading,
    IndicatorGroup,
    IndicatorRow,
    NarrativeDuty,
    NarrativeEntry,
    Narratives,
    ReceivedOverview,
    TableRow,
    TableView,
    TallyRow,
    TemplateContext,
    WordingView,
)
from dutyflow.report.data import (
    DUTY_STATUSES,
    DutyReport,
    ReportContext,
    ReportInput,
    consolidated_deliverable,
    consolidated_period,
    document_title,
    duty_holders,
)
from dutyflow.report.text import clean_text, duty_status_key, paragraphs
from dutyflow.wording import LOCAL_KINDS, PlanWording, lower_first, plan_wording


def template_context(rc: ReportContext) -> TemplateContext:
    """Every value the report templates use, formatted; the templates only place them."""
    plan = rc.plan
    header = plan.plan
    consolidated = consolidated_deliverable(plan, rc.input.consolidated)
    rows = [_indicator_row(r) for r in rc.indicators]
    counts = {kind: sum(1 for r in rc.indicators if r.attainment is kind) for kind in Attainment}
    tallies = _duty_tallies(rc)
    period_label = consolidated_period(plan, consolidated)
    wording = plan_wording(plan, rc.issued_on)
    issuer = header.issuer_on(rc.issued_on)  # in force on its date
    signer = rc.signer or header.signer_on(rc.issued_on)  # the approver, once the report is approved
    return {
        "draft": not rc.final,
        "issuer": {
            "parent": issuer.parent or "",
            "name": issuer.name,
            "short_name": issuer.short_name,
            "place": issuer.place,
        },
        "number": rc.number,
        "symbol": plan.report.symbol,
        "issued_on": ngay(rc.issued_on),
        "cutoff": cutoff_label(rc.input),
        "year": header.year,
        "next_year": header.year + 1,
        "period_label": period_label,
        "document_title": document_title(plan, consolidated, rc.issued_on),
        "wording": _wording_view(wording),
        "plan": {
            "title": header.title,
            "number": header.number or "",
            "issued_on": ngay(header.issued_on) if header.issued_on else "",
        },
        "summary": {
            "total": target_count(plan),
            "dat": counts[Attainment.DAT],
            "khong_dat": counts[Attainment.KHONG_DAT],
            "no_data": counts[Attainment.NO_DATA],
            "no_baseline": counts[Attainment.NO_BASELINE],
            "not_due": counts[Attainment.NOT_DUE],
            "reporting_units": len(rc.input.reporting_units),
            "expected_units": len(rc.input.value_units),
        },
        "indicator_groups": _indicator_groups(plan, rows),
        "not_attained": [r for r in rows if r["attainment_code"] == Attainment.KHONG_DAT.value],
        "no_data": [r for r in rows if r["attainment_code"] == Attainment.NO_DATA.value],
        "no_baseline": [r for r in rows if r["attainment_code"] == Attainment.NO_BASELINE.value],
        "received": _received_overview(rc),
        "successions": succession_sentences(plan, rc.input.as_of),
        "duties": _duty_summaries(rc, tallies),
        "narratives": _narratives(rc, tallies),
        "reporting": _reporting(rc),
        "appendix_indicators": _form_heading(plan, "indicators", "I"),
        "appendix_duties": _form_heading(plan, "duties", "II"),
        "duty_rows": _duty_rows(tallies),
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


def _wording_view(wording: PlanWording) -> WordingView:
    return {
        "report_title": wording.report_title,
        "report_title_lc": lower_first(wording.report_title),
        "reporters": wording.reporters,
        "local_units": wording.local_units,
        "local_units_short": wording.local_units_short,
        "office": wording.office,
        "directions": list(wording.directions),
    }


def _indicator_row(result: IndicatorResult) -> IndicatorRow:
    target = format_target(result)
    return {
        "number": result.number,
        "part": result.part_of is not None,
        "code": result.code,
        "group": result.group,
        "name": result.name,
        "target": target,
        "target_lc": lower_first(target),
        "value": format_value(result),
        "attainment": format_attainment(result.attainment),
        "attainment_short": format_attainment(result.attainment, short=True),
        "attainment_code": result.attainment.value,
        "met": {Attainment.DAT: True, Attainment.KHONG_DAT: False}.get(result.attainment),
        "numerator": format_number(result.numerator, 0) if result.numerator is not None else "",
        "denominator": format_number(result.denominator, 0) if result.denominator is not None else "",
        "units": t("report.units_count", reported=result.units_reported, expected=result.units_expected),
        "partial": 0 < result.units_reported < result.units_expected,
    }


def _indicator_groups(plan: Plan, rows: list[IndicatorRow]) -> list[IndicatorGroup]:
    """The rows under their group headings: the plan's groups, in its order, with its titles;
    a group the plan gives no title is named by its code (no topic is the engine's own)."""
    groups: dict[str, list[IndicatorRow]] = {group.code: [] for group in plan.indicator_groups}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    titles = {group.code: group.title for group in plan.indicator_groups}
    out: list[IndicatorGroup] = []
    for code, members in groups.items():
        if not members:
            continue
        title = titles.get(code) or t("report.indicator_group_other", code=code)
        out.append({"code": code, "title": title, "rows": members})
    return out


def _form_heading(plan: Plan, kind: str, roman: str) -> Heading:
    form = next((f for f in plan.forms if f.kind == kind), None)
    if form is None:
        return {"name": t("report.appendix", roman=roman), "title": ""}
    return {"name": form.name, "title": form.title}


# --------------------------------------------------------------------------- section II and Phụ lục II


@dataclass(frozen=True)
class _DutyTally:
    """One duty among the units that owe the report: who carries it out and what they answered."""

    duty: Duty
    assigned: list[Unit]
    """Units that carry it out (in charge or cooperating) and owe the report, in plan order."""
    answers: dict[str, DutyReport]
    """Unit code → its answer, for the assigned units that answered."""
    status: dict[str, str]
    """Unit code → "done", "doing", "not_done", "other" or "unreported"."""

    def count(self, key: str) -> int:
        return sum(1 for value in self.status.values() if value == key)


def _duty_tallies(rc: ReportContext) -> list[_DutyTally]:
    plan = rc.plan
    holders = duty_holders(plan)
    reports = {(r.unit, r.duty): r for r in rc.input.duty_reports}
    units = [u for u in plan.units if u.code in rc.input.value_units]
    out = []
    for duty in plan.duties:
        assigned = [u for u in units if u.code in holders[duty.code]]
        answers = {u.code: reports[(u.code, duty.code)] for u in assigned if (u.code, duty.code) in reports}
        status = {
            u.code: (duty_status_key(answers[u.code].status) or "other") if u.code in answers else "unreported"
            for u in assigned
        }
        out.append(_DutyTally(duty, assigned, answers, status))
    return out


HIGHLIGHT_CHARS = 300
"""A unit's words quoted in section II stop at the last whole word within this many characters;
the whole text is in Phụ lục II or the spreadsheet."""


def clip(text: str, most: int = HIGHLIGHT_CHARS) -> str:
    if len(text) <= most:
        return text
    return text[:most].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def names_list(names: list[str], most: int) -> str:
    """Names joined with commas, the first `most` of them and then how many others."""
    if len(names) <= most:
        return ", ".join(names)
    return t("report_summary.and_others", names=", ".join(names[:most]), count=len(names) - most)


def _unit_label(unit: Unit) -> str:
    return unit.short_name or unit.name


def _duty_summaries(rc: ReportContext, tallies: list[_DutyTally]) -> list[DutySummary]:
    """Section II: per duty, how many units did it, what the units in charge did (their first
    paragraph, a few of them) and which units lag; each unit's whole narrative is in Phụ lục II
    or the attached spreadsheet (decisions.md, "A report a chairman reads")."""
    settings = rc.plan.report
    out: list[DutySummary] = []
    for number, tally in enumerate((t_ for t_ in tallies if t_.assigned), start=1):
        in_charge = {u.code for u in rc.plan.expand_units(tally.duty.units)}
        ordered = sorted(tally.assigned, key=lambda u: (u.code not in in_charge, u.kind in LOCAL_KINDS))
        highlights: list[NarrativeEntry] = []
        for unit in ordered:
            report = tally.answers.get(unit.code)
            lines = paragraphs(report.narrative if report else None)
            if lines and len(highlights) < settings.highlights_max:
                highlights.append({"unit": _unit_label(unit), "status": _status_text(report), "text": clip(lines[0])})

        lagging = [
            t(f"report_summary.lagging.{key}", names=names_list(names, settings.names_max))
            for key in ("not_done", "unreported")
            if (names := [_unit_label(u) for u in tally.assigned if tally.status[u.code] == key])
        ]
        sentence = "; ".join(lagging)

        out.append(
            {
                "number": number,
                "section": tally.duty.section,
                "title": tally.duty.title,
                "assigned": len(tally.assigned),
                "done": tally.count("done"),
                "doing": tally.count("doing"),
                "not_done": tally.count("not_done"),
                "other": tally.count("other"),
                "unreported": tally.count("unreported"),
                "highlights": highlights,
                "lagging": f"{sentence[:1].upper()}{sentence[1:]}." if sentence else "",
            }
        )
    return out


def _status_text(report: DutyReport | None) -> str:
    status = clean_text(report.status) if report and report.status else ""
    return status or t("report.duty_status.unreported")


def _narratives(rc: ReportContext, tallies: list[_DutyTally]) -> Narratives:
    """Every unit's own words on every duty: in Phụ lục II, or, above the plan's size, in a
    spreadsheet attached to the report (its file name is set when the files are written)."""
    duties: list[NarrativeDuty] = []
    count = 0
    for number, tally in enumerate((t_ for t_ in tallies if t_.answers), start=1):
        entries: list[NarrativeEntry] = []
        for unit in tally.assigned:
            report = tally.answers.get(unit.code)
            text = " ".join(paragraphs(report.narrative if report else None))
            if report is not None and text:
                entries.append({"unit": _unit_label(unit), "status": _status_text(report), "text": text})
        count += len(entries)
        if entries:
            duties.append({"number": number, "section": tally.duty.section, "title": tally.duty.title, "entries": entries})
    inline = count <= rc.plan.report.appendix_entries_max
    return {"count": count, "inline": inline, "duties": duties if inline else [], "all": duties, "file": ""}


def _received_overview(rc: ReportContext) -> ReceivedOverview:
    units = [u for u in rc.plan.units if u.code in rc.input.value_units]
    missing = [_unit_label(u) for u in units if u.code not in rc.input.reporting_units]
    local = [u for u in units if u.kind in LOCAL_KINDS]
    return {
        "expected": len(units),
        "received": len(units) - len(missing),
        "local_expected": len(local),
        "local_received": sum(1 for u in local if u.code in rc.input.reporting_units),
        "missing": names_list(missing, rc.plan.report.names_max),
    }


def _duty_rows(tallies: list[_DutyTally]) -> list[DutyRow]:
    """Phụ lục II: each duty, how many units that owe the report carry it out (in charge or
    cooperating), and what those same units answered: the status columns add up to the first."""
    rows: list[DutyRow] = []
    for number, tally in enumerate(tallies, start=1):
        counts = {key: tally.count(key) for key in (*DUTY_STATUSES, "other", "unreported")}
        # A duty no reporting unit holds (the office's own) has nothing to count: "-", not 0.
        shown = {key: str(value) if tally.assigned else t("report.not_applicable") for key, value in counts.items()}
        rows.append(
            DutyRow(
                number=number,
                section=tally.duty.section,
                title=tally.duty.title,
                assigned=len(tally.assigned),
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
        out.append(_tally_row(deliverable.name, _period_label(plan, deliverable), tally, plan.report.names_max))
    return out


def _tally_row(name: str, period_label: str, tally: Tally, most: int) -> TallyRow:
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
        "late_units": names_list(list(tally.late_names), most),
        "missing_units": names_list(list(tally.missing_names), most),
        "returned_units": names_list(list(tally.returned_names), most),
        "awaiting_units": names_list(list(tally.awaiting_names), most),
        "not_sent_units": names_list(list(tally.not_sent_names), most),
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
