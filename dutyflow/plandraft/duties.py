"""Duties: one per paragraph of the tasks section (Nhiệm vụ, giải pháp) and of the organisation
section (Tổ chức thực hiện), each with the units in charge and its partners ("phối hợp với…").

A paragraph under an addressee's heading is that addressee's duty. The tasks section names
nobody: its duties are marked `general` and the draft gives them to the office and the reporting
units, with a comment saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, Paragraph
from dutyflow.plandraft.found import Origin, Unplaced
from dutyflow.plandraft.rules import Rules, rx
from dutyflow.plandraft.text import clauses, excerpt
from dutyflow.plandraft.units import Mentions, UnitsFound


@dataclass(frozen=True)
class DutyDraft:
    code: str
    section: str
    title: str
    text: str
    units: tuple[str, ...]
    """Empty for a general duty (the tasks section names nobody)."""
    partners: tuple[str, ...]
    origin: Origin


@dataclass
class DutiesFound:
    duties: list[DutyDraft] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def read_duties(document: Document, units: UnitsFound, mentions: Mentions, rules: Rules) -> DutiesFound:
    found = DutiesFound()
    for roman in (p for p in document.paragraphs if p.kind == "roman"):
        organisation = bool(rx(rules.sections.organisation).search(roman.body))
        tasks = not organisation and bool(rx(rules.sections.tasks).search(roman.body))
        if not (organisation or tasks):
            continue
        by_section: dict[str, list[tuple[Paragraph, str]]] = {}
        headings: dict[str, Paragraph] = {}
        for p in document.under(roman):
            if p.kind in ("roman", "number"):
                headings[p.section] = p
                found.used.add(p.line)
                inline = units.inline.get(p.section)
                if inline and p.kind == "number":
                    by_section.setdefault(p.section, []).append((p, inline))
                continue
            by_section.setdefault(p.section, []).append((p, p.body))
        for section, items in by_section.items():
            owners = _owners(section, units) if organisation else ()
            if organisation and not owners:
                for p, text in items:
                    found.used.add(p.line)
                    found.unplaced.append(Unplaced(Origin.of(p, text), t("plandraft.duty_without_unit")))
                continue
            for i, (p, text) in enumerate(items, start=1):
                code = section if len(items) == 1 else f"{section}.{i}"
                heading = headings.get(section)
                title = heading.body if tasks and heading and len(items) == 1 else _title(text)
                partners = tuple(c for c in _partners(text, mentions, rules) if c not in owners)
                found.duties.append(
                    DutyDraft(code, section, excerpt(title, 110), text, owners, partners, Origin.of(p, text))
                )
                found.used.add(p.line)
    return found


def _owners(section: str, units: UnitsFound) -> tuple[str, ...]:
    parts = section.split(".")
    while parts:
        codes = units.addressees.get(".".join(parts))
        if codes:
            return tuple(codes)
        parts.pop()
    return ()


def _title(text: str) -> str:
    first = clauses(text)
    return first[0] if first else text


def _partners(text: str, mentions: Mentions, rules: Rules) -> list[str]:
    out: list[str] = []
    for m in rx(rules.units.partners).finditer(text):
        for code in mentions(m["span"]):
            if code not in out:
                out.append(code)
    return out
