"""How much of a plan the draft recovered: field by field against a hand-written plan, or against
the short list of what a reader takes from a document (`*.expected.yaml` of the test fixtures).

Items are paired by what identifies them in the text, not by code: units by name, indicators by
their order in the objectives, duties by their wording, deliverables by their last day. The
share is the number of fields that agree over the number of fields the reference has.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from dutyflow.plan import Plan
from dutyflow.plandraft.rules import Units
from dutyflow.plandraft.text import fold
from dutyflow.plandraft.units import key as unit_key


@dataclass(frozen=True)
class Row:
    section: str
    item: str
    field: str
    expected: str
    got: str
    ok: bool


@dataclass
class Comparison:
    rows: list[Row] = field(default_factory=list)

    def add(self, section: str, item: str, name: str, expected: Any, got: Any, ok: bool | None = None) -> None:
        same = ok if ok is not None else _same(expected, got)
        self.rows.append(Row(section, item, name, _show(expected), _show(got), same))

    def share(self, section: str | None = None) -> tuple[int, int]:
        rows = [r for r in self.rows if section is None or r.section == section]
        return sum(r.ok for r in rows), len(rows)

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(r.section for r in self.rows))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(value)) or "∅"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _text_key(text: str | None) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text or "")))


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, _text_key(a)[:240], _text_key(b)[:240]).ratio()


def compare_plans(draft: Plan, reference: Plan, rules: Units) -> Comparison:
    """Field by field: how much of `reference` the `draft` holds."""
    out = Comparison()
    names = _UnitNames(draft, reference, rules)
    _header(out, draft, reference, names)
    _units(out, draft, reference, names)
    _groups(out, draft, reference, names)
    _duties(out, draft, reference, names)
    _indicators(out, draft, reference)
    _deliverables(out, draft, reference, names)
    return out


class _UnitNames:
    """Units of either plan by name key, and a selection of codes as a set of name keys."""

    def __init__(self, draft: Plan, reference: Plan, rules: Units) -> None:
        self.rules = rules
        self.draft = draft
        self.reference = reference

    def key(self, name: str) -> str:
        text = re.sub(r"^(UBND|Ủy ban nhân dân)\s+", "", name, flags=re.IGNORECASE)
        return unit_key(text, self.rules)

    def of(self, plan: Plan, codes: Iterable[str]) -> set[str]:
        return {self.key(u.name) for u in plan.expand_units(codes)}

    def draft_unit(self, name: str) -> Any:
        wanted = self.key(name)
        return next((u for u in self.draft.units if self.key(u.name) == wanted), None)


def _header(out: Comparison, draft: Plan, ref: Plan, names: _UnitNames) -> None:
    d, r = draft.plan, ref.plan
    for name in ("title", "year", "number", "issued_on"):
        out.add("plan", "plan", name, getattr(r, name), getattr(d, name))
    for name in ("parent", "name", "short_name", "place"):
        out.add("plan", "issuer", name, getattr(r.issuer, name), getattr(d.issuer, name))
    for name in ("authority", "title", "name"):
        expected, got = getattr(r.signer, name), getattr(d.signer, name)
        out.add("plan", "signer", name, expected, got, _text_key(expected) == _text_key(got))
    office = ref.unit(r.office).name
    draft_office = names.draft_unit(office)
    out.add(
        "plan",
        "plan",
        "office",
        office,
        draft_office.name if draft_office else d.office,
        draft_office is not None and draft_office.code == d.office,
    )
    for basis in r.basis:
        numbers = set(re.findall(r"\d+/[\w-]+", basis))
        hit = next(
            (b for b in d.basis if numbers & set(re.findall(r"\d+/[\w-]+", b)) or _similar(b, basis) > 0.8), None
        )
        out.add("plan", "basis", basis[:40], basis[:60], hit[:60] if hit else None, hit is not None)
    got = {_text_key(x) for x in d.recipients}
    for recipient in r.recipients:
        out.add(
            "plan",
            "recipients",
            recipient,
            recipient,
            recipient if _text_key(recipient) in got else None,
            _text_key(recipient) in got,
        )


def _units(out: Comparison, draft: Plan, ref: Plan, names: _UnitNames) -> None:
    for unit in ref.units:
        found = names.draft_unit(unit.name)
        out.add("units", unit.code, "present", unit.name, found.name if found else None, found is not None)
        if found is None:
            continue
        out.add("units", unit.code, "kind", unit.kind.value, found.kind.value)
        if unit.gso_code:
            out.add("units", unit.code, "gso_code", unit.gso_code, found.gso_code)


def _groups(out: Comparison, draft: Plan, ref: Plan, names: _UnitNames) -> None:
    for group in ref.groups:
        found = draft.group(group.code)
        out.add("groups", group.code, "present", group.name, found.name if found else None, found is not None)
        if found is None:
            continue
        out.add("groups", group.code, "kinds", {k.value for k in group.kinds}, {k.value for k in found.kinds})
        if group.members:
            out.add("groups", group.code, "members", names.of(ref, group.members), names.of(draft, found.members))


def _duties(out: Comparison, draft: Plan, ref: Plan, names: _UnitNames) -> None:
    for duty in ref.duties:
        candidates = [d for d in draft.duties if d.section == duty.section] or list(draft.duties)
        best = max(candidates, key=lambda d: _similar(d.text, duty.text), default=None)
        if best is None or _similar(best.text, duty.text) < 0.6:
            out.add("duties", duty.code, "present", duty.text[:50], None, False)
            continue
        out.add("duties", duty.code, "present", duty.text[:50], best.text[:50], True)
        out.add("duties", duty.code, "units", names.of(ref, duty.units), names.of(draft, best.units))
        out.add("duties", duty.code, "partners", names.of(ref, duty.partners), names.of(draft, best.partners))


def _indicators(out: Comparison, draft: Plan, ref: Plan) -> None:
    for i, ind in enumerate(ref.indicators):
        got = draft.indicators[i] if i < len(draft.indicators) else None
        if got is None:
            out.add("indicators", ind.code, "present", ind.name, None, False)
            continue
        out.add("indicators", ind.code, "direction", ind.direction.value, got.direction.value)
        out.add("indicators", ind.code, "target", ind.target, got.target)
        out.add("indicators", ind.code, "reduction", ind.reduction, got.reduction)
        out.add("indicators", ind.code, "strict", ind.strict, got.strict)
        out.add("indicators", ind.code, "measure", ind.measure.value, got.measure.value)
        out.add("indicators", ind.code, "baseline", ind.baseline, got.baseline)
        out.add("indicators", ind.code, "name", ind.name, got.name, _similar(ind.name, got.name) >= 0.85)


def _deliverables(out: Comparison, draft: Plan, ref: Plan, names: _UnitNames) -> None:
    codes: dict[str, str] = {}
    for d in ref.deliverables:
        if d.due is not None:
            found = next((x for x in draft.deliverables if x.due == d.due), None)
        else:
            assert d.recurrence is not None
            every = d.recurrence.every
            found = next((x for x in draft.deliverables if x.recurrence and x.recurrence.every == every), None)
        out.add("deliverables", d.code, "present", d.name, found.name if found else None, found is not None)
        if found is None:
            continue
        codes[d.code] = found.code
        out.add("deliverables", d.code, "kind", d.kind, found.kind)
        if d.due is not None:
            out.add("deliverables", d.code, "due", d.due, found.due)
            out.add(
                "deliverables",
                d.code,
                "rule",
                d.rule.value if d.rule else None,
                found.rule.value if found.rule else None,
            )
        out.add("deliverables", d.code, "units", names.of(ref, d.units), names.of(draft, found.units))
        if d.inputs:
            out.add("deliverables", d.code, "inputs", {codes.get(c, c) for c in d.inputs}, set(found.inputs))


def score_expected(draft: Plan, expected: dict[str, Any], rules: Units) -> Comparison:
    """Against a fixture's `*.expected.yaml`: header facts, targets, addressees, groups, deadlines."""
    out = Comparison()
    for name in ("year", "number", "issued_on"):
        out.add("plan", "plan", name, expected.get(name), getattr(draft.plan, name))
    out.add("plan", "signer", "name", expected.get("signer"), draft.plan.signer.name)
    for i, row in enumerate(expected.get("targets", [])):
        direction, target, strict, measure = row
        got = draft.indicators[i] if i < len(draft.indicators) else None
        item = f"#{i + 1}"
        if got is None:
            out.add("targets", item, "present", direction, None, False)
            continue
        out.add("targets", item, "direction", direction, got.direction.value)
        if direction not in ("eliminate",):
            # A reduction by a size ("giảm 10% so với …") is stated by its least reduction.
            stated = got.reduction.low if got.reduction is not None else got.target
            out.add(
                "targets",
                item,
                "target",
                target,
                stated,
                _same(target, stated) if target is not None else stated is None,
            )
        out.add("targets", item, "strict", strict, got.strict)
        if measure is not None:
            out.add("targets", item, "measure", measure, got.measure.value)
    keys = {unit_key(u.name, rules) for u in draft.units}
    for name in expected.get("units", []):
        wanted = unit_key(name, rules)
        hit = any(k == wanted or k.startswith(wanted + " ") for k in keys)
        out.add("units", name, "present", name, name if hit else None, hit)
    for code in expected.get("groups", []):
        out.add("groups", code, "present", code, code if draft.group(code) else None, draft.group(code) is not None)
    for kind, when, rule in expected.get("deadlines", []):
        found = None
        if isinstance(when, dt.date):
            found = next((d for d in draft.deliverables if d.due == when), None)
            got_rule = found.rule.value if found and found.rule else None
        else:
            every, day = str(when).split("/")
            found = next(
                (
                    d
                    for d in draft.deliverables
                    if d.recurrence and d.recurrence.every == every and d.recurrence.due_day == int(day)
                ),
                None,
            )
            got_rule = found.recurrence.rule.value if found and found.recurrence else None
        out.add("deadlines", str(when), "present", when, when if found else None, found is not None)
        if found is not None:
            out.add("deadlines", str(when), "kind", kind, found.kind)
            out.add("deadlines", str(when), "rule", rule, got_rule)
    return out
