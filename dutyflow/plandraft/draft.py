"""Assemble the draft plan from what the recognisers found, as a commented YAML tree.

Every value read from the text carries a comment naming its sentence (section and line); every
value the draft had to choose (contacts, who reports the figures, the office) says so; whatever
could not be placed is listed at the end under "# chưa xử lý". Nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, read_document
from dutyflow.plandraft.duties import DutiesFound, DutyDraft, read_duties
from dutyflow.plandraft.found import Found, Origin, Unplaced
from dutyflow.plandraft.header import HeaderDraft, read_header
from dutyflow.plandraft.regime import DeliverableDraft, RegimeFound, read_regime
from dutyflow.plandraft.rules import Rules, load_rules, rx
from dutyflow.plandraft.targets import TargetDraft, TargetsFound, read_targets, without_count
from dutyflow.plandraft.text import slug
from dutyflow.plandraft.units import (
    CommuneSource,
    GroupDraft,
    Mentions,
    UnitDraft,
    UnitsFound,
    read_units,
    register_communes,
)
from dutyflow.plandraft.write import Draft, Noted

REPORTING = "don-vi-bao-cao"
ALL_BUT_OFFICE = [
    "department", "province_department", "agency", "organisation", "front", "commune", "ward", "town", "special_zone",
]  # fmt: skip


def draft_plan(path: Path, rules: Rules | None = None, communes: CommuneSource | None = register_communes) -> Draft:
    """Read the Kế hoạch at `path` (.docx, .pdf, .txt) and draft its plan."""
    rules = rules or load_rules()
    document = read_document(path, rules.reading)
    return draft_document(document, rules, communes)


def draft_document(document: Document, rules: Rules, communes: CommuneSource | None) -> Draft:
    header = read_header(document, rules.header)
    year = (
        header.year.value
        if header.year
        else (header.issued_on.value.year if header.issued_on else dt.date.today().year)
    )
    on = header.issued_on.value if header.issued_on else dt.date(year, 1, 1)
    targets = read_targets(document, rules)
    units = read_units(document, header, rules, communes, on)
    mentions = Mentions(units, rules.units)
    duties = read_duties(document, units, mentions, rules)
    regime = read_regime(document, units, mentions, rules, year)
    return _Assembly(document, rules, header, year, targets, units, duties, regime).build()


class _Assembly:
    def __init__(
        self,
        document: Document,
        rules: Rules,
        header: HeaderDraft,
        year: int,
        targets: TargetsFound,
        units: UnitsFound,
        duties: DutiesFound,
        regime: RegimeFound,
    ) -> None:
        self.document, self.rules, self.header, self.year = document, rules, header, year
        self.targets, self.units, self.duties, self.regime = targets, units, duties, regime
        # A sentence of the reporting regime under no addressee is no lost duty: the regime read it.
        orphans = [u for u in duties.unplaced if u.origin.line not in regime.used]
        self.unplaced: list[Unplaced] = [*targets.unplaced, *units.unplaced, *orphans, *regime.unplaced]
        self.groups: dict[str, GroupDraft] = dict(units.groups)

    def build(self) -> Draft:
        if not self.units.units:
            self._issuer_as_office()
        office = self._office()
        deliverables = self._deliverables(office)
        tree: dict[str, Any] = {
            "plan": self._plan(office),
            "units": [self._unit(u) for u in self.units.units],
        }
        duties = [self._duty(d, office) for d in self.duties.duties]
        indicators, elements = self._indicators(office)
        ordered = sorted(self.groups.values(), key=lambda g: g.code == REPORTING)
        tree["groups"] = [self._group(g) for g in ordered]
        tree["duties"] = duties
        tree["data_elements"] = elements
        tree["indicators"] = indicators
        tree["deliverables"] = deliverables
        self._leftovers()
        counts = {
            "units": len(self.units.units),
            "groups": len(self.groups),
            "duties": len(duties),
            "indicators": len(indicators),
            "deliverables": len(deliverables),
            "unplaced": len(self.unplaced),
        }
        return Draft(tree, self.unplaced, self.document.name, counts)

    # ------------------------------------------------------------------ plan header

    def _plan(self, office: Found[str]) -> dict[str, Any]:
        h = self.header
        area = h.issuer_area.value if h.issuer_area else "ke-hoach"
        missing = t("plandraft.fill_in")
        return {
            "code": Noted(f"{slug(area, 40)}-{self.year}", t("plandraft.chosen_code")),
            "year": _noted(h.year, self.year),
            "title": _noted(h.title, t("plandraft.no_title"), missing),
            "number": _noted(h.number, None, missing),
            "issued_on": _noted(h.issued_on, None, missing),
            "issuer": {
                "parent": _noted(h.issuer_parent, None, missing),
                "name": Noted(h.issuer_name or t("plandraft.unknown"), _comment(h.issuer_area) or missing),
                "short_name": Noted(h.short_name or t("plandraft.unknown"), _comment(h.issuer_area) or missing),
                "place": _noted(h.place, t("plandraft.unknown"), missing),
            },
            "basis": [_noted(b, b.value) for b in h.basis],
            "signer": {
                "authority": _noted(h.signer_authority, None, missing),
                "title": _noted(h.signer_title, t("plandraft.unknown"), missing),
                "name": _noted(h.signer_name, t("plandraft.unknown"), missing),
            },
            "recipients": [_noted(r, r.value) for r in h.recipients],
            "office": _noted(office, office.value),
            "source": self.document.name,
        }

    def _office(self) -> Found[str]:
        for d in self.regime.deliverables:
            if d.kind == "consolidated" and d.units and self.units.unit(d.units[0]) is not None:
                return Found(d.units[0], d.origin, t("plandraft.office_consolidates"))
        for d in self.regime.deliverables:
            for code in d.via:
                if self.units.unit(code) is not None:
                    return Found(code, d.origin, t("plandraft.office_via"))
        unit = next((u for u in self.units.units if u.kind == "office"), self.units.units[0])
        return Found(unit.code, unit.origin, t("plandraft.office_guess"))

    def _issuer_as_office(self) -> None:
        origin = Origin("", "", 1)
        short = self.header.short_name or t("plandraft.unknown")
        self.units.units.append(
            UnitDraft(
                "van-phong",
                t("plandraft.issuer_office", issuer=short),
                t("plandraft.issuer_office", issuer=short),
                "office",
                origin,
                None,
                t("plandraft.no_units"),
            )
        )

    # ------------------------------------------------------------------ units and groups

    def _unit(self, unit: UnitDraft) -> Noted:
        area = slug(self.header.issuer_area.value, 30, "") if self.header.issuer_area else "donvi"
        mailbox = unit.code.replace("-", "")
        body: dict[str, Any] = {
            "code": unit.code,
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
        }
        if unit.gso_code:
            body["gso_code"] = unit.gso_code
        body["focal"] = Noted(
            {
                "name": t("plandraft.focal_name", unit=unit.short_name),
                "email": f"vanthu@{mailbox}.{area}.example",
            },
            t("plandraft.contact_placeholder"),
        )
        body["head"] = {
            "name": t("plandraft.head_name", unit=unit.short_name),
            "email": f"thutruong@{mailbox}.{area}.example",
        }
        return Noted(body, unit.origin.comment() if unit.origin.text else None, (unit.note,) if unit.note else ())

    def _group(self, group: GroupDraft) -> Noted:
        body: dict[str, Any] = {"code": group.code, "name": group.name}
        if group.members:
            body["members"] = group.members
        if group.kinds:
            body["kinds"] = group.kinds
        above = (group.note,) if group.note else ()
        return Noted(body, group.origin.comment() if group.origin.text else None, above)

    def _reporting_group(self, named: tuple[str, ...], origin: Origin) -> str:
        """One code for the units a report sentence names: the unit itself, or the reporting group."""
        if len(named) == 1:
            return named[0]
        group = self.groups.get(REPORTING)
        if group is None:
            name = self.rules.units.groups[REPORTING].name
            group = GroupDraft(REPORTING, name, [], [], origin)
            self.groups[REPORTING] = group
        if not named:
            group.kinds = sorted(set(group.kinds) | set(ALL_BUT_OFFICE), key=ALL_BUT_OFFICE.index)
            group.note = t("plandraft.reporting_all")
        for code in named:
            self._ensure_group(code, origin)
            if code in self.groups:
                kinds = set(group.kinds) | set(self.groups[code].kinds)
                group.kinds = sorted(kinds, key=ALL_BUT_OFFICE.index)
                group.members = sorted(set(group.members) | set(self.groups[code].members))
            elif code not in group.members:
                group.members.append(code)
        return REPORTING

    def _ensure_group(self, code: str, origin: Origin) -> None:
        """A group a sentence names (partners, reporters) is defined once, from the rules."""
        rule = self.rules.units.groups.get(code)
        if rule is not None and code not in self.groups and self.units.unit(code) is None:
            self.groups[code] = GroupDraft(code, rule.name, list(rule.kinds), [], origin)

    # ------------------------------------------------------------------ duties

    def _duty(self, duty: DutyDraft, office: Found[str]) -> Noted:
        units = list(duty.units)
        above: tuple[str, ...] = ()
        if not units:
            reporting = REPORTING if REPORTING in self.groups else None
            units = [office.value, *([reporting] if reporting else [])]
            above = (t("plandraft.general_duty"),)
        body: dict[str, Any] = {
            "code": duty.code,
            "section": duty.section,
            "title": duty.title,
            "text": duty.text,
            "units": units,
        }
        for code in (*units, *duty.partners):
            self._ensure_group(code, duty.origin)
        if duty.partners:
            body["partners"] = Noted(list(duty.partners), t("plandraft.partners_from"))
        return Noted(body, duty.origin.comment(), above)

    # ------------------------------------------------------------------ indicators

    def _indicators(self, office: Found[str]) -> tuple[list[Noted], list[Noted]]:
        elements: dict[str, tuple[str, str]] = {}  # name → (code, nature)
        reporters = [REPORTING] if REPORTING in self.groups else [office.value]
        out: list[Noted] = []

        def element(name: str) -> str:
            if name not in elements:
                taken = {code for code, _ in elements.values()}
                base = slug(without_count(name, self.rules.targets), 56, "_")
                code, n = base, 2
                while code in taken:
                    code, n = f"{base}_{n}", n + 1
                nature = "event" if _event(name, self.rules) else "stock"
                elements[name] = (code, nature)
            return elements[name][0]

        for i, target in enumerate(self.targets.targets, start=1):
            out.append(self._indicator(i, target, element, reporters))
        element_nodes = [
            Noted({"code": code, "name": name, "nature": nature}, t("plandraft.element_proposed"))
            for name, (code, nature) in elements.items()
        ]
        return out, element_nodes

    def _indicator(self, i: int, target: TargetDraft, element: Callable[[str], str], reporters: list[str]) -> Noted:
        body: dict[str, Any] = {
            "code": f"CT{i:02d}",
            "group": target.group,
            "name": target.name,
            "measure": target.measure,
            "numerator": Noted(element(target.numerator), t("plandraft.proposed")),
        }
        if target.denominator is not None:
            body["denominator"] = Noted(element(target.denominator), t("plandraft.proposed"))
        body["direction"] = target.direction
        if target.strict:
            body["strict"] = Noted(True, t("plandraft.strict"))
        if target.reduction is not None:
            low, high = target.reduction
            body["reduction"] = {"low": low} if high is None else {"low": low, "high": high}
        elif target.direction != "reduce" or target.target is not None:
            body["target"] = target.target
        if target.baseline is not None or target.direction == "reduce":
            body["baseline"] = Noted(target.baseline, None if target.baseline is not None else t("plandraft.baseline"))
        body["reported_by"] = Noted(reporters, t("plandraft.reported_by_guess"))
        if target.notes:
            body["note"] = "; ".join(target.notes)
        return Noted(body, target.origin.comment())

    # ------------------------------------------------------------------ deliverables

    def _deliverables(self, office: Found[str]) -> list[Noted]:
        out: list[Noted] = []
        reports: list[DeliverableDraft] = []
        for d in self.regime.deliverables:
            if d.due is not None and d.due.year not in (self.year, self.year + 1):
                self.unplaced.append(
                    Unplaced(d.origin, t("plandraft.due_outside_year", due=d.due.isoformat(), year=self.year))
                )
                continue
            if d.kind == "report" and d.due is not None:
                reports.append(d)
        for d in self.regime.deliverables:
            if d.due is not None and d.due.year not in (self.year, self.year + 1):
                continue
            out.append(self._deliverable(d, office, reports))
        if not out:
            out.append(self._placeholder_report())
        return out

    def _placeholder_report(self) -> Noted:
        """A plan needs one deliverable; a text with no reporting regime gets a marked stand-in."""
        body: dict[str, Any] = {
            "code": "bao-cao-nam",
            "name": t("plandraft.placeholder_name", year=self.year),
            "kind": "report",
            "units": [self._reporting_group((), Origin("", "", 1))],
            "forms": [],
            "attachments": True,
            "due": Noted(dt.date(self.year, 12, 15), t("plandraft.placeholder_due")),
            "rule": "by",
        }
        return Noted(body, None, (t("plandraft.placeholder"),))

    def _deliverable(self, d: DeliverableDraft, office: Found[str], reports: list[DeliverableDraft]) -> Noted:
        above: list[str] = list(d.notes)
        kind = d.kind
        inputs: list[str] = []
        if kind == "consolidated":
            inputs = [r.code for r in reports if d.due is not None and r.due is not None and r.due < d.due]
            if not inputs:
                kind = "report"
                above.append(t("plandraft.consolidated_without_inputs"))
        if kind == "consolidated":
            units = [d.units[0] if d.units and self.units.unit(d.units[0]) else office.value]
        else:
            units = [self._reporting_group(d.units, d.origin)]
            if not d.units:
                above.append(t("plandraft.deliverable_units_guess"))
        body: dict[str, Any] = {"code": d.code, "name": d.name, "kind": kind, "units": units}
        body["forms"] = []
        body["attachments"] = Noted(True, t("plandraft.attachments"))
        if d.recurrence is not None:
            start = dt.date(self.year, 1, 1)
            body["recurrence"] = Noted(
                {
                    "every": d.recurrence.every,
                    "start": start,
                    "end": dt.date(self.year, 12, 31),
                    "due_day": d.recurrence.due_day,
                    "rule": d.recurrence.rule,
                },
                t("plandraft.recurrence_span"),
            )
        else:
            body["due"] = d.due
            body["rule"] = d.rule
        if inputs:
            body["inputs"] = inputs
        if d.period_label:
            body["period_label"] = d.period_label
        return Noted(body, d.origin.comment(), tuple(above))

    # ------------------------------------------------------------------ the rest

    def _leftovers(self) -> None:
        used = self.header.used | self.targets.used | self.units.used | self.duties.used | self.regime.used
        placed = {(u.origin.line, u.origin.text) for u in self.unplaced}
        lines_listed = {u.origin.line for u in self.unplaced}
        for p in self.document.paragraphs:
            if p.line in used or p.line in lines_listed or (p.line, p.text) in placed:
                continue
            if p.is_heading:
                continue  # a heading says nothing to place; the paragraphs under it are listed
            reason = t("plandraft.funding") if self._in_funding(p.section) else t("plandraft.not_placed")
            self.unplaced.append(Unplaced(Origin.of(p), reason))

    def _in_funding(self, section: str) -> bool:
        heading = self.document.heading(section.split(".")[0]) if section else None
        return heading is not None and bool(rx(self.rules.sections.funding).search(heading.body))


def _event(name: str, rules: Rules) -> bool:
    return bool(rx(rules.targets.event_words).search(name))


def _comment(found: Found[Any] | None) -> str | None:
    if found is None:
        return None
    comment = found.origin.comment()
    return f"{comment}; {found.note}" if found.note else comment


def _noted(found: Found[Any] | None, default: Any, missing: str | None = None) -> Noted:
    if found is None:
        return Noted(default, missing)
    return Noted(found.value, _comment(found))


__all__ = ["Draft", "draft_document", "draft_plan"]
