"""Cross-checks of a plan that pydantic cannot do field by field: references between sections,
unit lifetimes and successions, and the logic of dates. Each problem is a location and a
Vietnamese message, reported through the same channel as the model's errors so it gets its line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from dutyflow.messages import t
from dutyflow.plan.fields import DeadlineRule, LastDayOff
from dutyflow.plan.indicator_checks import (
    check_form,
    check_indicator,
    check_rules_across,
    check_shape,
    check_target_groups,
)
from dutyflow.plan.model import ChaseConfig, Deliverable, Plan, Recurrence
from dutyflow.plan.periods import expand_periods
from dutyflow.plan.source import Location, Problem, SourceMap
from dutyflow.plan.targets import target_number
from dutyflow.plan.unit_checks import check_gso_code_reuse, check_units


def cross_check(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """References between sections, and the logic of dates."""
    yield from _unique(plan, source)
    unit_codes = {u.code for u in plan.units}
    group_codes = {g.code for g in plan.groups}
    assignable = unit_codes | group_codes
    element_codes = {d.code for d in plan.data_elements}
    form_codes = {f.code for f in plan.forms}

    if plan.plan.office not in unit_codes:
        yield ("plan", "office"), t("plan.office_missing", code=plan.plan.office)
    yield from _check_issuer_succession(plan, unit_codes)

    yield from check_units(plan, unit_codes)
    yield from check_gso_code_reuse(plan, source)
    for i, group in enumerate(plan.groups):
        for j, code in enumerate(group.members):
            if code not in unit_codes:
                yield ("groups", i, "members", j), t("plan.unknown_unit_only", code=code)
        if not group.members and not group.kinds:
            yield ("groups", i), t("plan.empty_group")

    for i, duty in enumerate(plan.duties):
        for key in ("units", "partners"):
            for j, code in enumerate(getattr(duty, key)):
                if code not in assignable:
                    yield ("duties", i, key, j), t("plan.unknown_unit", code=code)

    for i, element in enumerate(plan.data_elements):
        for j, code in enumerate(element.part_of):
            if code not in element_codes or code == element.code:
                yield ("data_elements", i, "part_of", j), t("plan.unknown_data_element", code=code)

    for i, ind in enumerate(plan.indicators):
        yield from check_indicator(ind, ("indicators", i), element_codes, assignable)
        yield from check_shape(plan, ind, ("indicators", i), element_codes)
    yield from check_target_groups(plan)
    yield from _check_numbers(plan, source)

    for i, form in enumerate(plan.forms):
        yield from check_form(form, ("forms", i), element_codes)

    yield from check_rules_across(plan, element_codes)
    yield from _check_deliverables(plan, assignable, form_codes)

    yield from _check_ladder(plan.chase)
    for key in ("extra_holidays", "extra_working_days"):
        for j, note in enumerate(getattr(plan.calendar, key)):
            other = "extra_working_days" if key == "extra_holidays" else "extra_holidays"
            if key == "extra_holidays" and any(n.date == note.date for n in getattr(plan.calendar, other)):
                yield ("calendar", key, j, "date"), t("plan.weekday_holiday", day=note.date.isoformat())


def _check_issuer_succession(plan: Plan, unit_codes: set[str]) -> Iterator[Problem]:
    """Later issuers come in date order, and their offices are units of the plan."""
    previous: dt.date | None = None
    for i, term in enumerate(plan.plan.succession):
        loc: Location = ("plan", "succession", i)
        if previous is not None and term.starts <= previous:
            yield (*loc, "from"), t("lifetimes.succession_order", day=term.starts.strftime("%d/%m/%Y"))
        previous = term.starts
        if term.office is not None and term.office not in unit_codes:
            yield (*loc, "office"), t("plan.office_missing", code=term.office)


def _check_deliverables(plan: Plan, assignable: set[str], form_codes: set[str]) -> Iterator[Problem]:
    by_code = {d.code: d for d in plan.deliverables}
    for i, deliverable in enumerate(plan.deliverables):
        loc: Location = ("deliverables", i)
        for j, code in enumerate(deliverable.units):
            if code not in assignable:
                yield (*loc, "units", j), t("plan.unknown_unit", code=code)
        for j, code in enumerate(deliverable.forms):
            if code not in form_codes:
                yield (*loc, "forms", j), t("plan.unknown_form", code=code)
        for j, code in enumerate(deliverable.inputs):
            if code not in by_code:
                yield (*loc, "inputs", j), t("plan.unknown_deliverable", code=code)
        if not deliverable.forms and not deliverable.attachments:
            yield (*loc, "forms"), t("plan.nothing_to_submit")
        yield from _check_deadline(plan, deliverable, loc, by_code)


def _check_ladder(chase: ChaseConfig) -> Iterator[Problem]:
    seen: set[str] = set()
    previous: int | None = None
    for i, step in enumerate(chase.steps):
        if step.code in seen:
            yield ("chase", "steps", i, "code"), t("plan.duplicate_step", code=step.code)
        seen.add(step.code)
        if previous is not None and step.offset <= previous:
            yield ("chase", "steps", i, "offset"), t("plan.ladder_order", offset=step.offset, previous=previous)
        previous = step.offset


def _unique(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    sections: dict[str, Iterable[Any]] = {
        "units": plan.units,
        "groups": plan.groups,
        "duties": plan.duties,
        "data_elements": plan.data_elements,
        "indicators": plan.indicators,
        "forms": plan.forms,
        "deliverables": plan.deliverables,
    }
    # Units and groups share one namespace: a duty may name either.
    shared: dict[str, Location] = {}
    for section, items in sections.items():
        seen = shared if section in {"units", "groups"} else {}
        for i, item in enumerate(items):
            loc: Location = (section, i, "code")
            if item.code in seen:
                first_line = source.line_of(seen[item.code])
                yield loc, t("plan.duplicate_code", code=item.code, first_line=first_line)
            else:
                seen[item.code] = loc


def _check_numbers(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """Numbered targets: all or none numbered, each number once, and a target is either one
    ("3") or split into sub-targets ("3a", "3b"), never both."""
    if not any(ind.number for ind in plan.indicators):
        return
    seen: dict[str, int] = {}
    whole = {ind.number for ind in plan.indicators if ind.number and ind.number.isdigit()}
    for i, ind in enumerate(plan.indicators):
        loc: Location = ("indicators", i, "number")
        if ind.number is None:
            yield ("indicators", i), t("targets.check.number_missing", code=ind.code)
            continue
        if ind.number in seen:
            yield (
                loc,
                t(
                    "targets.check.number_twice",
                    number=ind.number,
                    line=source.line_of(("indicators", seen[ind.number], "number")),
                ),
            )
        seen.setdefault(ind.number, i)
        if not ind.number.isdigit() and target_number(ind) in whole:
            yield loc, t("targets.check.number_and_sub", number=ind.number, whole=target_number(ind))


def _check_deadline(
    plan: Plan, deliverable: Deliverable, loc: Location, by_code: dict[str, Deliverable]
) -> Iterator[Problem]:
    if (deliverable.due is None) == (deliverable.recurrence is None):
        yield (*loc, "due"), t("plan.due_or_recurrence")
        return
    if deliverable.rule is not None and deliverable.due is None:
        yield (*loc, "rule"), t("plan.rule_without_due")
    rule = deliverable.recurrence.rule if deliverable.recurrence else deliverable.rule or DeadlineRule.BEFORE
    if deliverable.last_day_off is not LastDayOff.KEEP and rule is not DeadlineRule.BEFORE:
        yield (*loc, "last_day_off"), t("targets.check.last_day_off_by")
    if deliverable.due is not None:
        if deliverable.cutoff is not None and deliverable.cutoff >= deliverable.due:
            yield (
                (*loc, "cutoff"),
                t("plan.cutoff_after_due", cutoff=deliverable.cutoff.isoformat(), due=deliverable.due.isoformat()),
            )
        if deliverable.due.year not in (plan.plan.year, plan.plan.year + 1):
            yield (*loc, "due"), t("plan.deadline_outside_year", due=deliverable.due.isoformat(), year=plan.plan.year)
    start, end = deliverable.period_start, deliverable.period_end
    if start and end and start > end:
        yield (*loc, "period_end"), t("plan.period_reversed", start=start.isoformat(), end=end.isoformat())
    if deliverable.recurrence is not None and deliverable.recurrence.start > deliverable.recurrence.end:
        rec = deliverable.recurrence
        yield (
            (*loc, "recurrence", "end"),
            t("plan.period_reversed", start=rec.start.isoformat(), end=rec.end.isoformat()),
        )
    if deliverable.recurrence is not None and not _recurrence_in_years(deliverable.recurrence, plan.plan.year):
        rec = deliverable.recurrence
        yield (
            (*loc, "recurrence"),
            t(
                "plan.recurrence_outside_years",
                start=rec.start.isoformat(),
                end=rec.end.isoformat(),
                first=plan.plan.year - 1,
                last=plan.plan.year + 1,
            ),
        )
    yield from _check_inputs(plan, deliverable, loc, by_code)


def _check_inputs(
    plan: Plan, deliverable: Deliverable, loc: Location, by_code: dict[str, Deliverable]
) -> Iterator[Problem]:
    """A consolidated report's inputs: at least one, each due before it; no other kind has inputs."""
    if deliverable.kind == "consolidated":
        if not deliverable.inputs:
            yield (*loc, "inputs"), t("plan.consolidated_needs_inputs")
        for j, code in enumerate(deliverable.inputs):
            source = by_code.get(code)
            if source is None or deliverable.due is None:
                continue
            if source.recurrence is not None and not _recurrence_in_years(source.recurrence, plan.plan.year):
                continue  # refused above; its periods cannot be counted
            latest = _latest_due(source)
            if latest is not None and latest >= deliverable.due:
                yield (
                    (*loc, "inputs", j),
                    t(
                        "plan.consolidated_too_early",
                        due=deliverable.due.isoformat(),
                        input=code,
                        input_due=latest.isoformat(),
                    ),
                )
    elif deliverable.inputs:
        yield (*loc, "inputs"), t("plan.inputs_only_consolidated")


def _recurrence_in_years(rec: Recurrence, year: int) -> bool:
    """Whether a recurrence lies within the plan's year, the one before and the one after: its
    periods are counted one by one, and their due days fall in the month after each period."""
    return year - 1 <= rec.start.year and rec.end.year <= year + 1


def _latest_due(deliverable: Deliverable) -> dt.date | None:
    if deliverable.due is not None:
        return deliverable.due
    if deliverable.recurrence is not None:
        return max(p.due for p in expand_periods(deliverable))
    return None
