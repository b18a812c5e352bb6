"""The official register of Vietnam's administrative units, before and after 1 July 2025.

The one module that reads the two register packages:

- `vietnam-provinces` (module `vietnam_provinces`): the two-level structure in force from
  1/7/2025, 34 provinces and 3,321 communes, wards and special zones (xã, phường, đặc khu);
- `vietnamadminunits`: the legacy three-level structure (63 provinces, their districts and
  10,000 communes, wards and towns) and the 2025 conversion table, which says which new unit
  each old commune-level unit became; an old unit divided between several new ones names one
  of them as the default (`isDefaultNewWard`).

The rule: a question about a day before `REFORM_DAY` is answered from the legacy register, a
question about that day or later from the new one. Codes are the national administrative codes
(mã đơn vị hành chính): 2 digits for a province, 3 for a district, 5 for a commune-level unit.
The new register reuses old codes (the new Xã Quang Hán has the old Xã Quang Hán's 01456), so
a code alone is ambiguous: every look-up takes the day it is about.

Everything here is pure and read-only: the data is loaded once, on first use.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from dutyflow.messages import t

__all__ = [
    "REFORM_DAY",
    "AdminKind",
    "RegisterError",
    "RegisteredUnit",
    "communes_of_district",
    "districts_of_province",
    "lookup",
    "name_key",
    "plain_ascii",
    "province",
    "same_name",
    "successors",
    "units_of_province",
]

REFORM_DAY = dt.date(2025, 7, 1)
"""First day of the two-level local government: provinces and communes, no districts."""


class AdminKind(StrEnum):
    """The type of an administrative unit, as the registers state it."""

    PROVINCE = "province"
    """Tỉnh."""
    CENTRAL_CITY = "central_city"
    """Thành phố trực thuộc trung ương."""
    RURAL_DISTRICT = "rural_district"
    """Huyện (before 1/7/2025)."""
    URBAN_DISTRICT = "urban_district"
    """Quận (before 1/7/2025)."""
    DISTRICT_TOWN = "district_town"
    """Thị xã (before 1/7/2025)."""
    PROVINCIAL_CITY = "provincial_city"
    """Thành phố thuộc tỉnh, or thuộc thành phố trực thuộc trung ương (before 1/7/2025)."""
    COMMUNE = "commune"
    """Xã."""
    WARD = "ward"
    """Phường."""
    TOWN = "town"
    """Thị trấn (before 1/7/2025)."""
    SPECIAL_ZONE = "special_zone"
    """Đặc khu (from 1/7/2025)."""

    @property
    def level(self) -> int:
        """1 province, 2 district (before 1/7/2025), 3 commune level."""
        if self in (AdminKind.PROVINCE, AdminKind.CENTRAL_CITY):
            return 1
        if self in _DISTRICT_KINDS:
            return 2
        return 3

    @property
    def code_length(self) -> int:
        """Digits of this kind's administrative code."""
        return {1: 2, 2: 3, 3: 5}[self.level]


_DISTRICT_KINDS = frozenset(
    {AdminKind.RURAL_DISTRICT, AdminKind.URBAN_DISTRICT, AdminKind.DISTRICT_TOWN, AdminKind.PROVINCIAL_CITY}
)


@dataclass(frozen=True)
class RegisteredUnit:
    """One unit of a register.

    `valid_from` is the first day it exists (None: before the registers begin), `valid_to` the
    first day it no longer exists (None: still exists), as `Unit.opens` and `Unit.closes` of a
    plan read."""

    code: str
    name: str
    """Official name with its type, e.g. "Xã Quang Hán", "Huyện Trùng Khánh", "Tỉnh Cao Bằng"."""
    short_name: str
    """The name without its type, e.g. "Quang Hán"."""
    kind: AdminKind
    province_code: str
    district_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None

    @property
    def level(self) -> int:
        return self.kind.level

    def exists_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)


class RegisterError(LookupError):
    """A question the register cannot answer; the message is Vietnamese and says why."""


# --------------------------------------------------------------------------- names


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_AUTHORITY_PREFIXES = ("ubnd ", "uy ban nhan dan ")
_PUNCTUATION = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2019": "'", "\u02bc": "'"})


def name_key(name: str) -> str:
    """A form of a unit's name that two spellings of the same name share.

    Case, spacing, the kind of dash or apostrophe and the placement of the tone mark (Thủy /
    Thuỷ, Hòa / Hoà) do not count; every other letter does (Quang Hán is not Quảng Hàn). A
    leading "UBND" or "Ủy ban nhân dân" is dropped, so "UBND xã Quang Hán" and "Xã Quang Hán"
    share their key."""
    words = []
    text = name.casefold().translate(_PUNCTUATION).replace("-", " - ")
    for word in unicodedata.normalize("NFD", text).split():
        tones = "".join(ch for ch in word if ch in _TONE_MARKS)
        base = "".join(ch for ch in word if ch not in _TONE_MARKS)
        words.append(unicodedata.normalize("NFC", base) + tones)
    key = " ".join(words)
    plain = plain_ascii(key)
    for prefix in _AUTHORITY_PREFIXES:
        if plain.startswith(prefix):
            key = " ".join(key.split()[len(prefix.split()) :])
            break
    return key


def plain_ascii(text: str) -> str:
    """`text` without its diacritics ("Đàm Thuỷ" → "Dam Thuy")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def same_name(given: str, unit: RegisteredUnit) -> bool:
    """Whether `given` (a plan's name, "UBND xã Quang Hán" or "Xã Quang Hán") names `unit`."""
    key = name_key(given)
    return key in (name_key(unit.name), name_key(unit.short_name))


def _split_type(name: str, types: Iterable[str]) -> str:
    """`name` without its leading type word(s)."""
    for word in sorted(types, key=len, reverse=True):
        if name_key(name).startswith(name_key(word) + " "):
            return " ".join(name.split()[len(word.split()) :])
    return name


# --------------------------------------------------------------------------- the new register


_NEW_TYPE_WORDS = {
    "tỉnh": AdminKind.PROVINCE,
    "thành phố trung ương": AdminKind.CENTRAL_CITY,
    "xã": AdminKind.COMMUNE,
    "phường": AdminKind.WARD,
    "đặc khu": AdminKind.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class _Register:
    provinces: Mapping[str, RegisteredUnit]
    districts: Mapping[str, RegisteredUnit]
    communes: Mapping[str, RegisteredUnit]


@cache
def _new() -> _Register:
    from vietnam_provinces import Province, Ward

    provinces: dict[str, RegisteredUnit] = {}
    for p in Province.iter_all():
        kind = _NEW_TYPE_WORDS[p.division_type.value]
        short = _split_type(p.name, ["Thành phố", "Tỉnh"])
        full = p.name if short != p.name else f"Tỉnh {p.name}"
        code = f"{int(p.code):02d}"
        provinces[code] = RegisteredUnit(code, full, short, kind, code, None, REFORM_DAY, None)
    communes: dict[str, RegisteredUnit] = {}
    for w in Ward.iter_all():
        kind = _NEW_TYPE_WORDS[w.division_type.value]
        code = f"{int(w.code):05d}"
        short = _split_type(w.name, ["Xã", "Phường", "Đặc khu"])
        province_code = f"{int(w.province_code):02d}"
        communes[code] = RegisteredUnit(code, w.name, short, kind, province_code, None, REFORM_DAY, None)
    return _Register(provinces, {}, communes)


# --------------------------------------------------------------------------- the legacy register

_LEGACY_DISTRICT_TYPES = {
    "Huyện": AdminKind.RURAL_DISTRICT,
    "Quận": AdminKind.URBAN_DISTRICT,
    "Thị xã": AdminKind.DISTRICT_TOWN,
    "Thành phố": AdminKind.PROVINCIAL_CITY,
}
_LEGACY_WARD_TYPES = {"Xã": AdminKind.COMMUNE, "Phường": AdminKind.WARD, "Thị trấn": AdminKind.TOWN}


@dataclass(frozen=True)
class _Legacy:
    register: _Register
    by_key: Mapping[str, str]
    """Conversion-table key ("tinhcaobang_huyentrungkhanh_xaquanghan") → legacy code."""


@cache
def _legacy() -> _Legacy:
    from vietnamadminunits.database import query

    rows: list[dict[str, Any]] = query(
        "SELECT province, provinceShort, provinceCode, provinceKey, district, districtShort, districtType,"
        " districtCode, districtKey, ward, wardShort, wardType, wardCode, wardKey FROM admin_units_legacy"
    )
    provinces: dict[str, RegisteredUnit] = {}
    districts: dict[str, RegisteredUnit] = {}
    communes: dict[str, RegisteredUnit] = {}
    by_key: dict[str, str] = {}
    for r in rows:
        pcode, dcode = r["provinceCode"], r["districtCode"]
        if pcode not in provinces:
            kind = AdminKind.CENTRAL_CITY if r["province"].startswith("Thành phố") else AdminKind.PROVINCE
            provinces[pcode] = RegisteredUnit(
                pcode, r["province"], r["provinceShort"], kind, pcode, None, None, REFORM_DAY
            )
            by_key[r["provinceKey"]] = pcode
        if dcode not in districts:
            kind = _LEGACY_DISTRICT_TYPES[r["districtType"]]
            districts[dcode] = RegisteredUnit(
                dcode, r["district"], r["districtShort"], kind, pcode, None, None, REFORM_DAY
            )
        if r["wardCode"] is None:
            # A district without communes (an island: Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa...).
            by_key[f"{r['provinceKey']}_{r['districtKey']}_"] = dcode
            continue
        kind = _LEGACY_WARD_TYPES[r["wardType"]]
        communes[r["wardCode"]] = RegisteredUnit(
            r["wardCode"], r["ward"], r["wardShort"], kind, pcode, dcode, None, REFORM_DAY
        )
        by_key[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = r["wardCode"]
    return _Legacy(_Register(provinces, districts, communes), by_key)


# --------------------------------------------------------------------------- the conversion table


@dataclass(frozen=True)
class _Conversion:
    successors: Mapping[str, tuple[str, tuple[str, ...]]]


@cache
def _conversion() -> _Conversion:
    from vietnamadminunits.converter import converter_2025
    from vietnamadminunits.database import query

    # The new units are named by the conversion table's keys; the codes and names in force are
    # vietnam-provinces', which differ from vietnamadminunits' own codes for 114 wards: join by
    # province and name (docs/decisions.md, decision 13).
    in_force = {(u.province_code, name_key(u.name)): u.code for u in _new().communes.values()}
    new_by_key = {
        f"{r['provinceKey']}_{r['wardKey']}": in_force[(r["provinceCode"], name_key(r["ward"]))]
        for r in query("SELECT provinceKey, wardKey, ward, provinceCode FROM admin_units")
    }
    new_province_by_key = {
        r["provinceKey"]: r["provinceCode"] for r in query("SELECT DISTINCT provinceKey, provinceCode FROM admin_units")
    }
    old = _legacy().by_key
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for new_province, old_provinces in converter_2025.DICT_PROVINCE.items():
        for old_province in old_provinces:
            table[old[old_province]] = (new_province_by_key[new_province], ())
    for new_province, wards in converter_2025.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for new_ward, old_keys in wards.items():
            for old_key in old_keys:
                table[old[old_key]] = (new_by_key[f"{new_province}_{new_ward}"], ())
    for new_province, divided in converter_2025.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in divided.items():
            codes = [(bool(p["isDefaultNewWard"]), new_by_key[f"{new_province}_{p['newWardKey']}"]) for p in parts]
            default = next(code for is_default, code in codes if is_default)
            others = tuple(sorted({code for _, code in codes} - {default}))
            table[old[old_key]] = (default, others)
    return _Conversion(table)


# --------------------------------------------------------------------------- the API


def _register(on: dt.date) -> _Register:
    return _legacy().register if on < REFORM_DAY else _new()


def lookup(code: str, on: dt.date) -> RegisteredUnit | None:
    """The unit with administrative code `code` on day `on`, or None if there was none."""
    register = _register(on)
    code = code.strip()
    table = {2: register.provinces, 3: register.districts, 5: register.communes}.get(len(code), {})
    return table.get(code)


def province(name_or_code: str, on: dt.date) -> RegisteredUnit:
    """The province named (Cao Bằng, Tỉnh Cao Bằng, TP Hà Nội...) or coded (04) `name_or_code` on `on`."""
    register = _register(on)
    return _find(name_or_code, register.provinces.values(), "register.no_province", on)


def units_of_province(province_code: str, on: dt.date) -> list[RegisteredUnit]:
    """The commune-level units of a province on `on`: its communes, wards and special zones from
    1/7/2025, by code; before it, the communes, wards and towns of its districts, by district
    code and then by code."""
    home = province(province_code, on)
    return sorted(
        (u for u in _register(on).communes.values() if u.province_code == home.code),
        key=lambda u: (u.district_code or "", u.code),
    )


def districts_of_province(province_code: str, on: dt.date) -> list[RegisteredUnit]:
    """The district-level units (huyện, quận, thị xã, thành phố) of a province; none from 1/7/2025."""
    home = province(province_code, on)
    return sorted((u for u in _register(on).districts.values() if u.province_code == home.code), key=lambda u: u.code)


def communes_of_district(province_name: str, district: str, on: dt.date) -> list[RegisteredUnit]:
    """The communes, wards and towns of a district on `on` (before 1/7/2025), by code.

    `province_name` and `district` are names ("Cao Bằng", "huyện Trùng Khánh", "Trùng Khánh")
    or codes ("04", "047"). Raises RegisterError, with a Vietnamese message, from 1/7/2025
    (there are no districts any more) and when either is not in the register."""
    if on >= REFORM_DAY:
        raise RegisterError(t("register.no_districts_after_reform", day=on.strftime("%d/%m/%Y")))
    home = province(province_name, on)
    found = _find(district, districts_of_province(home.code, on), "register.no_district", on, home)
    return sorted(
        (u for u in _legacy().register.communes.values() if u.district_code == found.code), key=lambda u: u.code
    )


def successors(old_code: str) -> tuple[str, tuple[str, ...]]:
    """What a legacy unit became on 1/7/2025, from the conversion table: (the default new code,
    the other new codes it was divided into, sorted). Provinces and commune-level units have
    successors, and districts that had no communes (islands that became special zones); other
    districts were abolished and raise RegisterError, as does a code unknown to the table."""
    found = _conversion().successors.get(old_code.strip())
    if found is None:
        raise RegisterError(t("register.no_successor", code=old_code))
    return found


def _find(
    wanted: str,
    candidates: Iterable[RegisteredUnit],
    message: str,
    on: dt.date,
    parent: RegisteredUnit | None = None,
) -> RegisteredUnit:
    pool = list(candidates)
    wanted = wanted.strip()
    if wanted.isdigit():
        match = [u for u in pool if u.code == wanted.zfill(len(u.code))]
    else:
        key = name_key(wanted)
        match = [u for u in pool if key in (name_key(u.name), name_key(u.short_name))]
        if not match:
            # "TP Hà Nội", "Tp. Cao Bằng": an abbreviation of the type.
            plain = plain_ascii(key).replace("tp. ", "").replace("tp ", "")
            match = [u for u in pool if plain_ascii(name_key(u.short_name)) == plain]
    if len(match) == 1:
        return match[0]
    known = ", ".join(f"{u.name} ({u.code})" for u in (match or pool))
    raise RegisterError(
        t(
            message,
            wanted=wanted,
            day=on.strftime("%d/%m/%Y"),
            parent=parent.name if parent else "",
            known=known,
        )
    )
