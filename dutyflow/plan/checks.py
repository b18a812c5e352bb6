"""Cross-checks of a plan that pydantic cannot do field by field: references between sections,
unit lifetimes and successions, and the logic of dates. Each problem is a location and a
Vietnamese message, reported through the same channel as the model's errors so it gets its line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from dutyflow.messages import t
from dutyflow.plan.fields import DeadlineRule, Direction, LastDayOff, Measure
from dutyflow.plan.model import (
    ChaseConfig,
    Deliverable,
    Form,
    Indicator,
    IndicatorPart,
    Plan,
    Recurrence,
    Unit,
)
from dutyflow.plan.periods import expand_periods
from dutyflow.plan.source import Location, SourceMap
from dutyflow.plan.targets import part_indicator, target_number

Problem = tuple[Location, str]


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

    yield from _check_units(plan, unit_codes)
    yield from _check_gso_code_reuse(plan, source)
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
        yield from _check_indicator(ind, ("indicators", i), element_codes, assignable)
        yield from _check_shape(plan, ind, ("indicators", i), element_codes)
    yield from _check_target_groups(plan)
    yield from _check_numbers(plan, source)

    for i, form in enumerate(plan.forms):
        yield from _check_form(form, ("forms", i), element_codes)

    yield from _check_rules_across(plan, element_codes)
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


def _check_units(plan: Plan, unit_codes: set[str]) -> Iterator[Problem]:
    by_code = {u.code: u for u in plan.units}
    for i, unit in enumerate(plan.units):
        loc: Location = ("units", i)
        if unit.parent is not None and unit.parent not in unit_codes:
            yield (*loc, "parent"), t("plan.unknown_unit_only", code=unit.parent)
        if unit.successor is not None:
            if unit.successor not in unit_codes:
                yield (*loc, "successor"), t("plan.unknown_unit_only", code=unit.successor)
            elif unit.successor == unit.code:
                yield (*loc, "successor"), t("plan.successor_self")
            if unit.closes is None:
                yield (*loc, "successor"), t("plan.successor_without_close")
            else:
                yield from _check_succession(unit, by_code.get(unit.successor), loc)
        yield from _check_gso_code(unit, loc)
        if unit.opens and unit.closes and unit.closes <= unit.opens:
            yield (
                (*loc, "closes"),
                t("plan.closes_before_opens", closes=unit.closes.isoformat(), opens=unit.opens.isoformat()),
            )
        for attr, message_key in (("successor", "plan.successor_cycle"), ("parent", "plan.parent_cycle")):
            chain = [unit.code]
            current = getattr(unit, attr)
            while current is not None and current in by_code and current not in chain:
                chain.append(current)
                current = getattr(by_code[current], attr)
            if current is not None and current == unit.code and len(chain) > 1:
                yield (*loc, attr), t(message_key, chain=" → ".join([*chain, current]))


def _check_succession(unit: Unit, successor: Unit | None, loc: Location) -> Iterator[Problem]:
    """What a unit owes from its `closes` on passes to its successor, which must exist that day:
    opening later leaves a gap owed by nobody, closing by then leaves the duty nowhere."""
    if successor is None or successor.code == unit.code or unit.closes is None:
        return
    day = unit.closes.isoformat()
    if successor.opens is not None and successor.opens > unit.closes:
        yield (
            (*loc, "successor"),
            t("plan.successor_gap", successor=successor.code, opens=successor.opens.isoformat(), closes=day),
        )
    if successor.closes is not None and successor.closes <= unit.closes:
        yield (
            (*loc, "successor"),
            t(
                "plan.successor_closed",
                successor=successor.code,
                successor_closes=successor.closes.isoformat(),
                closes=day,
            ),
        )


def _check_gso_code(unit: Unit, loc: Location) -> Iterator[Problem]:
    if unit.gso_code is None:
        return
    kind = t(f"unit_kind.{unit.kind.value}")
    length = unit.kind.gso_code_length
    if length is None:
        yield (*loc, "gso_code"), t("plan.gso_code_forbidden", kind=kind)
    elif len(unit.gso_code) != length:
        yield (*loc, "gso_code"), t("plan.gso_code_length", kind=kind, digits=length, code=unit.gso_code)


def _check_gso_code_reuse(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """An administrative code names one unit at a time: the new communes of 1/7/2025 reuse old
    codes, so a code may repeat in a plan, for units whose lifetimes do not overlap."""
    holders: dict[str, list[int]] = {}
    for i, unit in enumerate(plan.units):
        if unit.gso_code is not None:
            holders.setdefault(unit.gso_code, []).append(i)
    for code, indexes in holders.items():
        for n, i in enumerate(indexes):
            unit = plan.units[i]
            for j in indexes[:n]:
                other = plan.units[j]
                if _lifetimes_overlap(unit, other):
                    yield (
                        ("units", i, "gso_code"),
                        t(
                            "plan.gso_code_overlap",
                            code=code,
                            other=other.code,
                            line=source.line_of(("units", j, "gso_code")),
                        ),
                    )
                    break


def _lifetimes_overlap(a: Unit, b: Unit) -> bool:
    starts_before_b_ends = b.closes is None or a.opens is None or a.opens < b.closes
    starts_before_a_ends = a.closes is None or b.opens is None or b.opens < a.closes
    return starts_before_b_ends and starts_before_a_ends


def _operands(
    item: Indicator | IndicatorPart, measure: Measure, loc: Location, element_codes: set[str], *, missing_at: str
) -> Iterator[Problem]:
    """An indicator's or a part's numerator and denominator: known data elements, and a
    denominator exactly when `measure` is not a count (its absence said at `missing_at`)."""
    for key in ("numerator", "denominator"):
        code = getattr(item, key)
        if code is not None and code not in element_codes:
            yield (*loc, key), t("plan.unknown_data_element", code=code)
    if measure is Measure.COUNT and item.denominator is not None:
        yield (*loc, "denominator"), t("plan.denominator_forbidden")
    if measure is not Measure.COUNT and item.denominator is None:
        yield (*loc, missing_at), t("plan.denominator_required", measure=measure.value)


def _check_indicator(ind: Indicator, loc: Location, element_codes: set[str], assignable: set[str]) -> Iterator[Problem]:
    yield from _operands(ind, ind.measure, loc, element_codes, missing_at="measure")
    if ind.factor is not None and ind.factor != ind.measure.default_factor:
        yield (
            (*loc, "factor"),
            t(
                "plan.factor_mismatch",
                factor=ind.factor,
                measure=ind.measure.value,
                expected=ind.measure.default_factor,
            ),
        )
    upper = None if ind.measure is Measure.COUNT else ind.measure.default_factor
    for key in ("target", "baseline"):
        value: Decimal | None = getattr(ind, key)
        if value is not None and (value < 0 or (upper is not None and value > upper)):
            yield (
                (*loc, key),
                t(
                    "plan.out_of_range",
                    what=t(f"plan.out_of_range_what.{key}"),
                    value=value,
                    range=t(f"plan.measure_range.{ind.measure.value}"),
                ),
            )
    if ind.direction in {Direction.AT_LEAST, Direction.AT_MOST} and ind.target is None and not ind.targets:
        yield (*loc, "target"), t("plan.target_required", direction=ind.direction.value)
    if ind.direction is Direction.REACH_100 and (ind.target != 100 or ind.measure is not Measure.PERCENT):
        yield (*loc, "target"), t("plan.reach_100_target")
    if ind.direction is Direction.ELIMINATE and ind.target not in (None, 0):
        yield (*loc, "target"), t("plan.eliminate_target")
    for j, code in enumerate(ind.reported_by):
        if code not in assignable:
            yield (*loc, "reported_by", j), t("plan.unknown_unit", code=code)


def _check_form(form: Form, loc: Location, element_codes: set[str]) -> Iterator[Problem]:
    if form.kind == "table":
        if not form.rows or not form.columns:
            yield (*loc, "rows"), t("plan.form_rows_empty")
    elif form.rows or form.columns:
        yield (*loc, "rows"), t("plan.form_rows_forbidden", kind=form.kind)
    fields = {"table": {r.code for r in form.rows}, "indicators": element_codes}.get(form.kind, set())
    for j, rule in enumerate(form.rules):
        if form.kind == "duties":
            yield (*loc, "rules", j), t("targets.check.rule_on_duties")
            continue
        for side in ("left", "right"):
            for code in rule.fields(side):
                if code not in fields:
                    key = "plan.unknown_rule_cell" if form.kind == "table" else "targets.check.unknown_rule_element"
                    yield (*loc, "rules", j, side), t(key, code=code)
            if not rule.fields(side) and side == "left":
                yield (*loc, "rules", j, side), t("targets.check.rule_without_field")


def _check_rules_across(plan: Plan, element_codes: set[str]) -> Iterator[Problem]:
    """Rules across forms: every field names a form of the plan and a field of it, at least two
    forms, and some deliverable has them all (else the rule is never checked)."""
    forms = {form.code: form for form in plan.forms}
    for j, rule in enumerate(plan.rules):
        loc: Location = ("rules", j)
        known = True
        for side in ("left", "right"):
            for form_code, code in rule.fields(side):
                form = forms.get(form_code)
                if not form_code:
                    yield (*loc, side), t("rules_across.check.no_form", code=code)
                elif form is None:
                    yield (*loc, side), t("rules_across.check.unknown_form", code=form_code)
                elif form.kind == "duties":
                    yield (*loc, side), t("rules_across.check.duties_form", form=form_code)
                elif code not in (element_codes if form.kind == "indicators" else {r.code for r in form.rows}):
                    yield (*loc, side), t("rules_across.check.unknown_field", form=form_code, code=code)
                else:
                    continue
                known = False
        if not rule.fields("left"):
            yield (*loc, "left"), t("rules_across.check.without_field")
        elif known and len(rule.forms()) < 2:
            yield loc, t("rules_across.check.one_form", form=next(iter(rule.forms())))
        elif known and not any(rule.forms() <= set(d.forms) for d in plan.deliverables):
            yield loc, t("rules_across.check.no_deliverable", forms=", ".join(sorted(rule.forms())))


# --------------------------------------------------------------------------- target shapes


def _check_shape(plan: Plan, ind: Indicator, loc: Location, element_codes: set[str]) -> Iterator[Problem]:
    """Named-year targets, a reduction by a size and a split: each what its direction allows."""
    year = plan.plan.year
    seen: set[int] = set()
    for j, named in enumerate(ind.targets):
        at: Location = (*loc, "targets", j)
        if ind.direction not in {Direction.AT_LEAST, Direction.AT_MOST}:
            yield (*at, "target"), t("targets.check.year_target_direction", direction=ind.direction.value)
        if named.year in seen:
            yield (*at, "year"), t("targets.check.year_twice", year=named.year)
        seen.add(named.year)
        if named.year < year:
            yield (*at, "year"), t("targets.check.year_past", year=named.year, plan_year=year)
        if named.year == year and ind.target is not None:
            yield (*at, "year"), t("targets.check.year_and_target", year=named.year, target=ind.target)
        yield from _range(ind, named.target, (*at, "target"), "target")
    if ind.reduction is not None:
        high = ind.reduction.high
        if high is not None and high < ind.reduction.low:
            yield (*loc, "reduction", "high"), t("targets.check.reduction_order", low=ind.reduction.low, high=high)
        if ind.direction is not Direction.REDUCE:
            yield (*loc, "reduction"), t("targets.check.reduction_direction", direction=ind.direction.value)
        elif ind.target is not None:
            yield (*loc, "target"), t("targets.check.reduction_and_target")
    codes: set[str] = set()
    indicator_codes = {other.code for other in plan.indicators}
    for j, part in enumerate(ind.split):
        at = (*loc, "split", j)
        if part.code in codes:
            yield (*at, "code"), t("targets.check.part_twice", code=part.code)
        codes.add(part.code)
        derived = part_indicator(ind, part)
        if derived.code in indicator_codes:
            yield (*at, "code"), t("targets.check.part_code_taken", code=derived.code)
        yield from _operands(part, ind.measure, at, element_codes, missing_at="numerator")
        for key in ("target", "baseline"):
            yield from _range(ind, getattr(part, key), (*at, key), key)
        if ind.direction in {Direction.AT_LEAST, Direction.AT_MOST} and derived.target is None and not derived.targets:
            yield (*at, "target"), t("plan.target_required", direction=ind.direction.value)


def _range(ind: Indicator, value: Decimal | None, loc: Location, key: str) -> Iterator[Problem]:
    upper = None if ind.measure is Measure.COUNT else ind.measure.default_factor
    if value is not None and (value < 0 or (upper is not None and value > upper)):
        yield (
            loc,
            t(
                "plan.out_of_range",
                what=t(f"plan.out_of_range_what.{key}"),
                value=value,
                range=t(f"plan.measure_range.{ind.measure.value}"),
            ),
        )


def _check_target_groups(plan: Plan) -> Iterator[Problem]:
    """With groups declared, every indicator names one of them: the report heads it by its title."""
    codes: set[str] = set()
    for i, group in enumerate(plan.indicator_groups):
        if group.code in codes:
            yield ("indicator_groups", i, "code"), t("targets.check.group_twice", code=group.code)
        codes.add(group.code)
    if not codes:
        return
    for i, ind in enumerate(plan.indicators):
        if ind.group not in codes:
            yield (
                ("indicators", i, "group"),
                t("targets.check.unknown_group", code=ind.group, known=", ".join(sorted(codes))),
            )


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
