"""Cross-checks of a plan's targets, forms and rules: operands, shapes, ranges and groups (part of
`dutyflow.plan.checks`)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from dutyflow.messages import t
from dutyflow.plan.fields import Direction, Measure
from dutyflow.plan.model import Plan
from dutyflow.plan.source import Location, Problem
from dutyflow.plan.target_model import Form, Indicator, IndicatorPart
from dutyflow.plan.targets import part_indicator


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


def check_indicator(ind: Indicator, loc: Location, element_codes: set[str], assignable: set[str]) -> Iterator[Problem]:
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


def check_form(form: Form, loc: Location, element_codes: set[str]) -> Iterator[Problem]:
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


def check_rules_across(plan: Plan, element_codes: set[str]) -> Iterator[Problem]:
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


def check_shape(plan: Plan, ind: Indicator, loc: Location, element_codes: set[str]) -> Iterator[Problem]:
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


def check_target_groups(plan: Plan) -> Iterator[Problem]:
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
