"""The plan (Kế hoạch) as a validated model: its sections and the plan itself (the targets' and forms'
sections are `dutyflow.plan.target_model`'s).

Field types and enums are `dutyflow.plan.fields`; references between sections and date logic are
checked by `dutyflow.plan.checks`; loading and its error reports are `dutyflow.plan.load` and `.errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from dutyflow.plan.fields import (
    Code,
    DeadlineRule,
    Email,
    GsoCode,
    IssuerLevel,
    LastDayOff,
    LongText,
    Name,
    Text,
    UnitKind,
)
from dutyflow.plan.strict import Strict
from dutyflow.plan.target_model import CrossFormRule, DataElement, Form, Indicator, TargetGroup

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
    level: IssuerLevel | None = None
    """Province, district or commune; default: read from `name` ("TỈNH …", "HUYỆN …", "XÃ …")."""


class Wording(Strict):
    """How the engine's messages and the report name what depends on the plan: its topic, its
    leaders, its office and its units. Every field has a default derived from the issuer and the
    units (`dutyflow.wording.plan_wording`); a plan sets a field only where the default is wrong."""

    topic: Text | None = None
    """What the plan is about, as it follows "thực hiện": "công tác trẻ em". Default: read from the
    title ("Kế hoạch thực hiện công tác trẻ em năm 2025 …")."""
    report_title: Text | None = None
    """The consolidated report's subject, before its period: "Kết quả thực hiện công tác trẻ em"."""
    report_addressee: Text | None = None
    """Who the consolidated report is sent to, as it follows "gửi": "lãnh đạo UBND huyện Trùng Khánh"."""
    leader: Text | None = None
    """The leader in charge, as the digest addresses them: "Phó Chủ tịch UBND huyện Trùng Khánh
    phụ trách lĩnh vực"."""
    leader_title: Text | None = None
    """The leader's title alone, after "đồng chí": "Phó Chủ tịch"."""
    office: Text | None = None
    """The office as sentences name it ("chờ Văn phòng xem xét"); default: its short name."""
    local_units: Text | None = None
    """The People's Committees of the plan's administrative units, together: "Ủy ban nhân dân các
    xã, thị trấn"; default: from the kinds and names of the units."""
    local_units_short: Text | None = None
    """The same units as counted: "xã, thị trấn" ("12/21 xã, thị trấn đã gửi báo cáo")."""
    reporters: Text | None = None
    """Everyone who reports: "các cơ quan, đơn vị và Ủy ban nhân dân các xã, thị trấn"."""
    directions: list[LongText] = []
    """Section IV of the report (next year's directions), one paragraph each, unnumbered; default:
    general ones naming the topic."""


class IssuerTerm(Strict):
    """From a day on, another issuer carries the plan (the district's duties passing to the
    province on 1/7/2025): its head, its signer and its office, in force from `from` (see
    decisions.md, "The issuer moves on a date")."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    starts: dt.date = Field(alias="from")
    issuer: Issuer
    signer: Signer | None = None
    """None: the signer stays as before."""
    office: Code | None = None
    """The unit that collects the reports from that day; None: the office stays."""


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
    wording: Wording = Wording()
    succession: list[IssuerTerm] = []
    """Later issuers, each from its day on, in date order."""

    def _term_on(self, day: dt.date) -> list[IssuerTerm]:
        return [term for term in self.succession if term.starts <= day]

    def issuer_on(self, day: dt.date) -> Issuer:
        """The issuer in force on `day`."""
        return next((term.issuer for term in reversed(self._term_on(day))), self.issuer)

    def signer_on(self, day: dt.date) -> Signer:
        """Who signs for the issuer in force on `day`."""
        return next((term.signer for term in reversed(self._term_on(day)) if term.signer), self.signer)

    def office_on(self, day: dt.date) -> str:
        """The code of the office in force on `day`."""
        return next((term.office for term in reversed(self._term_on(day)) if term.office), self.office)


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


def open_on(opens: dt.date | None, closes: dt.date | None, day: dt.date) -> bool:
    """Whether a unit with these lifetime bounds exists on `day`: from `opens`, before `closes`."""
    return (opens is None or opens <= day) and (closes is None or day < closes)


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
        return open_on(self.opens, self.closes, day)

    def is_closed_on(self, day: dt.date) -> bool:
        """Whether the unit no longer exists on `day` (closed on it or before)."""
        return self.closes is not None and self.closes <= day


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


class Recurrence(Strict):
    every: Literal["month", "quarter", "half_year"]
    start: dt.date
    end: dt.date
    due_day: int = Field(ge=1, le=28)
    """Day of the month after the period's end on which it is due."""
    rule: DeadlineRule = DeadlineRule.BY
    cutoff_day: int | None = Field(default=None, ge=1, le=31)
    """ "Số liệu tính đến ngày …": the day of the period's last month up to which figures are
    counted (the month's last day when it has fewer days); None: the period's last day."""


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
    last_day_off: LastDayOff = LastDayOff.KEEP
    """For "trước ngày X": what happens when the day before X is not a working day."""
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
    """The consolidated report: how long it grows with the number of units (decisions.md, "A report
    a chairman reads": its body summarises each duty, and the units' own words go to Phụ lục II, or
    to an attached spreadsheet above `appendix_entries_max`), and once issued, its register symbol
    and who it is emailed to."""

    names_max: int = Field(default=10, ge=1)
    """Units named in the body in one list ("chưa gửi: …"), then "và N đơn vị khác"."""
    highlights_max: int = Field(default=2, ge=0)
    """Units whose first paragraph the body quotes for a duty, those in charge first."""
    appendix_entries_max: int = Field(default=400, ge=0)
    """Units' answers (a unit on a duty) that Phụ lục II prints; above it, a spreadsheet holds them."""
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
    indicator_groups: list[TargetGroup] = []
    """The groups of targets with their titles; empty: the report's default headings."""
    indicators: list[Indicator] = []
    forms: list[Form] = []
    rules: list[CrossFormRule] = []
    """Validation rules across the forms of one report (a rule within one form is the form's)."""
    deliverables: list[Deliverable] = Field(min_length=1)

    # ------------------------------------------------------------------ lookups

    @cached_property
    def units_by_code(self) -> dict[str, Unit]:
        """The units by code, built once: every email and report line looks a unit up, and a
        national plan has 11,000 of them."""
        return {unit.code: unit for unit in self.units}

    def unit(self, code: str) -> Unit:
        return self.units_by_code[code]

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
