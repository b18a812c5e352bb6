"""The one validation path: entries keyed by cell address, from an uploaded workbook or from the
portal's web form, become values and problems with the same messages either way."""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dutyflow.formatting import format_number
from dutyflow.forms.layout import NARRATIVE_LIMIT, FormLayout, InputCell, form_layout
from dutyflow.forms.model import FormResult, FormTarget, Problem, Value
from dutyflow.forms.numbers import echo, parse_number, to_decimal
from dutyflow.messages import t
from dutyflow.plan import FormRule, Measure, RuleSeverity, indicator_rows

Entry = str | int | float | Decimal | None
MAX_DIGITS = 15
"""Figures of 10^15 and beyond are typing accidents, not counts of children or thousand đồng."""

OPS: dict[str, tuple[str, Callable[[Decimal, Decimal], bool]]] = {  # the words' catalogue key, the test
    "<=": ("le", operator.le),
    ">=": ("ge", operator.ge),
    "==": ("eq", operator.eq),
}
_WHITESPACE = re.compile(r"\s+")


def validate_entries(target: FormTarget, form_code: str, entries: Mapping[str, Entry]) -> FormResult:
    """Check every input cell of the form `form_code` for `target`; `entries` are keyed by cell
    address ("G12"); addresses that are not input cells of the form are ignored."""
    return check_layout(target, form_layout(target, form_code), entries)


def check_layout(target: FormTarget, layout: FormLayout, entries: Mapping[str, Entry]) -> FormResult:
    by_address = {str(key).strip().upper(): value for key, value in entries.items()}
    check = _Check(target, layout)
    for cell in layout.inputs:
        check.cell(cell, by_address.get(cell.address))
    if layout.form.kind == "indicators":
        check.indicators()
    elif layout.form.kind == "duties":
        check.duties()
    else:
        check.table()
    return FormResult(tuple(check.values), tuple(check.problems), tuple(check.warnings))


@dataclass(frozen=True)
class _Operand:
    column: str
    address: str
    value: Decimal


class _Check:
    def __init__(self, target: FormTarget, layout: FormLayout) -> None:
        self.target = target
        self.layout = layout
        self.numbers: dict[str, Decimal] = {}
        self.texts: dict[str, str] = {}
        self.values: list[Value] = []
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def refuse(self, address: str, message: str) -> None:
        self.problems.append(Problem(self.layout.sheet, address, message))

    def broken(self, rule: FormRule, address: str, message: str) -> None:
        """A rule that failed: refused, or only a warning when the rule warns and accepts."""
        if rule.severity is RuleSeverity.WARNING:
            self.warnings.append(Problem(self.layout.sheet, address, message))
        else:
            self.refuse(address, message)

    # ------------------------------------------------------------------ one cell

    def cell(self, cell: InputCell, raw: Entry) -> None:
        if cell.kind in {"integer", "decimal"}:
            number, message = read_number(raw, money=cell.kind == "decimal")
            if message is not None and (cell.required or not _is_blank(raw)):
                self.refuse(cell.address, message)
            elif number is not None:
                self.numbers[cell.address] = number
        elif cell.kind == "choice":
            choice, message = read_choice(raw, cell.choices)
            if message is not None:
                self.refuse(cell.address, message)
            elif choice is not None:
                self.texts[cell.address] = choice
        else:
            text = read_text(raw)
            if len(text) > NARRATIVE_LIMIT:
                self.refuse(cell.address, t("forms.text_too_long", length=len(text), limit=NARRATIVE_LIMIT))
            elif "\x00" in text:  # no text column of PostgreSQL can hold it; only a tool or an attack types it
                self.refuse(cell.address, t("forms.text_nul"))
            elif text:
                self.texts[cell.address] = text

    # ------------------------------------------------------------------ Phụ lục I

    def indicators(self) -> None:
        self._rates()
        first, conflicting = self._data_elements()
        names = {element.code: element.name for element in self.target.plan.data_elements}
        operands = {element: [_Operand("value", address, value)] for element, (address, value) in first.items()}
        self.rules(operands, {element: names.get(element, element) for element in operands})
        self.values += [
            Value(self.layout.form.code, element, "value", value, None)
            for element, (_, value) in first.items()
            if element not in conflicting
        ]

    def _rates(self) -> None:
        """Each indicator's numerator against its denominator."""
        indicators = {row.indicator.code: row.indicator for row in indicator_rows(self.target.plan)}
        for line in self.layout.lines:
            if len(line.inputs) < 2:  # a count: no denominator
                continue
            indicator = indicators[line.code]
            numerator, denominator = line.inputs
            num, den = self.numbers.get(numerator.address), self.numbers.get(denominator.address)
            if num is None or den is None:
                continue
            if den == 0 and num > 0:
                self.refuse(
                    denominator.address,
                    t(
                        "forms.zero_denominator",
                        numerator=format_number(num),
                        numerator_cell=numerator.address,
                        indicator=indicator.name,
                    ),
                )
            elif indicator.measure is Measure.PERCENT and num > den:
                self.refuse(
                    numerator.address,
                    t(
                        "forms.over_100",
                        numerator=format_number(num),
                        denominator=format_number(den),
                        denominator_cell=denominator.address,
                        indicator=indicator.name,
                    ),
                )

    def _data_elements(self) -> tuple[dict[str, tuple[str, Decimal]], set[str]]:
        """The first (cell, value) of each data element, and the elements given two values."""
        names = {element.code: element.name for element in self.target.plan.data_elements}
        first: dict[str, tuple[str, Decimal]] = {}
        conflicting: set[str] = set()
        for cell in self.layout.inputs:
            value = self.numbers.get(cell.address)
            if value is None or cell.element is None:
                continue
            if cell.element not in first:
                first[cell.element] = (cell.address, value)
                continue
            other_cell, other_value = first[cell.element]
            if other_value != value:
                conflicting.add(cell.element)
                self.refuse(
                    cell.address,
                    t(
                        "forms.element_mismatch",
                        element=names.get(cell.element, cell.element),
                        value=format_number(value),
                        other_value=format_number(other_value),
                        other_cell=other_cell,
                    ),
                )
        return first, conflicting

    # ------------------------------------------------------------------ Phụ lục II

    def duties(self) -> None:
        code = self.layout.form.code
        for cell in self.layout.inputs:
            text = self.texts.get(cell.address)
            if text is not None:
                self.values.append(Value(code, cell.row, cell.column, None, text))

    # ------------------------------------------------------------------ tables

    def table(self) -> None:
        code = self.layout.form.code
        operands: dict[str, list[_Operand]] = {}
        for cell in self.layout.inputs:
            value = self.numbers.get(cell.address)
            if value is not None:
                operands.setdefault(cell.row, []).append(_Operand(cell.column, cell.address, value))
                self.values.append(Value(code, cell.row, cell.column, value, None))
        labels = {row.code: row.label for row in self.layout.form.rows}
        self.rules(
            operands, labels, complete={row.code: len(self.layout.form.columns) for row in self.layout.form.rows}
        )

    def rules(
        self,
        operands: dict[str, list[_Operand]],
        labels: dict[str, str],
        complete: dict[str, int] | None = None,
    ) -> None:
        """The form's validation rules; a side adds up its fields and whole numbers, and a rule is
        checked only where every field it names was filled in."""
        for rule in self.layout.form.rules:
            fields = [*rule.fields("left"), *rule.fields("right")]
            if any(not operands.get(code) for code in fields):
                continue
            message = rule.message or t(
                "forms.rule_default",
                left=_side_label(rule, "left", labels),
                op=t(f"forms.rule_ops.{OPS[rule.op][0]}"),
                right=_side_label(rule, "right", labels),
            )
            if rule.column_wise:
                self._rule_by_column(rule, operands, message)
            elif complete is None or all(len(operands[code]) == complete.get(code) for code in fields):
                self._rule_on_totals(rule, operands, message, labels)

    def _rule_by_column(self, rule: FormRule, operands: dict[str, list[_Operand]], message: str) -> None:
        holds = OPS[rule.op][1]
        cells = {code: {o.column: o for o in found} for code, found in operands.items()}
        columns = [o.column for o in operands[rule.fields("left")[0]]]
        for column in columns:
            sides = {side: [cells[code].get(column) for code in rule.fields(side)] for side in ("left", "right")}
            left, right = sides["left"], sides["right"]
            if None in left or None in right:
                continue
            used_left = [o for o in left if o is not None]
            used_right = [o for o in right if o is not None]
            left_value = sum((o.value for o in used_left), rule.constant("left"))
            right_value = sum((o.value for o in used_right), rule.constant("right"))
            if holds(left_value, right_value):
                continue
            if len(used_left) == 1 == len(used_right) and not rule.constant("left") and not rule.constant("right"):
                detail = t(
                    "forms.rule_detail",
                    message=message,
                    left_cell=used_left[0].address,
                    left_value=format_number(left_value),
                    right_cell=used_right[0].address,
                    right_value=format_number(right_value),
                )
            else:
                detail = t(
                    "targets.rule_detail",
                    message=message,
                    left=_side_cells(used_left, rule.constant("left"), left_value),
                    right=_side_cells(used_right, rule.constant("right"), right_value),
                )
            self.broken(rule, used_left[0].address, detail)

    def _rule_on_totals(
        self, rule: FormRule, operands: dict[str, list[_Operand]], message: str, labels: dict[str, str]
    ) -> None:
        totals = {
            side: sum((o.value for code in rule.fields(side) for o in operands[code]), rule.constant(side))
            for side in ("left", "right")
        }
        if not OPS[rule.op][1](totals["left"], totals["right"]):
            self.broken(
                rule,
                operands[rule.fields("left")[0]][0].address,
                t(
                    "forms.rule_detail_total",
                    message=message,
                    left=_side_label(rule, "left", labels),
                    left_value=format_number(totals["left"]),
                    right=_side_label(rule, "right", labels),
                    right_value=format_number(totals["right"]),
                ),
            )


def _side_label(rule: FormRule, side: Literal["left", "right"], labels: dict[str, str]) -> str:
    """A side as a person reads it: "Số ca mắc + Số ca tử vong", "1"."""
    return side_text([labels.get(code, code) for code in rule.fields(side)], rule.constant(side))


def side_text(terms: list[str], constant: Decimal) -> str:
    """A rule's side from its terms' labels and its constant, which is said when it is not zero
    or is all the side holds: "Số ca mắc + 1", "0". Shared by the rules across forms."""
    if constant or not terms:
        terms = [*terms, format_number(constant)]
    return " + ".join(terms)


def _side_cells(used: list[_Operand], constant: Decimal, total: Decimal) -> str:
    """ "ô G12 + ô G14: 30", or the number alone for a side with no cell."""
    if not used:
        return format_number(total)
    cells = " + ".join(t("targets.cell", cell=o.address) for o in used)
    if constant:
        cells = f"{cells} + {format_number(constant)}"
    return t("targets.cells_value", cells=cells, value=format_number(total))


# --------------------------------------------------------------------------- single values


def _is_blank(raw: Entry) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def read_number(raw: Entry, *, money: bool) -> tuple[Decimal | None, str | None]:
    """(number, None) when `raw` is an acceptable count (or amount of money), else (None, message)."""
    prefix = "forms.money" if money else "forms.integer"
    if _is_blank(raw):
        return None, t("forms.empty")
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        number = parse_number(str(raw))
    else:
        number = to_decimal(raw)
    shown = echo(raw)
    if number is None:
        return None, t(f"{prefix}_expected", value=shown)
    if number < 0:
        return None, t(f"{prefix}_negative", value=shown)
    if abs(number) >= Decimal(10) ** MAX_DIGITS:
        return None, t("forms.too_large", digits=MAX_DIGITS, value=shown)
    if number == number.to_integral_value():
        return number.quantize(Decimal(1)) + 0, None  # + 0 turns "-0" into 0
    if not money:
        return None, t("forms.integer_fraction", value=shown)
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return None, t("forms.money_decimals", value=shown)
    return number, None


def read_choice(raw: Entry, choices: tuple[str, ...]) -> tuple[str | None, str | None]:
    listed = ", ".join(choices)
    if _is_blank(raw):
        return None, t("forms.empty_status", choices=listed)
    wanted = _WHITESPACE.sub(" ", unicodedata.normalize("NFC", str(raw))).strip().casefold()
    for choice in choices:
        if choice.casefold() == wanted:
            return choice, None
    return None, t("forms.bad_choice", value=echo(raw), choices=listed)


def read_text(raw: Entry) -> str:
    if raw is None:
        return ""
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        number = to_decimal(raw)
        text = format_number(number) if number is not None else str(raw)
    else:
        text = str(raw)
    return unicodedata.normalize("NFC", text).strip()
