"""The plan (Kế hoạch) as a validated model: its sections and the plan itself.

Field types and enums are `dutyflow.plan.fields`; references between sections and date logic are
checked by `dutyflow.plan.checks`; loading and its error reports are `dutyflow.plan.load` and `.errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dutyflow.plan.fields import (
    Code,
    DeadlineRule,
    Direction,
    Email,
    GsoCode,
    LongText,
    Measure,
    Name,
    Text,
    UnitKind,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

# --------------------------------------------------------------------------- sections


class Signer(Strict):
    authority: Text | None = None
    """Line above the title when signing on behalf, e.g. "KT. CHỦ TỊCH"."""
    title: Text
    name: Text


class Issuer(Strict):
    parent: Text | None = None
    """Upper line of the head, e.g. "ỦY BAN NHÂN DÂN"."""
    name: Text
    """Lower line of the head, e.g. "HUYỆN TRÙNG KHÁNH"."""
    short_name: Text
    place: Text
    """Place in the date line, e.g. "Trùng Khánh"."""


class PlanHeader(Strict):
    code: Code
    year: int = Field(ge=2000, le=2100)
    title: Text
    number: Text | None = None
    issued_on: dt.date | None = None
    issuer: Issuer
    basis: list[LongText] = []
    signer: Signer
    recipients: list[Text] = []
    office: Code
    """The unit that collects the reports and assembles the consolidated one."""
    source: Text | None = None


class DayNote(Strict):
    date: dt.date
    name: Text


class CalendarConfig(Strict):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "VN"
    timezone: Text = "Asia/Ho_Chi_Minh"
    extra_holidays: list[DayNote] = []
    extra_working_days: list[DayNote] = []


class Contact(Strict):
    name: Name
    title: Text | None = None
    email: Email
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9 +().-]{6,20}$")] | None = None


class Unit(Strict):
    code: Code
    name: Name
    short_name: Name | None = None
    kind: UnitKind
    gso_code: GsoCode | None = None
    parent: Code | None = None
    focal: Contact
    """Cán bộ đầu mối: receives assignments and reminders."""
    head: Contact
    """Thủ trưởng đơn vị: copied on escalation."""
    opens: dt.date | None = None
    closes: dt.date | None = None
    """First day the unit no longer exists (merged, dissolved)."""
    successor: Code | None = None

    def is_open_on(self, day: dt.date) -> bool:
        return (self.opens is None or self.opens <= day) and (self.closes is None or day < self.closes)


class UnitGroup(Strict):
    code: Code
    name: Text
    members: list[Code] = []
    kinds: list[UnitKind] = []
    """Every unit of these kinds belongs to the group as well."""


class Duty(Strict):
    code: Code
    section: Text
    """Where it stands in the plan, e.g. "V.3"."""
    title: Text
    text: LongText
    units: list[Code] = Field(min_length=1)
    """Units or groups in charge."""
    partners: list[Code] = []
    """Units or groups that cooperate (phối hợp)."""


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


class Indicator(Strict):
    code: Code
    group: Text
    name: Text
    measure: Measure
    numerator: Code
    denominator: Code | None = None
    factor: Decimal | None = None
    direction: Direction
    strict: bool = False
    """True when the plan says "dưới"/"trên" (strictly below/above) rather than "đạt"."""
    target: Decimal | None = None
    baseline: Decimal | None = None
    """Last year's value, for "reduce"; None means not known."""
    reported_by: list[Code] = Field(min_length=1)
    note: LongText | None = None

    @property
    def effective_factor(self) -> Decimal:
        return self.factor if self.factor is not None else self.measure.default_factor


class FormRow(Strict):
    code: Code
    label: Text


class FormRule(Strict):
    left: Code
    op: Literal["<=", ">=", "=="]
    right: Code
    column_wise: bool = True
    """Compare row `left` with row `right` in every column."""
    message: Text | None = None


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


class Recurrence(Strict):
    every: Literal["month", "quarter"]
    start: dt.date
    end: dt.date
    due_day: int = Field(ge=1, le=28)
    """Day of the month after the period's end on which it is due."""
    rule: DeadlineRule = DeadlineRule.BY


class Deliverable(Strict):
    code: Code
    name: Text
    kind: Literal["implementation_plan", "report", "list", "consolidated"]
    units: list[Code] = Field(min_length=1)
    forms: list[Code] = []
    attachments: bool = False
    """A .docx or .pdf document may (or, with no forms, must) be handed in."""
    due: dt.date | None = None
    rule: DeadlineRule | None = None
    cutoff: dt.date | None = None
    """Data cut-off: figures are counted up to this day."""
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    recurrence: Recurrence | None = None
    inputs: list[Code] = []
    """For the consolidated report: the deliverables it is assembled from."""
    period_label: Text | None = None
    """How the period reads in messages, e.g. "6 tháng đầu năm 2025"; default "năm <year>"."""
    requires_acceptance: bool = False
    """True: a valid submission waits for the office to accept it."""


Audience = Literal["focal", "head"]


class LadderStep(Strict):
    """One rung of the reminder/escalation ladder."""

    code: Code
    offset: int = Field(ge=-60, le=60)
    """Working days from the last day: negative before it, 0 on it, positive after it."""
    template: Literal["reminder", "due_today", "overdue", "overdue_second", "escalation"]
    to: Audience = "focal"
    cc: list[Audience] = []


def _default_ladder() -> list[LadderStep]:
    return [
        LadderStep(code="remind-5", offset=-5, template="reminder"),
        LadderStep(code="remind-2", offset=-2, template="reminder"),
        LadderStep(code="due-today", offset=0, template="due_today"),
        LadderStep(code="overdue-1", offset=1, template="overdue"),
        LadderStep(code="overdue-3", offset=3, template="overdue_second", cc=["head"]),
        LadderStep(code="escalate-5", offset=5, template="escalation", to="head"),
    ]


class DigestConfig(Strict):
    """A weekly list of who is late, to the office and the leaders, while anything is overdue."""

    weekday: int = Field(default=0, ge=0, le=6)
    """0 = Monday. At most one digest a week: on this weekday, or on the first working day after it
    in the same week on which something is overdue (a missed run, or nothing late on the day itself)."""
    recipients: list[Contact] = []
    """Besides the office's focal officer: for instance the vice-chair in charge."""


class ChaseConfig(Strict):
    steps: list[LadderStep] = Field(default_factory=_default_ladder, min_length=1)
    digest: DigestConfig = DigestConfig()
    send_on_non_working_days: bool = False


class ReportConfig(Strict):
    """The consolidated report once issued: its register symbol and who it is emailed to."""

    symbol: Annotated[str, StringConstraints(pattern=r"^[A-ZĐ]+(-[A-ZĐ0-9]+)+$", max_length=32)] = "BC-UBND"
    """The document's symbol after its number: "123/BC-UBND" (kind "BC", issuer "UBND")."""
    recipients: list[Contact] = []
    """The addressees the issued (signed) report is emailed to, e.g. the provincial department."""


class Plan(Strict):
    plan: PlanHeader
    report: ReportConfig = ReportConfig()
    calendar: CalendarConfig = CalendarConfig()
    chase: ChaseConfig = ChaseConfig()
    units: list[Unit] = Field(min_length=1)
    groups: list[UnitGroup] = []
    duties: list[Duty] = []
    data_elements: list[DataElement] = []
    indicators: list[Indicator] = []
    forms: list[Form] = []
    deliverables: list[Deliverable] = Field(min_length=1)

    # ------------------------------------------------------------------ lookups

    def unit(self, code: str) -> Unit:
        for unit in self.units:
            if unit.code == code:
                return unit
        raise KeyError(code)

    def group(self, code: str) -> UnitGroup | None:
        return next((g for g in self.groups if g.code == code), None)

    def selection(self, codes: Iterable[str]) -> tuple[set[str], set[str]]:
        """What `codes` (unit codes and groups) name: (unit kinds, unit codes)."""
        kinds: set[str] = set()
        members: set[str] = set()
        for code in codes:
            group = self.group(code)
            if group is None:
                members.add(code)
            else:
                members.update(group.members)
                kinds.update(group.kinds)
        return kinds, members

    def expand_units(self, codes: Iterable[str]) -> list[Unit]:
        """Units named directly or through a group, in plan order, each once."""
        kinds, members = self.selection(codes)
        return [u for u in self.units if u.code in members or u.kind in kinds]


# --------------------------------------------------------------------------- errors
