"""Units: every addressee of the organisation section (Tổ chức thực hiện), their kinds, the groups
the plan names ("UBND các xã, thị trấn"), and the communes such a group stands for.

A numbered heading of that section names one or more addressees ("Đoàn Thanh niên, Hội Liên
hiệp Phụ nữ xã"); it is cut where a part starts with a unit word. A part that is a group phrase
becomes a group (rules `units.mentions`); a group marked `from_register` is filled with the
communes of the issuing district (or province) in force on the plan's date, from the register of
administrative units. `Mentions` finds the units and groups a sentence names, for duties and
the reporting regime.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, Paragraph
from dutyflow.plandraft.found import Origin, Unplaced
from dutyflow.plandraft.header import HeaderDraft
from dutyflow.plandraft.rules import Rules, Units, rx
from dutyflow.plandraft.text import fold, slug


@dataclass(frozen=True)
class UnitDraft:
    code: str
    name: str
    short_name: str
    kind: str
    origin: Origin
    gso_code: str | None = None
    note: str | None = None


@dataclass
class GroupDraft:
    code: str
    name: str
    kinds: list[str]
    members: list[str]
    origin: Origin
    note: str | None = None


@dataclass
class UnitsFound:
    units: list[UnitDraft] = field(default_factory=list)
    groups: dict[str, GroupDraft] = field(default_factory=dict)
    addressees: dict[str, list[str]] = field(default_factory=dict)
    """Section of the organisation part ("V.3") → the unit and group codes it addresses."""
    inline: dict[str, str] = field(default_factory=dict)
    """Section → duty text written on the heading's line after a colon."""
    unplaced: list[Unplaced] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    def unit(self, code: str) -> UnitDraft | None:
        return next((u for u in self.units if u.code == code), None)


@dataclass(frozen=True)
class Commune:
    """A commune-level unit of the register, as a plan names it (dutyflow.plan_units)."""

    code: str
    """The plan code: "xa-quang-han"."""
    name: str
    """"UBND xã Quang Hán"."""
    short_name: str
    """The official name: "Xã Quang Hán"."""
    kind: str
    gso_code: str
    ends: dt.date | None = None
    """First day it no longer exists (the 2025 reorganisation), when the register says so."""


CommuneSource = Callable[[HeaderDraft, dt.date], list[Commune]]
"""The communes a "các xã, thị trấn" group stands for; raises LookupError with a message."""


def register_communes(header: HeaderDraft, on: dt.date) -> list[Commune]:
    """The communes of the issuing district (or province) on `on`, from dutyflow.register."""
    from dutyflow.plan_units import draft_units
    from dutyflow.register import communes_of_district, province, units_of_province

    if header.issuer_level is None or header.issuer_area is None:
        raise LookupError(t("plandraft.no_issuer"))
    level, area = header.issuer_level.value, header.issuer_area.value
    if level == "tỉnh":
        found = units_of_province(province(area, on).code, on)
    elif header.province is not None:
        found = communes_of_district(header.province.value, area, on)
    else:
        raise LookupError(t("plandraft.no_province"))
    ends = {u.code: u.valid_to for u in found}
    return [
        Commune(d.code, d.name, d.short_name, d.kind.value, d.gso_code, ends[d.gso_code]) for d in draft_units(found)
    ]


def key(name: str, rules: Units) -> str:
    """A name as matching sees it: folded, abbreviations applied, punctuation and spacing gone."""
    text = name
    for long, short in rules.abbreviations:
        text = re.sub(re.escape(long), short, text, flags=re.IGNORECASE)
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def read_units(
    document: Document, header: HeaderDraft, rules: Rules, communes: CommuneSource | None, on: dt.date
) -> UnitsFound:
    found = UnitsFound()
    romans = [p for p in document.paragraphs if p.kind == "roman" and rx(rules.sections.organisation).search(p.body)]
    for roman in romans:
        found.used.add(roman.line)
        for p in document.under(roman):
            if p.kind == "number":
                _read_heading(p, header, rules.units, found)
    for group in list(found.groups.values()):
        if rules.units.groups[group.code].from_register:
            _expand(group, header, communes, on, found)
    return found


def _read_heading(p: Paragraph, header: HeaderDraft, rules: Units, found: UnitsFound) -> None:
    text = rx(rules.heading_lead).sub("", p.body).strip()
    head, colon, rest = text.partition(":")
    if colon and rest.strip():
        found.inline[p.section] = rest.strip()
    head = head.strip(" .;")
    codes: list[str] = []
    for part in _parts(head, rules):
        groups = _group_codes(part, rules)
        if groups:
            for code in groups:
                _ensure_group(code, p, rules, found)
            codes.extend(groups)
            continue
        kind = next((k.kind for k in rules.kinds if rx(k.pattern).search(part)), None)
        if kind is None:
            found.unplaced.append(Unplaced(Origin.of(p, part), t("plandraft.unknown_addressee")))
            continue
        unit = _unit(part, kind, header, p, found)
        codes.append(unit.code)
    found.used.add(p.line)
    if codes:
        found.addressees[p.section] = codes


def _parts(head: str, rules: Units) -> list[str]:
    pieces = re.split(r"(,\s+|\s+và\s+)", head)
    parts = [pieces[0]]
    for sep, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if rx(rules.splits_before).match(piece):
            parts.append(piece)
        else:
            parts[-1] += sep + piece
    return [p.strip() for p in parts if p.strip()]


def _group_codes(part: str, rules: Units) -> list[str]:
    for mention in rules.mentions:
        m = rx(mention.pattern).search(part)
        if m and m.start() == 0:  # the part is the group phrase, not a unit that mentions one
            return list(mention.groups)
    return []


def _ensure_group(code: str, p: Paragraph, rules: Units, found: UnitsFound) -> None:
    if code not in found.groups:
        rule = rules.groups[code]
        found.groups[code] = GroupDraft(code, rule.name, list(rule.kinds), [], Origin.of(p))


def _unit(part: str, kind: str, header: HeaderDraft, p: Paragraph, found: UnitsFound) -> UnitDraft:
    short = part
    area = header.issuer_area.value if header.issuer_area else ""
    level = header.issuer_level.value if header.issuer_level else ""
    if area and fold(area) in fold(part):
        short = re.sub(re.escape(area), area, part, flags=re.IGNORECASE)  # "huyện trùng Khánh" → "Trùng Khánh"
        name = short
        short = re.sub(rf"\s+{level}\s+{re.escape(area)}$", "", short, flags=re.IGNORECASE) if level else short
    elif area and re.search(r"\b(tỉnh|huyện|xã|phường|thị trấn)$", part):
        name = f"{part} {area}"
    elif area and level:
        name = f"{part} {level} {area}"
    else:
        name = part
    code = _unique_code(_code_of(short, kind), found)
    unit = UnitDraft(code, name, short, kind, Origin.of(p, part))
    found.units.append(unit)
    return unit


def _code_of(short: str, kind: str) -> str:
    words = re.sub(r"^(Phòng|Sở|Ủy ban|Uỷ ban)\s+", "", short)
    if kind == "front":
        return "mttq"
    return slug(words, 40)


def _unique_code(code: str, found: UnitsFound) -> str:
    taken = {u.code for u in found.units} | set(found.groups)
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}-{n}", n + 1
    return candidate


def _expand(
    group: GroupDraft, header: HeaderDraft, communes: CommuneSource | None, on: dt.date, found: UnitsFound
) -> None:
    if communes is None:
        found.unplaced.append(Unplaced(group.origin, t("plandraft.not_expanded_no_register", group=group.name)))
        return
    try:
        listed = communes(header, on)
    except LookupError as exc:
        found.unplaced.append(Unplaced(group.origin, t("plandraft.not_expanded", group=group.name, reason=exc)))
        return
    note = t("plandraft.from_register", day=on.strftime("%d/%m/%Y"))
    for commune in listed:
        code = _unique_code(commune.code, found)
        found.units.append(
            UnitDraft(code, commune.name, commune.short_name, commune.kind, group.origin, commune.gso_code, note)
        )
    ending = sorted({c.ends for c in listed if c.ends is not None and c.ends.year == on.year})
    if ending:
        group.note = t("plandraft.reform_hint", day=ending[0].strftime("%d/%m/%Y"), on=ending[0].isoformat())


class Mentions:
    """Finds the units and groups a sentence names, in the order it names them."""

    def __init__(self, found: UnitsFound, rules: Units) -> None:
        self._rules = rules
        self._units = sorted(
            ((key(u.short_name, rules), u.code) for u in found.units if u.kind not in ("commune", "town")),
            key=lambda pair: -len(pair[0]),
        )

    def __call__(self, text: str) -> list[str]:
        hits: list[tuple[int, str]] = []
        for mention in self._rules.mentions:
            for m in rx(mention.pattern).finditer(text):
                hits.extend((m.start(), code) for code in mention.groups)
        folded = f" {key(text, self._rules)} "
        plain = key(text, self._rules)
        for name_key, code in self._units:
            at = folded.find(f" {name_key} ")
            if name_key and at >= 0:
                # position in the folded text; good enough to order the units of one sentence
                hits.append((int(at * len(text) / max(len(plain), 1)), code))
        seen: list[str] = []
        for _, code in sorted(hits, key=lambda hit: hit[0]):  # stable: a phrase's groups keep the rule's order
            if code not in seen:
                seen.append(code)
        return seen
