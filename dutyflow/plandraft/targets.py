"""Targets (chỉ tiêu) of the objectives section: measure, direction, value, baseline, and a
proposed numerator and denominator from the wording.

Each clause of the target section (paragraphs split at ";" and sentence ends) is read on its
own. The value is the number written with a measure ("87%", "7‰", "550/100.000"); the words
right before it give the direction ("dưới" strict at most, "xuống" at most, "trên" strict at
least, "đạt" at least; 100% is reach_100). A clause with no such value is a target only if it
says "giảm dần" (reduce) or "loại trừ"/"xóa bỏ" (eliminate), or counts something ("Số … đạt 20").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, Paragraph
from dutyflow.plandraft.found import Origin, Unplaced
from dutyflow.plandraft.rules import Rules, Targets, rx
from dutyflow.plandraft.text import cap_first, clauses, parse_number

RATES_OF_A_POPULATION = frozenset({"permille", "per_100000"})


@dataclass(frozen=True)
class TargetDraft:
    group: str
    name: str
    measure: str
    direction: str
    strict: bool
    target: Decimal | None
    baseline: Decimal | None
    numerator: str
    denominator: str | None
    origin: Origin
    notes: tuple[str, ...] = ()
    """What the reader should check (odd units, words after the value)."""
    reduction: tuple[Decimal, Decimal | None] | None = None
    """ "giảm 2–3% hằng năm": the least and the most yearly reduction, in percent."""


@dataclass
class TargetsFound:
    targets: list[TargetDraft] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def read_targets(document: Document, rules: Rules) -> TargetsFound:
    found = TargetsFound()
    for roman in _target_sections(document, rules):
        skip: str | None = None
        for p in document.under(roman):
            if p.kind == "roman":
                found.used.add(p.line)
                continue
            if p.kind == "number" and rx(rules.no_targets_in).match(p.body):
                skip = p.section
            elif p.kind in ("number", "letter") and not p.section.startswith(skip or "\0"):
                skip = None
            if skip and (p.section == skip or p.section.startswith(skip + ".")):
                found.used.add(p.line)
                if not p.is_heading:
                    found.unplaced.append(Unplaced(Origin.of(p), t("plandraft.general_objective")))
                continue
            _read_paragraph(p, rules.targets, found)
    return found


def _target_sections(document: Document, rules: Rules) -> list[Paragraph]:
    pattern = rx(rules.sections.targets)
    return [p for p in document.paragraphs if p.kind == "roman" and pattern.search(p.body)]


def _read_paragraph(p: Paragraph, rules: Targets, found: TargetsFound) -> None:
    group = p.section.rsplit(".", 1)[-1] if p.section.count(".") >= 2 else p.section
    parts = clauses(p.body)
    found.used.add(p.line)
    for clause in parts:
        target = read_clause(clause, group, Origin.of(p, clause), rules)
        if target is None and p.is_heading:
            continue  # a heading such as "a) Về bảo vệ trẻ em": the group's label
        if target is None:
            found.unplaced.append(Unplaced(Origin.of(p, clause), t("plandraft.no_target")))
        else:
            found.targets.append(target)


@dataclass(frozen=True)
class _Value:
    start: int
    end: int
    number: Decimal
    measure: str | None


def _values(clause: str, rules: Targets) -> list[_Value]:
    out: list[_Value] = []
    for m in rx(rules.number).finditer(clause):
        after = clause[m.end() :]
        measure = next((r.measure for r in rules.measures if rx(r.pattern).match(after)), None)
        if measure is not None:
            end = m.end() + rx(next(r.pattern for r in rules.measures if r.measure == measure)).match(after).end()  # type: ignore[union-attr]
            out.append(_Value(m.start(), end, parse_number(m[0]), measure))
        elif rx(rules.odd_ratio).match(after):
            odd = rx(rules.odd_ratio).match(after)
            assert odd is not None
            out.append(_Value(m.start(), m.end() + odd.end(), parse_number(m[0]), None))
    return out


def read_clause(clause: str, group: str, origin: Origin, rules: Targets) -> TargetDraft | None:
    """One target from one clause, or None when the clause states none."""
    notes: list[str] = []
    for pattern in rules.relative_reduction:
        m = rx(pattern).search(clause)
        if m:
            return _relative(clause, m, group, origin, rules)
    values = _values(clause, rules)
    if values:
        return _valued(clause, values, group, origin, rules)
    count = rx(rules.count_value).search(clause) if rx(rules.count_clause).match(clause) else None
    if count:
        before = clause[: count.start()]
        verb = count["verb"]
        name = _name_before(before, rules)
        strict = bool(rx(rules.strict_below).search(verb) or rx(rules.strict_above).search(verb))
        direction = "at_most" if rx(rules.at_most_before).search(verb) else "at_least"
        value = parse_number(count["value"])
        return _make(group, name, "count", direction, strict, value, None, origin, rules, notes)
    if rx(rules.eliminate_words).search(clause):
        name = cap_first(clause)
        return _make(group, name, "count", "eliminate", False, Decimal(0), None, origin, rules, notes)
    if rx(rules.reduce_words).search(clause):
        name = _name_before(clause, rules)
        measure = "percent" if re.match(r"(tỷ lệ|tỷ suất)", name, re.I) else "count"
        return _make(group, name, measure, "reduce", False, None, None, origin, rules, notes)
    return None


def _relative(clause: str, m: re.Match[str], group: str, origin: Origin, rules: Targets) -> TargetDraft:
    thing = rx(rules.counted_thing).search(clause)
    name = cap_first(thing[1]) if thing else _name_before(clause, rules)
    notes = [t("plandraft.relative_reduction")]
    year = rx(rules.baseline_year).search(clause)
    if year:
        notes.append(t("plandraft.baseline_year", year=year["year"]))
    measure = "count" if is_count(name, rules) else "percent"
    found = _make(group, name, measure, "reduce", False, None, None, origin, rules, notes)
    high = m.groupdict().get("high")
    return replace(found, reduction=(parse_number(m["value"]), parse_number(high) if high else None))


def _valued(clause: str, values: list[_Value], group: str, origin: Origin, rules: Targets) -> TargetDraft:
    value = values[-1]
    notes: list[str] = []
    baseline = None
    if len(values) >= 2 and rx(rules.baseline_between).search(clause[values[-2].end : value.start]):
        baseline = values[-2].number
    before = clause[: value.start]
    after = clause[value.end :]
    if before.strip() and rx(rules.strict_below).search(before):
        direction, strict = "at_most", True
    elif before.strip() and rx(rules.strict_above).search(before):
        direction, strict = "at_least", True
    elif rx(rules.at_most_before).search(before):
        direction, strict = "at_most", False
    elif value.number == 100 and value.measure == "percent":
        direction, strict = "reach_100", False
    else:
        direction, strict = "at_least", False
    per: str | None = None
    lead = rx(rules.name_lead).sub("", before).strip()
    if not lead or rx(rules.strict_above).fullmatch(lead) or lead.lower() in rules.bare_leads:
        name = rules.rate_name.format(rx(rules.value_trail).sub("", after).strip())
        after = ""
    else:
        name = _name_before(clause[: values[-2].start] if baseline is not None else before, rules)
        population = rx(rules.rate_population).match(after) if value.measure in RATES_OF_A_POPULATION else None
        if population:
            per = population["who"]
        elif after.strip() and not rx(rules.value_trail).match(after):
            notes.append(t("plandraft.more_words", text=after.strip()))
    measure = value.measure
    if measure is None:
        notes.append(t("plandraft.odd_measure", text=clause[value.start : value.end]))
        measure = "count"
    return _make(group, name, measure, direction, strict, value.number, baseline, origin, rules, notes, per)


def _name_before(text: str, rules: Targets) -> str:
    name = rx(rules.name_lead).sub("", text.strip())
    name = rx(rules.name_tail).sub("", name).strip(" ,:-")
    return cap_first(name)


def _make(
    group: str,
    name: str,
    measure: str,
    direction: str,
    strict: bool,
    target: Decimal | None,
    baseline: Decimal | None,
    origin: Origin,
    rules: Targets,
    notes: list[str],
    per: str | None = None,
) -> TargetDraft:
    if measure != "count" and not rx(rules.rate_words).match(name):
        name = rules.rate_name.format(name[:1].lower() + name[1:])
    if direction == "reach_100":
        target = Decimal(100)
    year = rx(rules.target_year).search(origin.text)
    if year:
        notes = [*notes, t("plandraft.target_year", year=year["year"])]
    numerator, denominator = propose_elements(name, measure, rules)
    if per is not None:
        denominator = rules.count_name.format(per)
    return TargetDraft(
        group, name, measure, direction, strict, target, baseline, numerator, denominator, origin, tuple(notes)
    )


def propose_elements(name: str, measure: str, rules: Targets) -> tuple[str, str | None]:
    """Names of the figures a rate is computed from, proposed from the indicator's wording:
    "Tỷ lệ <who> <predicate>" → ("Số <who> <predicate>", "Số <who>")."""
    core = rx(rules.rate_words).sub("", name).strip()
    core = core[:1].lower() + core[1:]
    if measure == "count":
        return (name if is_count(name, rules) else rules.count_name.format(core)), None
    padded = f" {core} "
    hits = [(padded.find(p), p) for p in rules.predicates if p in padded]
    if hits:
        at, predicate = min(hits)
        subject = padded[:at].strip()
        if subject:
            return rules.count_name.format(core), rules.count_name.format(subject)
        rest = padded[at + len(predicate) :].strip()
        if rest:
            return rules.count_name.format(f"{rest} {predicate.strip()}"), rules.count_name.format(rest)
    return rules.count_name.format(core), rules.unknown_subject.format(core)


def is_count(name: str, rules: Targets) -> bool:
    """Whether an indicator's name counts something ("Số trẻ em …")."""
    return name.lower().startswith(rules.count_name.format("").strip().lower())


def without_count(name: str, rules: Targets) -> str:
    """The counted thing of a count's name: "Số trẻ em được …" → "trẻ em được …"."""
    prefix = rules.count_name.format("")
    return name[len(prefix) :] if name.lower().startswith(prefix.lower()) else name
