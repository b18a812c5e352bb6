"""The reporting regime: what units hand in, by when, under which rule, and the consolidated report.

A deadline is "trước ngày X" (rule before) or "chậm nhất ngày X" (rule by), dated, or a day of the
month with "hằng tháng"/"hằng quý" (a recurrence). What it is the deadline of is read from the
words before it, nearest first (rules `regime.deliverables`: a 6-month report, an annual report,
a consolidated one where the office "tổng hợp"…). Who owes it is the subject of the sentence
(the units and groups named before its verb), or the addressee of the section it stands in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, Paragraph
from dutyflow.plandraft.found import Origin, Unplaced
from dutyflow.plandraft.rules import DeliverableRule, Rules, rx
from dutyflow.plandraft.text import sentences
from dutyflow.plandraft.units import Mentions, UnitsFound


@dataclass(frozen=True)
class RecurrenceDraft:
    every: str
    due_day: int
    rule: str


@dataclass(frozen=True)
class DeliverableDraft:
    code: str
    name: str
    kind: str
    units: tuple[str, ...]
    """Empty: the sentence names nobody (the draft gives it to every reporting unit)."""
    due: dt.date | None
    rule: str | None
    recurrence: RecurrenceDraft | None
    period_label: str | None
    origin: Origin
    via: tuple[str, ...] = ()
    """Units named "qua …" (through whom reports go): the office."""
    notes: tuple[str, ...] = ()


@dataclass
class RegimeFound:
    deliverables: list[DeliverableDraft] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def read_regime(document: Document, units: UnitsFound, mentions: Mentions, rules: Rules, year: int) -> RegimeFound:
    found = RegimeFound()
    other = "|".join((rules.sections.targets, rules.sections.tasks))
    regime_sections = {  # "TỔ CHỨC THỰC HIỆN VÀ CHẾ ĐỘ BÁO CÁO" is both
        p.section
        for p in document.paragraphs
        if p.kind == "roman" and rx(rules.sections.regime).search(p.body) and not rx(other).search(p.body)
    }
    target_sections = {
        p.section for p in document.paragraphs if p.kind == "roman" and rx(rules.sections.targets).search(p.body)
    }
    for p in document.paragraphs:
        if p.tail or not p.section:
            continue
        roman = p.section.split(".")[0]
        if roman in target_sections:
            continue
        in_regime = roman in regime_sections
        if p.kind == "roman":
            if in_regime:
                found.used.add(p.line)
            continue
        before = len(found.deliverables)
        for sentence in sentences(p.body):
            _read_sentence(sentence, p, units, mentions, rules, year, found, in_regime)
        if in_regime:
            found.used.add(p.line)
            if len(found.deliverables) == before and not _only_plan(p, rules):
                found.unplaced.append(Unplaced(Origin.of(p), t("plandraft.regime_without_deadline")))
    return found


def _only_plan(p: Paragraph, rules: Rules) -> bool:
    return bool(rx(rules.regime.implementation_plan.pattern).search(p.body))


def _read_sentence(
    sentence: str,
    p: Paragraph,
    units: UnitsFound,
    mentions: Mentions,
    rules: Rules,
    year: int,
    found: RegimeFound,
    in_regime: bool,
) -> None:
    """Read one sentence of the reporting regime into `found`: who reports what, by when.

    Longer than most: it is one reading of one sentence (subject, then each deadline clause with
    its period and form), each step feeding the next; split, its state would travel in arguments."""
    regime = rules.regime
    origin = Origin.of(p, sentence)
    subject_end = rx(regime.subject_ends).search(sentence)
    subject = mentions(sentence[: subject_end.start()]) if subject_end else []
    owners = tuple(subject) or tuple(units.addressees.get(p.section, ()))
    via = tuple(c for m in re.finditer(r"\(qua ([^)]+)\)", sentence) for c in mentions(m[1]))
    if in_regime and rx(regime.implementation_plan.pattern).search(sentence):
        found.unplaced.append(
            Unplaced(origin, t("plandraft.plan_without_deadline", name=regime.implementation_plan.name))
        )
    m_app = rx(regime.appendices).search(sentence)
    if m_app and in_regime:
        found.unplaced.append(Unplaced(origin, t("plandraft.appendices_missing", appendices=m_app[0])))
    start = 0
    for m in rx(regime.deadline).finditer(sentence):
        try:
            due = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            found.unplaced.append(Unplaced(origin, t("plandraft.no_such_day", text=m[0])))
            continue
        segment = sentence[start : m.start()]
        rule = _which(segment, sentence[: m.start()], regime.deliverables)
        start = m.end()
        if rule is None:
            found.unplaced.append(Unplaced(origin, t("plandraft.deadline_of_what", text=m[0])))
            continue
        kind = rule.kind
        label = rule.label.format(year=year) if rule.label else None
        found.deliverables.append(
            DeliverableDraft(
                _code(rule.code, found), rule.name.format(year=year), kind, owners, due,
                regime.rules[m["rule"].lower()], None, label, origin, via,
            )
        )  # fmt: skip
    for m in rx(regime.monthly_deadline).finditer(sentence):
        every = next((r.every for r in regime.recurrence if rx(r.pattern).search(sentence)), None)
        if every is None:
            continue
        day = int(m["d"])
        notes: tuple[str, ...] = ()
        if day > 28:
            notes = (t("plandraft.due_day_28", day=day),)
            day = 28
        what = rx(regime.recurring_what).search(sentence)
        name = t(f"plandraft.recurring_{every}", what=what["what"]) if what else t(f"plandraft.recurring_{every}_plain")
        code = "bao-cao-thang" if every == "month" else "bao-cao-quy"
        found.deliverables.append(
            DeliverableDraft(
                _code(code, found), name, "report", owners, None, None,
                RecurrenceDraft(every, day, regime.rules[m["rule"].lower()]), None, origin, via, notes,
            )
        )  # fmt: skip


def _which(segment: str, whole: str, rules: list[DeliverableRule]) -> DeliverableRule | None:
    """The deliverable a deadline belongs to: named in the words since the last deadline (which
    may leave out "báo cáo"), else in the sentence so far."""
    carried = "báo cáo " + segment.strip(" (),;") if "báo cáo" not in segment.lower() else segment
    for text in (segment, carried, whole):  # "báo cáo 6 tháng (…) và hằng năm (…)": the word carries over
        for rule in rules:
            if rx(rule.pattern).search(text):
                return rule
    return None


def _code(code: str, found: RegimeFound) -> str:
    taken = {d.code for d in found.deliverables}
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}-{n}", n + 1
    return candidate
