"""Validation rules across the forms of one report: the plan's `rules`, checked on everything a
unit handed in at once (a workbook's sheets, or the web form's), after each form's own checks.

A side adds up fields written "FORM.field": a data element of an indicators form (its cell), or a
row of a table (all its cells, so the row must be filled in completely). A rule is checked only
where every field it names was read without a problem, and its message names the cells of both
sides with their sheets. Pure: the plan and what was read in, problems and warnings out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dutyflow.formatting import format_number
from dutyflow.forms.layout import FormLayout, layouts
from dutyflow.forms.model import FormResult, FormTarget, Problem
from dutyflow.forms.validate import OPS, side_text
from dutyflow.messages import t
from dutyflow.plan import CrossFormRule, RuleSeverity

__all__ = ["check_across"]


@dataclass(frozen=True)
class _Field:
    sheet: str
    addresses: tuple[str, ...]
    value: Decimal


def check_across(target: FormTarget, result: FormResult) -> FormResult:
    """The problems and warnings of the plan's rules across forms that apply to `target`'s
    deliverable, on the values of `result` (the forms' own checks of the same hand-in)."""
    by_form = {layout.form.code: layout for layout in layouts(target)}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for rule in target.plan.rules:
        if not rule.forms() <= set(by_form):
            continue
        sides = {side: _side(rule, side, by_form, result) for side in ("left", "right")}
        left, right = sides["left"], sides["right"]
        if left is None or right is None or not left:
            continue
        left_value = sum((f.value for f in left), rule.constant("left"))
        right_value = sum((f.value for f in right), rule.constant("right"))
        if OPS[rule.op][1](left_value, right_value):
            continue
        message = rule.message or t(
            "rules_across.default",
            left=_label(rule, "left", by_form, target),
            op=t(f"forms.rule_ops.{OPS[rule.op][0]}"),
            right=_label(rule, "right", by_form, target),
        )
        detail = t(
            "rules_across.detail",
            message=message,
            left=_cells(left, rule.constant("left"), left_value),
            right=_cells(right, rule.constant("right"), right_value),
        )
        problem = Problem(left[0].sheet, left[0].addresses[0], detail)
        (warnings if rule.severity is RuleSeverity.WARNING else problems).append(problem)
    return FormResult((), tuple(problems), tuple(warnings))


def _side(
    rule: CrossFormRule, side: Literal["left", "right"], by_form: dict[str, FormLayout], result: FormResult
) -> list[_Field] | None:
    """The fields of one side as read, or None when one of them was not (fully) given."""
    fields: list[_Field] = []
    for form, code in rule.fields(side):
        layout = by_form[form]
        numbers = {(v.row, v.column): v.number for v in result.values if v.form == form and v.number is not None}
        if layout.form.kind == "indicators":
            cell = next((c for c in layout.inputs if c.element == code), None)
            if cell is None or (code, "value") not in numbers:
                return None
            fields.append(_Field(layout.sheet, (cell.address,), numbers[(code, "value")]))
        else:
            cells = [c for c in layout.inputs if c.row == code]
            if not cells or any((code, c.column) not in numbers for c in cells):
                return None
            total = sum((numbers[(code, c.column)] for c in cells), Decimal(0))
            fields.append(_Field(layout.sheet, tuple(c.address for c in cells), total))
    return fields


def _label(
    rule: CrossFormRule, side: Literal["left", "right"], by_form: dict[str, FormLayout], target: FormTarget
) -> str:
    terms: list[str] = []
    for form, code in rule.fields(side):
        layout = by_form[form]
        if layout.form.kind == "indicators":
            names = {e.code: e.name for e in target.plan.data_elements}
        else:
            names = {r.code: r.label for r in layout.form.rows}
        terms.append(t("rules_across.label", form=layout.sheet, name=names.get(code, code)))
    return side_text(terms, rule.constant(side))


def _cells(fields: list[_Field], constant: Decimal, total: Decimal) -> str:
    """ "Phụ lục I, ô G30 + Phụ lục III, ô C5 đến J5: 23"; the number alone with no cell."""
    if not fields:
        return format_number(total)
    parts: list[str] = []
    for f in fields:
        if len(f.addresses) == 1:
            where = t("rules_across.cell", cell=f.addresses[0])
        else:
            where = t("rules_across.row", first=f.addresses[0], last=f.addresses[-1])
        parts.append(t("rules_across.where", sheet=f.sheet, cell=where))
    if constant:
        parts.append(format_number(constant))
    return t("targets.cells_value", cells=" + ".join(parts), value=format_number(total))
