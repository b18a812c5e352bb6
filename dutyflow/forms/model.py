"""The plain values the forms package hands out: who fills what, what was read, what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from dutyflow.messages import t
from dutyflow.plan import Deliverable, Form, Plan, Unit

CellKind = Literal["integer", "decimal", "choice", "text"]


@dataclass(frozen=True)
class FormTarget:
    """Who fills which forms, for what: one unit's deliverable for one period."""

    plan: Plan
    unit_code: str
    deliverable_code: str
    period_code: str
    period_label: str

    @property
    def unit(self) -> Unit:
        return self.plan.unit(self.unit_code)

    @property
    def deliverable(self) -> Deliverable:
        for deliverable in self.plan.deliverables:
            if deliverable.code == self.deliverable_code:
                return deliverable
        raise ValueError(f"plan {self.plan.plan.code!r} has no deliverable {self.deliverable_code!r}")

    @property
    def forms(self) -> tuple[Form, ...]:
        """The deliverable's forms, in the deliverable's order."""
        by_code = {form.code: form for form in self.plan.forms}
        return tuple(by_code[code] for code in self.deliverable.forms)

    def form(self, code: str) -> Form:
        for form in self.forms:
            if form.code == code:
                return form
        raise ValueError(f"deliverable {self.deliverable_code!r} has no form {code!r}")


@dataclass(frozen=True)
class Value:
    """One figure or text handed in.

    Phụ lục I: row = data element code, column = "value". Phụ lục II: row = duty code, column =
    "status" or "narrative" (text). Tables: row and column codes of the form, number.
    """

    form: str
    row: str
    column: str
    number: Decimal | None
    text: str | None


@dataclass(frozen=True)
class Problem:
    """Something a unit must fix.

    `sheet` is the sheet's title ("Phụ lục I"), the file's name for a document, or "" when the
    problem concerns the whole upload; `cell` is an address such as "E12", or None.
    """

    sheet: str
    cell: str | None
    message: str

    def __str__(self) -> str:
        if self.sheet and self.cell:
            return t("forms.at_cell", sheet=self.sheet, cell=self.cell, message=self.message)
        if self.sheet:
            return t("forms.at_sheet", sheet=self.sheet, message=self.message)
        return self.message


@dataclass(frozen=True)
class FormResult:
    """What was read (the values that passed their own checks), every problem found, and the
    warnings of rules that warn and accept (they do not make the result wrong)."""

    values: tuple[Value, ...] = ()
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def __add__(self, other: FormResult) -> FormResult:
        return FormResult(
            self.values + other.values, self.problems + other.problems, self.warnings + other.warnings
        )


@dataclass(frozen=True)
class WebField:
    """One input of the portal's web form; `name` is the cell address of the form's layout."""

    name: str
    row_label: str
    column_label: str
    kind: CellKind
    choices: tuple[str, ...] = ()
    reference: str = ""
    required: bool = True
