"""Where everything of a form stands on its sheet: reference cells, input cells and their kinds.

The layout is the single source of cell addresses: the workbook builder draws it, the reader
reads its input cells, the validator and the portal's web form address entries by them.

Every sheet has the same frame: headings in rows 1–8, column titles in rows 10–11, one line per
row of the form from row 12. Phụ lục I (`indicators`): A code, B indicator, C measure, D
direction, E target, F/G numerator (data element, figure), H/I denominator (data element,
figure), J result computed by Excel; inputs G and I. Phụ lục II (`duties`): A code, B duty,
C role; inputs D status (a list) and E narrative. Tables: A number, B row label; inputs from C,
one column per column of the form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from dutyflow.formatting import format_number
from dutyflow.forms.model import CellKind, FormTarget
from dutyflow.messages import t
from dutyflow.plan import Direction, Duty, Form, Indicator, Measure, indicator_rows, reduction_size, target_of_year

TITLE_ROW = 1
HEADER_ROW = 10
SUBHEADER_ROW = 11
FIRST_ROW = 12
NARRATIVE_LIMIT = 4000
STATUS_KEYS = ("done", "in_progress", "not_started")


def status_choices() -> tuple[str, ...]:
    return tuple(t(f"forms.statuses.{key}") for key in STATUS_KEYS)


def column_letter(index: int) -> str:
    """1 -> "A", 27 -> "AA"."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Column:
    letter: str
    title: str
    width: float
    group: str | None = None
    """A title spanning this and the neighbouring columns of the same group (row 10)."""


@dataclass(frozen=True)
class Formula:
    text: str


Fixed = str | int | Decimal | Formula


@dataclass(frozen=True)
class InputCell:
    address: str
    row: str
    """Indicator code, duty code, or the table row's code."""
    column: str
    """"numerator" / "denominator", "status" / "narrative", or the table column's code."""
    kind: CellKind
    row_label: str
    column_label: str
    reference: str = ""
    element: str | None = None
    """Phụ lục I: the data element the figure belongs to."""
    choices: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    fixed: tuple[tuple[str, Fixed], ...]
    """(column letter, value) of the locked reference cells."""
    inputs: tuple[InputCell, ...]


@dataclass(frozen=True)
class FormLayout:
    form: Form
    columns: tuple[Column, ...]
    lines: tuple[Line, ...]

    @property
    def sheet(self) -> str:
        return self.form.name

    @property
    def inputs(self) -> tuple[InputCell, ...]:
        return tuple(cell for line in self.lines for cell in line.inputs)

    @property
    def last_column(self) -> str:
        return self.columns[-1].letter

    @property
    def last_row(self) -> int:
        return self.lines[-1].number if self.lines else FIRST_ROW

    def input_at(self, address: str) -> InputCell | None:
        return next((cell for cell in self.inputs if cell.address == address), None)

    @property
    def fingerprint(self) -> str:
        """Changes whenever an input cell would mean something else."""
        digest = hashlib.sha256()
        digest.update(f"{self.form.code}|{self.form.kind}|{self.form.version}".encode())
        for cell in self.inputs:
            digest.update(f"\n{cell.address}|{cell.row}|{cell.column}|{cell.kind}|{cell.element}".encode())
        return digest.hexdigest()[:16]


def form_layout(target: FormTarget, form_code: str) -> FormLayout:
    form = target.form(form_code)
    if form.kind == "indicators":
        return _indicators_layout(target, form)
    if form.kind == "duties":
        return _duties_layout(target, form)
    return _table_layout(form)


def layouts(target: FormTarget) -> tuple[FormLayout, ...]:
    return tuple(form_layout(target, form.code) for form in target.forms)


# --------------------------------------------------------------------------- Phụ lục I


def unit_indicators(target: FormTarget) -> list[Indicator]:
    """The indicators the unit reports, each part of a split one on a line of its own."""
    return [
        row.indicator
        for row in indicator_rows(target.plan)
        if any(unit.code == target.unit_code for unit in target.plan.expand_units(row.indicator.reported_by))
    ]


def direction_label(indicator: Indicator) -> str:
    key = indicator.direction.value
    if indicator.strict and indicator.direction is Direction.AT_LEAST:
        key = "above"
    elif indicator.strict and indicator.direction is Direction.AT_MOST:
        key = "below"
    return t(f"forms.directions.{key}")


def target_label(indicator: Indicator, year: int | None = None) -> str:
    """The target of `year` as the form's "Mục tiêu" cell has it: "90%", "95% (năm 2030)" when
    only a later year has one, "2–3%/năm" for a reduction by a size."""
    if indicator.reduction is not None:
        return t("targets.form_reduction", size=reduction_size(indicator.reduction))
    value, due = target_of_year(indicator, year)
    later = None
    if not due:
        later = min(indicator.targets, key=lambda named: named.year)
        value = later.target
    if value is None:
        return t("forms.not_applicable")
    suffix = "" if indicator.measure is Measure.COUNT else t(f"forms.measures.{indicator.measure.value}")
    label = f"{format_number(value)}{suffix}"
    return label if later is None else t("targets.form_later_year", target=label, year=later.year)


def goal_label(indicator: Indicator, year: int | None = None) -> str:
    if indicator.reduction is not None:
        return t("targets.reduce_by", size=reduction_size(indicator.reduction))
    if indicator.direction in {Direction.REDUCE, Direction.ELIMINATE, Direction.REACH_100}:
        return direction_label(indicator)
    return t("forms.goal", direction=direction_label(indicator), target=target_label(indicator, year))


def _indicators_layout(target: FormTarget, form: Form) -> FormLayout:
    """The indicators form (Phụ lục I): its columns, then a row per indicator the unit reports.

    Its length is the column table, one line per column, which reads best as one list."""
    numerator, denominator = t("forms.columns.numerator"), t("forms.columns.denominator")
    columns = (
        Column("A", t("forms.columns.code"), 8),
        Column("B", t("forms.columns.indicator"), 44),
        Column("C", t("forms.columns.measure"), 10),
        Column("D", t("forms.columns.direction"), 15),
        Column("E", t("forms.columns.target"), 11),
        Column("F", t("forms.columns.element"), 32, numerator),
        Column("G", t("forms.columns.figure"), 13, numerator),
        Column("H", t("forms.columns.element"), 32, denominator),
        Column("I", t("forms.columns.figure"), 13, denominator),
        Column("J", t("forms.columns.result"), 11),
    )
    names = {element.code: element.name for element in target.plan.data_elements}
    year = target.plan.plan.year
    dash = t("forms.not_applicable")
    lines: list[Line] = []
    for number, indicator in enumerate(unit_indicators(target), start=FIRST_ROW):
        row_label = t("forms.row_label", code=indicator.code, label=indicator.name)
        reference = t("forms.reference_indicator", goal=goal_label(indicator, year))
        inputs = [
            InputCell(
                address=f"G{number}",
                row=indicator.code,
                column="numerator",
                kind="integer",
                row_label=row_label,
                column_label=t("forms.numerator_of", element=names.get(indicator.numerator, indicator.numerator)),
                reference=reference,
                element=indicator.numerator,
            )
        ]
        if indicator.denominator is not None:
            inputs.append(
                InputCell(
                    address=f"I{number}",
                    row=indicator.code,
                    column="denominator",
                    kind="integer",
                    row_label=row_label,
                    column_label=t(
                        "forms.denominator_of", element=names.get(indicator.denominator, indicator.denominator)
                    ),
                    reference=reference,
                    element=indicator.denominator,
                )
            )
        fixed: list[tuple[str, Fixed]] = [
            ("A", indicator.code),
            ("B", indicator.name),
            ("C", t(f"forms.measures.{indicator.measure.value}")),
            ("D", direction_label(indicator)),
            ("E", target_label(indicator, year)),
            ("F", names.get(indicator.numerator, indicator.numerator)),
            ("H", names.get(indicator.denominator, indicator.denominator) if indicator.denominator else dash),
            ("J", _result_formula(indicator, number)),
        ]
        if indicator.denominator is None:
            fixed.append(("I", dash))
        lines.append(Line(number, indicator.code, tuple(fixed), tuple(inputs)))
    return FormLayout(form, columns, tuple(lines))


def _result_formula(indicator: Indicator, row: int) -> Formula:
    if indicator.denominator is None:
        return Formula(f'=IF(ISNUMBER(G{row}),G{row},"")')
    factor = format_number(indicator.effective_factor).replace(".", "")
    return Formula(f'=IF(AND(ISNUMBER(G{row}),ISNUMBER(I{row}),I{row}>0),G{row}/I{row}*{factor},"")')


# --------------------------------------------------------------------------- Phụ lục II


def _duties_layout(target: FormTarget, form: Form) -> FormLayout:
    columns = (
        Column("A", t("forms.columns.code"), 9),
        Column("B", t("forms.columns.duty"), 52),
        Column("C", t("forms.columns.role"), 11),
        Column("D", t("forms.columns.status"), 18),
        Column("E", t("forms.columns.narrative"), 60),
    )
    choices = status_choices()
    lines: list[Line] = []
    for number, (duty, lead) in enumerate(_unit_duties(target), start=FIRST_ROW):
        role = t(f"forms.roles.{'lead' if lead else 'partner'}")
        row_label = t("forms.row_label", code=duty.code, label=duty.title)
        reference = t("forms.reference_duty", role=role)
        inputs = (
            InputCell(
                address=f"D{number}",
                row=duty.code,
                column="status",
                kind="choice",
                row_label=row_label,
                column_label=t("forms.columns.status"),
                reference=reference,
                choices=choices,
            ),
            InputCell(
                address=f"E{number}",
                row=duty.code,
                column="narrative",
                kind="text",
                row_label=row_label,
                column_label=t("forms.columns.narrative"),
                reference=reference,
                required=False,
            ),
        )
        fixed: tuple[tuple[str, Fixed], ...] = (("A", duty.code), ("B", duty.title), ("C", role))
        lines.append(Line(number, duty.code, fixed, inputs))
    return FormLayout(form, columns, tuple(lines))


def _unit_duties(target: FormTarget) -> Iterator[tuple[Duty, bool]]:
    plan, unit = target.plan, target.unit_code
    for duty in plan.duties:
        lead = any(u.code == unit for u in plan.expand_units(duty.units))
        partner = any(u.code == unit for u in plan.expand_units(duty.partners))
        if lead or partner:
            yield duty, lead


# --------------------------------------------------------------------------- tables


def _table_layout(form: Form) -> FormLayout:
    kind: CellKind = "decimal" if form.value_type == "money" else "integer"
    columns = [Column("A", t("forms.columns.number"), 6), Column("B", t("forms.columns.item"), 42)]
    letters = [column_letter(index) for index in range(3, 3 + len(form.columns))]
    columns += [Column(letter, column.label, 14) for letter, column in zip(letters, form.columns, strict=True)]
    lines: list[Line] = []
    for index, row in enumerate(form.rows):
        number = FIRST_ROW + index
        row_label = row.label
        inputs = tuple(
            InputCell(f"{letter}{number}", row.code, column.code, kind, row_label, column.label)
            for letter, column in zip(letters, form.columns, strict=True)
        )
        lines.append(Line(number, row.code, (("A", index + 1), ("B", row.label)), inputs))
    return FormLayout(form, tuple(columns), tuple(lines))
