"""The shape of the report's template context (`context.template_context`): what the DOCX and HTML
templates may read, every value already formatted for the reader except counts and flags."""

from __future__ import annotations

from typing import TypedDict


class IssuerView(TypedDict):
    parent: str
    name: str
    short_name: str
    place: str


class PlanView(TypedDict):
    title: str
    number: str
    issued_on: str


class Summary(TypedDict):
    total: int
    dat: int
    khong_dat: int
    no_data: int
    no_baseline: int
    not_due: int
    reporting_units: int
    expected_units: int


class IndicatorRow(TypedDict):
    number: str
    part: bool
    """A part of a split target (thành thị / nông thôn), printed under its whole."""
    code: str
    group: str
    name: str
    target: str
    target_lc: str
    value: str
    attainment: str
    attainment_short: str
    attainment_code: str
    met: bool | None
    numerator: str
    denominator: str
    units: str
    partial: bool


class IndicatorGroup(TypedDict):
    code: str
    title: str
    rows: list[IndicatorRow]


class Heading(TypedDict):
    name: str
    title: str


class NarrativeEntry(TypedDict):
    """A unit's answer on a duty: its status and its own words."""

    unit: str
    status: str
    text: str


class DutySummary(TypedDict):
    """Section II: one duty summarised over the units that carry it out."""

    number: int
    section: str
    title: str
    assigned: int
    done: int
    doing: int
    not_done: int
    other: int
    unreported: int
    highlights: list[NarrativeEntry]
    """What was done: the first paragraph of a few units, those in charge first."""
    lagging: str
    """The units that have not done it or not reported, in one sentence; empty when none."""


class ReceivedOverview(TypedDict):
    expected: int
    received: int
    local_expected: int
    local_received: int
    missing: str


class NarrativeDuty(TypedDict):
    number: int
    section: str
    title: str
    entries: list[NarrativeEntry]


class Narratives(TypedDict):
    """Every unit's own words, by duty: in Phụ lục II when `inline`, else in the spreadsheet `file`."""

    count: int
    inline: bool
    duties: list[NarrativeDuty]
    """What Phụ lục II shows: every duty's entries when inline, else none."""
    all: list[NarrativeDuty]
    file: str


class DutyRow(TypedDict):
    """Phụ lục II: the status columns are counts, or "-" for a duty no reporting unit holds."""

    number: int
    section: str
    title: str
    assigned: int
    done: str
    doing: str
    not_done: str
    other: str
    unreported: str


class TallyRow(TypedDict):
    name: str
    period_label: str
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    returned: int
    awaiting: int
    completeness: str
    timeliness: str
    late_units: str
    missing_units: str
    returned_units: str
    awaiting_units: str
    not_sent_units: str


class TableRow(TypedDict):
    number: str
    label: str
    cells: list[str]
    bold: bool


class TableView(TypedDict):
    name: str
    title: str
    header: list[str]
    rows: list[TableRow]
    units: int


class SignerView(TypedDict):
    authority: str
    title: str
    name: str


class WordingView(TypedDict):
    """The plan's own words (`dutyflow.wording`) that the report's sentences use."""

    report_title: str
    report_title_lc: str
    reporters: str
    local_units: str
    local_units_short: str
    office: str
    directions: list[str]


class TemplateContext(TypedDict):
    draft: bool
    issuer: IssuerView
    number: str | None
    symbol: str
    issued_on: str
    cutoff: str
    year: int
    next_year: int
    period_label: str
    document_title: str
    wording: WordingView
    plan: PlanView
    summary: Summary
    indicator_groups: list[IndicatorGroup]
    not_attained: list[IndicatorRow]
    no_data: list[IndicatorRow]
    no_baseline: list[IndicatorRow]
    received: ReceivedOverview
    successions: list[str]
    """What merged into what by the report's day (`lifetimes.succession_sentences`)."""
    duties: list[DutySummary]
    narratives: Narratives
    reporting: list[TallyRow]
    appendix_indicators: Heading
    appendix_duties: Heading
    duty_rows: list[DutyRow]
    tables: list[TableView]
    recipients: list[str]
    signer: SignerView
