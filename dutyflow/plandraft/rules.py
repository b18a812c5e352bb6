"""The drafting rules: phrases, patterns and unit words, read from templates/plandraft/rules.yaml.

The rules are data so that an office can extend them without touching Python (docs/decisions.md,
16). This module only loads and validates them and compiles their patterns; the other
modules of the package apply them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from dutyflow.paths import TEMPLATES_DIR

RULES_FILE = TEMPLATES_DIR / "plandraft" / "rules.yaml"

_FLAGS = re.IGNORECASE | re.UNICODE


def rx(pattern: str) -> re.Pattern[str]:
    """A rule's pattern, compiled once (case-insensitive)."""
    return _compiled(pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Markers(_Rules):
    roman: str
    number: str
    letter: str
    item: str


class Reading(_Rules):
    opens_paragraph: list[str]
    stands_alone: list[str]
    markers: Markers
    tail: str
    page_number: str


class Sections(_Rules):
    targets: str
    tasks: str
    organisation: str
    regime: str
    funding: str


class Header(_Rules):
    title_word: str
    title_prefix: str
    year: str
    national_motto: str
    recipients_head: str
    number: str
    date_line: str
    issuer_parent: str
    issuer_name: str
    issuer_in_text: list[str]
    basis: list[str]
    province: str
    signer_authority: str
    recipient: str


class MeasureRule(_Rules):
    measure: Literal["percent", "permille", "per_100000", "count"]
    pattern: str


class Targets(_Rules):
    number: str
    measures: list[MeasureRule]
    odd_ratio: str
    count_clause: str
    count_value: str
    relative_reduction: list[str]
    baseline_year: str
    target_year: str
    strict_below: str
    strict_above: str
    at_most_before: str
    reduce_words: str
    eliminate_words: str
    target_words: str
    name_lead: str
    name_tail: str
    value_trail: str
    baseline_between: str
    counted_thing: str
    predicates: list[str]
    rate_words: str
    rate_name: str
    count_name: str
    unknown_subject: str
    bare_leads: list[str]
    rate_population: str
    event_words: str


UnitKindName = Literal[
    "office", "department", "province_department", "agency", "organisation", "front", "commune", "ward", "town",
    "special_zone",
]  # fmt: skip


class KindRule(_Rules):
    kind: UnitKindName
    pattern: str


class GroupRule(_Rules):
    name: str
    kinds: list[UnitKindName]
    from_register: bool = False


class MentionRule(_Rules):
    pattern: str
    groups: list[str]


class Units(_Rules):
    kinds: list[KindRule]
    splits_before: str
    heading_lead: str
    abbreviations: list[tuple[str, str]]
    groups: dict[str, GroupRule]
    mentions: list[MentionRule]
    partners: str


class RecurrenceRule(_Rules):
    every: Literal["month", "quarter"]
    pattern: str


class DeliverableRule(_Rules):
    kind: Literal["report", "consolidated", "list"]
    code: str
    name: str
    label: str | None
    pattern: str


class ImplementationPlanRule(_Rules):
    code: str
    name: str
    pattern: str


class Regime(_Rules):
    deadline: str
    monthly_deadline: str
    rules: dict[str, Literal["before", "by"]]
    recurrence: list[RecurrenceRule]
    deliverables: list[DeliverableRule]
    implementation_plan: ImplementationPlanRule
    appendices: str
    recurring_what: str
    subject_ends: str


class Rules(_Rules):
    reading: Reading
    sections: Sections
    no_targets_in: str
    header: Header
    targets: Targets
    units: Units
    regime: Regime


def load_rules(path: Path = RULES_FILE) -> Rules:
    """The rules of `path` (by default the office's file under templates/plandraft/)."""
    return _load(str(path))


@cache
def _load(path: str) -> Rules:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    rules = Rules.model_validate(data)
    for pattern in _patterns(rules):
        rx(pattern)  # a bad pattern fails here, naming itself, not in the middle of a draft
    return rules


def _patterns(rules: Rules) -> list[str]:
    r, h, t, u, g = rules.reading, rules.header, rules.targets, rules.units, rules.regime
    return [
        *r.opens_paragraph, *r.stands_alone, r.markers.roman, r.markers.number, r.markers.letter,
        r.markers.item, r.tail, r.page_number, rules.no_targets_in,
        *rules.sections.model_dump().values(),
        h.title_word, h.year, h.national_motto, h.recipients_head, h.number, h.date_line, h.issuer_parent, h.issuer_name, *h.issuer_in_text, *h.basis,
        h.province, h.signer_authority, h.recipient,
        t.number, *(m.pattern for m in t.measures), t.odd_ratio, t.count_clause, t.count_value,
        *t.relative_reduction, t.baseline_year, t.target_year, t.strict_below, t.strict_above, t.at_most_before,
        t.reduce_words, t.eliminate_words, t.target_words, t.name_lead, t.name_tail, t.value_trail, t.baseline_between, t.counted_thing, t.rate_words, t.rate_population, t.event_words,
        *(k.pattern for k in u.kinds), u.splits_before, u.heading_lead, *(m.pattern for m in u.mentions), u.partners,
        g.deadline, g.monthly_deadline, *(r.pattern for r in g.recurrence), *(d.pattern for d in g.deliverables),
        g.implementation_plan.pattern, g.appendices, g.recurring_what, g.subject_ends,
    ]  # fmt: skip
