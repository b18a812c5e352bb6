"""The plan (Kế hoạch) as a validated model, and its loader.

A plan file is YAML. `load_plan(path)` returns a `Plan` or raises `PlanError` carrying every
problem of the file at once, each with its line, its field and a Vietnamese explanation.
Field-level checks are pydantic's; references between sections and date logic are checked by
`_cross_check`, which reports through the same channel so every problem gets its line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from dutyflow.messages import t
from dutyflow.pydantic_errors import describe, shown
from dutyflow.yamlsource import Location, SourceMap, YamlSourceError, load_yaml_with_lines

# --------------------------------------------------------------------------- field types

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$"
)


def _no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control_chars")
    return value


def _email(value: str) -> str:
    if _CONTROL.search(value) or not _EMAIL.match(value):
        raise ValueError(f"email:{value}")
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or ".." in value or local.startswith(".") or local.endswith("."):
        raise ValueError(f"email:{value}")
    return value.lower() if domain.lower() != domain else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_control_chars)]
"""A single-line text (names, titles): may reach an email header, so no CR/LF ever."""
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Free text (duty paragraphs); may span lines."""
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""Identifier used in URLs, file names and the CLI: letters, digits, dot, dash, underscore."""
Email = Annotated[str, AfterValidator(_email)]
GsoCode = Annotated[str, StringConstraints(pattern=r"^(\d{2}|\d{3}|\d{5})$")]
"""Mã đơn vị hành chính: 2 digits for a province, 3 for a district, 5 for a commune-level unit;
which one a unit has depends on its kind (`UnitKind.gso_code_length`)."""


class Measure(StrEnum):
    PERCENT = "percent"
    PERMILLE = "permille"
    PER_100000 = "per_100000"
    COUNT = "count"

    @property
    def default_factor(self) -> Decimal:
        return {
            Measure.PERCENT: Decimal(100),
            Measure.PERMILLE: Decimal(1000),
            Measure.PER_100000: Decimal(100000),
            Measure.COUNT: Decimal(1),
        }[self]


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    REDUCE = "reduce"
    ELIMINATE = "eliminate"
    REACH_100 = "reach_100"


class DeadlineRule(StrEnum):
    BEFORE = "before"
    """"trước ngày X": on time only if received strictly before X."""
    BY = "by"
    """"chậm nhất ngày X": on time if received on X; moves to the next working day."""


class UnitKind(StrEnum):
    """What a unit is. Administrative units (a province, a district, a commune-level unit) have a
    national administrative code (`gso_code`); the others (offices, departments, agencies,
    organisations, the Front) do not."""

    OFFICE = "office"
    """The office that collects the reports (Văn phòng)."""
    DEPARTMENT = "department"
    """A department of a district People's Committee (phòng)."""
    PROVINCE_DEPARTMENT = "province_department"
    """A department of a province People's Committee (sở)."""
    AGENCY = "agency"
    ORGANISATION = "organisation"
    FRONT = "front"
    PROVINCE = "province"
    """Tỉnh, thành phố trực thuộc trung ương."""
    DISTRICT = "district"
    """Huyện, quận, thị xã, thành phố thuộc tỉnh: plans before 1/7/2025 only."""
    COMMUNE = "commune"
    """Xã."""
    WARD = "ward"
    """Phường."""
    TOWN = "town"
    """Thị trấn: plans before 1/7/2025 only."""
    SPECIAL_ZONE = "special_zone"
    """Đặc khu: plans from 1/7/2025."""

    @property
    def gso_code_length(self) -> int | None:
        """Digits of this kind's administrative code; None for a kind that has none."""
        return _GSO_CODE_LENGTH.get(self)

    @property
    def is_commune_level(self) -> bool:
        """Xã, phường, thị trấn, đặc khu."""
        return _GSO_CODE_LENGTH.get(self) == 5


_GSO_CODE_LENGTH = {
    UnitKind.PROVINCE: 2,
    UnitKind.DISTRICT: 3,
    UnitKind.COMMUNE: 5,
    UnitKind.WARD: 5,
    UnitKind.TOWN: 5,
    UnitKind.SPECIAL_ZONE: 5,
}


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
    name: Text
    title: Text | None = None
    email: Email
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9 +().-]{6,20}$")] | None = None


class Unit(Strict):
    code: Code
    name: Text
    short_name: Text | None = None
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


class Plan(Strict):
    plan: PlanHeader
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


@dataclass(frozen=True)
class PlanIssue:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return t("plan.location", path=self.path, line=self.line, field=self.field, message=self.message)


MAX_ISSUES = 200
"""Issues spelled out per file; beyond them a file's errors are counted, not translated (a 15 MB
list of wrong items would otherwise give millions of lines and minutes of work)."""


class PlanError(Exception):
    """Every problem of one plan file (the first `MAX_ISSUES` spelled out, the rest counted)."""

    def __init__(self, path: Path, issues: list[PlanIssue], more: int = 0) -> None:
        self.path = path
        self.issues = sorted(issues, key=lambda i: (i.line, i.field))
        self.more = more
        super().__init__(self.render())

    def render(self) -> str:
        head = t("plan.summary", path=self.path, count=len(self.issues) + self.more)
        tail = [f"  {t('plan.more_issues', count=self.more)}"] if self.more else []
        return "\n".join([head, *(f"  - {issue}" for issue in self.issues), *tail])


def _field_name(loc: Location) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{shown(part)}" if out else shown(part))
    return out or "(tệp)"


def _translate(error: Any) -> str:
    """A pydantic error in the plan author's words (our own validators' reasons first)."""
    if error["type"] == "value_error":
        reason = str((error.get("ctx") or {}).get("error", ""))
        if reason == "control_chars":
            return t("plan.control_chars")
        if reason.startswith("email:"):
            return t("plan.email", reason=f"«{shown(reason[6:])}»")
    return describe(error, Plan, _pattern_hint)


def _pattern_hint(pattern: str) -> str:
    hints = {
        r"^(\d{2}|\d{3}|\d{5})$": "mã đơn vị hành chính gồm 2 chữ số (tỉnh), 3 chữ số (huyện) hoặc 5 chữ số (xã, phường, thị trấn, đặc khu)",
        r"^[A-Z]{2}$": "mã quốc gia 2 chữ in hoa, ví dụ VN",
    }
    if pattern in hints:
        return hints[pattern]
    if pattern.startswith("^[A-Za-z0-9]"):
        return "mã gồm chữ không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới (tối đa 64 ký tự)"
    if pattern.startswith(r"^\d+"):
        return "số phiên bản như 1 hoặc 1.2"
    return pattern


# --------------------------------------------------------------------------- loading


def load_plan(path: Path | str) -> Plan:
    """Read, validate and cross-check a plan file; raise PlanError with every problem found."""
    path = Path(path)
    try:
        data, source = load_yaml_with_lines(path)
    except YamlSourceError as exc:
        raise PlanError(path, [PlanIssue(path, p.line, _field_name(p.loc), p.message) for p in exc.problems]) from None
    if not isinstance(data, dict):
        shape = "empty" if data is None else "list" if isinstance(data, list) else "scalar"
        raise PlanError(path, [PlanIssue(path, source.lines.get((), 1), "(tệp)", t(f"plan.not_a_mapping.{shape}"))])
    return parse_plan(data, source)


def parse_plan(data: dict[str, Any], source: SourceMap) -> Plan:
    """Validate and cross-check `data`; raise PlanError with the file's problems, its model errors
    and (when the model holds) its cross-check problems, the first `MAX_ISSUES` of them spelled out."""
    issues = [PlanIssue(source.path, p.line, _field_name(p.loc), p.message) for p in source.problems[:MAX_ISSUES]]
    found = len(source.problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False)[: max(0, MAX_ISSUES - len(issues))]:
            loc = tuple(error["loc"])
            issues.append(PlanIssue(source.path, source.line_of(loc), _field_name(loc), _translate(error)))
        raise PlanError(source.path, issues, more=found + exc.error_count() - len(issues)) from None
    problems = list(_cross_check(plan, source))
    for loc, message in problems[: max(0, MAX_ISSUES - len(issues))]:
        issues.append(PlanIssue(source.path, source.line_of(loc), _field_name(loc), message))
    if issues:
        raise PlanError(source.path, issues, more=found + len(problems) - len(issues))
    return plan


Problem = tuple[Location, str]


def _cross_check(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """References between sections, and the logic of dates."""
    yield from _unique(plan, source)
    unit_codes = {u.code for u in plan.units}
    group_codes = {g.code for g in plan.groups}
    assignable = unit_codes | group_codes
    element_codes = {d.code for d in plan.data_elements}
    form_codes = {f.code for f in plan.forms}
    deliverable_codes = {d.code for d in plan.deliverables}

    if plan.plan.office not in unit_codes:
        yield ("plan", "office"), t("plan.office_missing", code=plan.plan.office)

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

    for i, form in enumerate(plan.forms):
        yield from _check_form(form, ("forms", i))

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
            if code not in deliverable_codes:
                yield (*loc, "inputs", j), t("plan.unknown_deliverable", code=code)
        if not deliverable.forms and not deliverable.attachments:
            yield (*loc, "forms"), t("plan.nothing_to_submit")
        yield from _check_deadline(plan, deliverable, loc, by_code)

    yield from _check_ladder(plan.chase)
    for key in ("extra_holidays", "extra_working_days"):
        for j, note in enumerate(getattr(plan.calendar, key)):
            other = "extra_working_days" if key == "extra_holidays" else "extra_holidays"
            if key == "extra_holidays" and any(n.date == note.date for n in getattr(plan.calendar, other)):
                yield ("calendar", key, j, "date"), t("plan.weekday_holiday", day=note.date.isoformat())


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


def _check_indicator(ind: Indicator, loc: Location, element_codes: set[str], assignable: set[str]) -> Iterator[Problem]:
    for key in ("numerator", "denominator"):
        code = getattr(ind, key)
        if code is not None and code not in element_codes:
            yield (*loc, key), t("plan.unknown_data_element", code=code)
    if ind.measure is Measure.COUNT and ind.denominator is not None:
        yield (*loc, "denominator"), t("plan.denominator_forbidden")
    if ind.measure is not Measure.COUNT and ind.denominator is None:
        yield (*loc, "measure"), t("plan.denominator_required", measure=ind.measure.value)
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
    if ind.direction in {Direction.AT_LEAST, Direction.AT_MOST} and ind.target is None:
        yield (*loc, "target"), t("plan.target_required", direction=ind.direction.value)
    if ind.direction is Direction.REACH_100 and (ind.target != 100 or ind.measure is not Measure.PERCENT):
        yield (*loc, "target"), t("plan.reach_100_target")
    if ind.direction is Direction.ELIMINATE and ind.target not in (None, 0):
        yield (*loc, "target"), t("plan.eliminate_target")
    for j, code in enumerate(ind.reported_by):
        if code not in assignable:
            yield (*loc, "reported_by", j), t("plan.unknown_unit", code=code)


def _check_form(form: Form, loc: Location) -> Iterator[Problem]:
    if form.kind == "table":
        if not form.rows or not form.columns:
            yield (*loc, "rows"), t("plan.form_rows_empty")
        cells = {r.code for r in form.rows}
        for j, rule in enumerate(form.rules):
            for side in ("left", "right"):
                code = getattr(rule, side)
                if code not in cells:
                    yield (*loc, "rules", j, side), t("plan.unknown_rule_cell", code=code)
    elif form.rows or form.columns:
        yield (*loc, "rows"), t("plan.form_rows_forbidden", kind=form.kind)


def _check_deadline(
    plan: Plan, deliverable: Deliverable, loc: Location, by_code: dict[str, Deliverable]
) -> Iterator[Problem]:
    if (deliverable.due is None) == (deliverable.recurrence is None):
        yield (*loc, "due"), t("plan.due_or_recurrence")
        return
    if deliverable.rule is not None and deliverable.due is None:
        yield (*loc, "rule"), t("plan.rule_without_due")
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
        from dutyflow.periods import expand_periods  # local: periods imports this module

        return max(p.due for p in expand_periods(deliverable))
    return None
