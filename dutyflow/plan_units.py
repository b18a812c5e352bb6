"""Units of the register drafted as a plan's `units`, and written as YAML.

`draft_units` turns registered commune-level units into plan units: a code for the plan made
from the official name (xa-quang-han, phuong-thuc-phan, dac-khu-bach-long-vi), the name as a
plan gives it ("UBND xã Quang Hán"), the official name as its short name, the kind and the
administrative code. Contacts are placeholders on the reserved .example domain: the office
fills them in. `render_units` writes them with the template `plan/units.yaml.j2`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import jinja2

from dutyflow.paths import TEMPLATES_DIR
from dutyflow.plan import UnitKind
from dutyflow.register import REFORM_DAY, AdminKind, RegisteredUnit, lookup, plain_ascii
from dutyflow.templating import yaml_environment

__all__ = ["DraftUnit", "draft_units", "render_units", "template"]

UNIT_KIND = {
    AdminKind.COMMUNE: UnitKind.COMMUNE,
    AdminKind.WARD: UnitKind.WARD,
    AdminKind.TOWN: UnitKind.TOWN,
    AdminKind.SPECIAL_ZONE: UnitKind.SPECIAL_ZONE,
}
"""The plan kind of each commune-level register type."""

_CODE_PREFIX = {
    UnitKind.COMMUNE: "xa",
    UnitKind.WARD: "phuong",
    UnitKind.TOWN: "tt",
    UnitKind.SPECIAL_ZONE: "dac-khu",
}


@dataclass(frozen=True)
class DraftUnit:
    code: str
    name: str
    """As plans name units: "UBND xã Quang Hán"."""
    short_name: str
    """The official name: "Xã Quang Hán"."""
    kind: UnitKind
    gso_code: str
    type_word: str
    """"xã", "phường", "thị trấn", "đặc khu"."""
    focal_email: str
    head_email: str
    heading: str | None = None
    """The district it belongs to (before 1/7/2025), to head a list."""
    opens: dt.date | None = None

    @property
    def lower_name(self) -> str:
        """ "xã Quang Hán"."""
        return self.short_name[0].lower() + self.short_name[1:]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain_ascii(text).lower()).strip("-")


def draft_units(
    units: Iterable[RegisteredUnit],
    taken: Iterable[str] = (),
    suffix: str = "moi",
    opens: dt.date | None = None,
) -> list[DraftUnit]:
    """Plan units for commune-level `units`.

    Codes are made from the official names; units whose names make the same code (Xã Chờ and
    Xã Chợ; two Xã Vĩnh Quang of different districts) get their district's name appended, and
    if that is not enough, their administrative code. A code already `taken` by the plan's other
    units gets `-<suffix>` (then -2, -3...), so the new Xã Quang Hán of a plan that still holds
    the old one is xa-quang-han-moi."""
    units = list(units)
    last_legacy_day = REFORM_DAY - dt.timedelta(days=1)
    districts = {u.code: lookup(u.district_code, last_legacy_day) if u.district_code else None for u in units}
    bases = {u.code: f"{_CODE_PREFIX[UNIT_KIND[u.kind]]}-{slug(u.short_name)}" for u in units}
    qualifiers = [
        {u.code: slug(d.short_name) if (d := districts[u.code]) else u.code for u in units},
        {u.code: u.code for u in units},
    ]
    for qualifier in qualifiers:
        clashes = Counter(bases.values())
        bases = {code: f"{base}-{qualifier[code]}" if clashes[base] > 1 else base for code, base in bases.items()}
    used = set(taken)
    drafts = []
    for unit in units:
        kind = UNIT_KIND[unit.kind]
        type_word = unit.name[: len(unit.name) - len(unit.short_name)].strip().lower()
        district = districts[unit.code]
        base = bases[unit.code]
        code = base if base not in used else f"{base}-{suffix}"
        n = 2
        while code in used:
            code, n = f"{base}-{suffix}-{n}", n + 1
        used.add(code)
        province = lookup(unit.province_code, unit.valid_from or last_legacy_day)
        domain = f"{code.replace('-', '')}.{slug(province.short_name).replace('-', '') if province else 'vn'}.example"
        drafts.append(
            DraftUnit(
                code=code,
                name=f"UBND {type_word} {unit.short_name}",
                short_name=unit.name,
                kind=kind,
                gso_code=unit.code,
                type_word=type_word,
                focal_email=f"vanhoaxahoi@{domain}",
                head_email=f"chutich@{domain}",
                heading=f"{district.name} ({district.code})" if district else None,
                opens=opens,
            )
        )
    return drafts


def template(name: str) -> jinja2.Template:
    return yaml_environment(TEMPLATES_DIR / "plan").get_template(name)


def render_units(province: RegisteredUnit, on: dt.date, drafts: list[DraftUnit]) -> str:
    """The YAML of `plan units`: a header comment, then the units, contacts commented out."""
    return template("units.yaml.j2").render(
        province=province, day=on.strftime("%d/%m/%Y"), units=drafts, before_reform=on < REFORM_DAY
    )
