"""The plan's targets and forms as validated models: data elements, indicators and their parts,
target groups, and the appendix forms with their rules (sections of `dutyflow.plan.model.Plan`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from dutyflow.plan.fields import (
    Code,
    Direction,
    LongText,
    Measure,
    RuleSeverity,
    RuleSide,
    TargetNumber,
    Text,
)
from dutyflow.plan.strict import Strict


class DataElement(Strict):
    code: Code
    name: Text
    nature: Literal["event", "stock"] = "event"
    """event: counted over the period, sums across periods; stock: a head count at a date, latest wins."""
    counts_units: bool = False
    """The figure counts the reporting units themselves (the number of communes, of communes
    meeting a standard): each unit reports 1 or 0 of itself."""
    part_of: list[Code] = []
    """Data elements this one is a part of and never exceeds (deaths among the cases)."""


class TargetGroup(Strict):
    """A group of targets as the plan heads it ("a) Về bảo vệ trẻ em"): the report's headings."""

    code: Code
    """What indicators name in `group`, and the report prints before the title ("a")."""
    title: Text


class YearTarget(Strict):
    """A target the plan sets for a named year ("đến năm 2030 đạt 95%")."""

    year: int = Field(ge=2000, le=2100)
    target: Decimal


class Reduction(Strict):
    """ "Giảm 2–3% mỗi năm": a reduction by a size, in percent of the previous year's value."""

    low: Decimal = Field(gt=0, lt=100)
    """The least reduction that meets the target (2 in "giảm 2–3%")."""
    high: Decimal | None = Field(default=None, gt=0, lt=100)
    """The upper end of the range the plan states (3 in "giảm 2–3%"); None for "giảm 2%"."""


class IndicatorPart(Strict):
    """One part of a target split by a disaggregation (thành thị / nông thôn): its own figures,
    its own target, its own verdict."""

    code: Code
    label: Text
    """How the part reads after the indicator's name: "thành thị"."""
    numerator: Code
    denominator: Code | None = None
    target: Decimal | None = None
    """None: the indicator's own target."""
    baseline: Decimal | None = None


class Indicator(Strict):
    code: Code
    group: Text
    number: TargetNumber | None = None
    """The target's number in the plan ("3", or "3a" for a sub-target of target 3); None: the
    report numbers the indicators in order."""
    name: Text
    measure: Measure
    numerator: Code
    denominator: Code | None = None
    factor: Decimal | None = None
    direction: Direction
    strict: bool = False
    """True when the plan says "dưới"/"trên" (strictly below/above) rather than "đạt"."""
    target: Decimal | None = None
    """The target for the plan's own year."""
    targets: list[YearTarget] = []
    """Targets for named years ("đến năm 2025 …", "đến năm 2030 …"): the plan's year is judged
    against its own, a later year's is shown but not yet due."""
    reduction: Reduction | None = None
    """For "reduce": the size of the yearly reduction relative to `baseline`."""
    baseline: Decimal | None = None
    """Last year's value, for "reduce"; None means not known."""
    split: list[IndicatorPart] = []
    """The parts of a target split by a disaggregation (urban/rural), each judged on its own."""
    reported_by: list[Code] = Field(min_length=1)
    note: LongText | None = None

    @property
    def effective_factor(self) -> Decimal:
        return self.factor if self.factor is not None else self.measure.default_factor


class FormRow(Strict):
    code: Code
    label: Text


class FormRule(Strict):
    """A validation rule between fields of one form, as DHIS2 has them: left side, operator, right
    side, each side a field (a data element on Phụ lục I, a row on a table), a whole number, or a
    sum of them ("tre_7_tuoi + tre_11_tuoi"), and the message a unit reads when it fails."""

    left: RuleSide
    op: Literal["<=", ">=", "=="]
    right: RuleSide
    column_wise: bool = True
    """Compare row `left` with row `right` in every column."""
    message: Text | None = None
    severity: RuleSeverity = RuleSeverity.ERROR

    def fields(self, side: Literal["left", "right"]) -> list[str]:
        """The fields a side adds up, in the order written."""
        return [term for term in _terms(getattr(self, side)) if not term.isdigit()]

    def constant(self, side: Literal["left", "right"]) -> Decimal:
        """The whole numbers a side adds up ("a + 1" → 1)."""
        return sum((Decimal(term) for term in _terms(getattr(self, side)) if term.isdigit()), Decimal(0))


class CrossFormRule(Strict):
    """A validation rule between the forms of one report, checked on the whole workbook: each
    side a sum of fields written "FORM.field" (a data element of an indicators form, a row of a
    table, whose cells are added up) and whole numbers ("PL1.tre_hcdb == PL3.tre_hcdb"). It
    applies to the deliverables that have every form it names."""

    left: RuleSide
    op: Literal["<=", ">=", "=="]
    right: RuleSide
    message: Text | None = None
    severity: RuleSeverity = RuleSeverity.ERROR

    def fields(self, side: Literal["left", "right"]) -> list[tuple[str, str]]:
        """The (form, field) pairs a side adds up, in the order written; a term without a form
        gives the form ""."""
        found: list[tuple[str, str]] = []
        for term in _terms(getattr(self, side)):
            if not term.isdigit():
                form, _, code = term.partition(".")
                found.append((form, code) if code else ("", form))
        return found

    def forms(self) -> set[str]:
        return {form for side in ("left", "right") for form, _ in self.fields(side)}

    def constant(self, side: Literal["left", "right"]) -> Decimal:
        return sum((Decimal(term) for term in _terms(getattr(self, side)) if term.isdigit()), Decimal(0))


def _terms(side: str) -> list[str]:
    return [term.strip() for term in side.split("+")]


class Form(Strict):
    code: Code
    name: Text
    title: Text
    kind: Literal["indicators", "duties", "table"]
    rows: list[FormRow] = []
    columns: list[FormRow] = []
    value_type: Literal["integer", "money"] = "integer"
    rules: list[FormRule] = []
    version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+)*$")] = "1"
