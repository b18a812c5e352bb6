"""The official register of administrative units (dutyflow/register.py), on the real packages' data."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyflow import register
from dutyflow.paths import PLANS_DIR
from dutyflow.plan import load_plan
from dutyflow.register import REFORM_DAY, AdminKind, RegisterError

BEFORE = dt.date(2025, 4, 21)
AFTER = dt.date(2026, 1, 1)


def bundled_commune_codes() -> list[str]:
    plan = load_plan(PLANS_DIR / "trung-khanh-2025.yaml")
    return sorted(u.gso_code for u in plan.units if u.gso_code)


@pytest.mark.parametrize(
    ("province", "district"),
    [("Cao Bằng", "huyện Trùng Khánh"), ("04", "047"), ("tỉnh cao bằng", "Trùng Khánh"), ("4", "Huyện Trùng Khánh")],
)
def test_communes_of_a_district_are_the_bundled_plans_21(province: str, district: str) -> None:
    communes = register.communes_of_district(province, district, BEFORE)

    assert [u.code for u in communes] == bundled_commune_codes()
    assert {u.kind for u in communes} == {AdminKind.COMMUNE, AdminKind.TOWN}
    assert [u.name for u in communes if u.kind is AdminKind.TOWN] == ["Thị trấn Trà Lĩnh", "Thị trấn Trùng Khánh"]
    assert all(u.district_code == "047" and u.province_code == "04" for u in communes)
    assert all(u.valid_to == REFORM_DAY and u.exists_on(dt.date(2025, 6, 30)) for u in communes)


def test_a_district_the_province_does_not_have_is_refused_naming_its_districts() -> None:
    with pytest.raises(RegisterError) as caught:
        register.communes_of_district("Cao Bằng", "Trùng Khánh Mới", BEFORE)

    message = str(caught.value)
    assert "«Trùng Khánh Mới»" in message and "Tỉnh Cao Bằng" in message
    assert "Huyện Trùng Khánh (047)" in message and "Huyện Hạ Lang (048)" in message


def test_there_are_no_districts_from_the_reform_on() -> None:
    register.communes_of_district("Cao Bằng", "Trùng Khánh", REFORM_DAY - dt.timedelta(days=1))
    with pytest.raises(RegisterError, match="không còn đơn vị hành chính cấp huyện"):
        register.communes_of_district("Cao Bằng", "Trùng Khánh", REFORM_DAY)
    assert register.districts_of_province("04", AFTER) == []
    assert len(register.districts_of_province("04", BEFORE)) == 10


def test_an_unknown_province_is_refused() -> None:
    with pytest.raises(RegisterError, match="«Cao Bằng Mới»"):
        register.units_of_province("Cao Bằng Mới", AFTER)
    # Hà Giang (02) merged into Tuyên Quang: it exists before the reform only.
    assert register.province("02", BEFORE).name == "Tỉnh Hà Giang"
    with pytest.raises(RegisterError):
        register.province("02", AFTER)


def test_cao_bang_has_56_communes_and_wards_after_the_reform_and_161_before() -> None:
    after = register.units_of_province("04", AFTER)
    before = register.units_of_province("Cao Bằng", BEFORE)

    assert len(after) == 56
    assert {u.kind for u in after} == {AdminKind.COMMUNE, AdminKind.WARD}
    assert sum(u.kind is AdminKind.WARD for u in after) == 3
    assert all(u.valid_from == REFORM_DAY and u.valid_to is None and u.district_code is None for u in after)
    assert len(before) == 161
    assert AdminKind.TOWN in {u.kind for u in before}
    assert [u.code for u in after] == sorted(u.code for u in after)


def test_the_whole_country_after_the_reform_has_34_provinces_and_3321_units() -> None:
    provinces = {u.province_code for code in range(1, 100) if (u := register.lookup(f"{code:02d}", AFTER))}
    assert len(provinces) == 34
    assert sum(len(register.units_of_province(p, AFTER)) for p in provinces) == 3321
    zones = [u for p in provinces for u in register.units_of_province(p, AFTER) if u.kind is AdminKind.SPECIAL_ZONE]
    assert len(zones) == 13


def test_a_code_names_different_units_before_and_after_the_reform() -> None:
    old = register.lookup("01456", BEFORE)
    new = register.lookup("01456", AFTER)

    assert old is not None and new is not None
    assert old.name == new.name == "Xã Quang Hán"
    assert old != new
    assert (old.district_code, old.valid_to) == ("047", REFORM_DAY)
    assert (new.district_code, new.valid_from) == (None, REFORM_DAY)
    # A code of a legacy commune that the new register does not reuse.
    assert register.lookup("01453", BEFORE) is not None
    assert register.lookup("01453", AFTER) is None


@pytest.mark.parametrize(
    ("code", "on", "name", "kind"),
    [
        ("04", BEFORE, "Tỉnh Cao Bằng", AdminKind.PROVINCE),
        ("04", AFTER, "Tỉnh Cao Bằng", AdminKind.PROVINCE),
        ("01", AFTER, "Thành phố Hà Nội", AdminKind.CENTRAL_CITY),
        ("047", BEFORE, "Huyện Trùng Khánh", AdminKind.RURAL_DISTRICT),
        ("040", BEFORE, "Thành phố Cao Bằng", AdminKind.PROVINCIAL_CITY),
        ("01273", AFTER, "Phường Thục Phán", AdminKind.WARD),
        ("01273", BEFORE, "Phường Hợp Giang", AdminKind.WARD),
    ],
)
def test_lookup_by_code_and_day(code: str, on: dt.date, name: str, kind: AdminKind) -> None:
    unit = register.lookup(code, on)
    assert unit is not None
    assert (unit.name, unit.kind, len(unit.code), unit.kind.code_length) == (name, kind, len(code), len(code))


def test_codes_of_no_level_and_districts_after_the_reform_are_not_found() -> None:
    assert register.lookup("047", AFTER) is None
    assert register.lookup("0147", BEFORE) is None
    assert register.lookup("99999", BEFORE) is None


def test_trung_khanh_21_communes_became_7() -> None:
    new_codes = {register.successors(code)[0] for code in bundled_commune_codes()}

    names = sorted(u.name for c in new_codes if (u := register.lookup(c, AFTER)))
    assert names == [
        "Xã Quang Hán",
        "Xã Quang Trung",
        "Xã Trà Lĩnh",
        "Xã Trùng Khánh",
        "Xã Đoài Dương",
        "Xã Đàm Thuỷ",
        "Xã Đình Phong",
    ]
    assert register.successors("01453") == ("01465", ())  # Tri Phương → Quang Trung


def test_a_divided_commune_has_a_default_successor_and_the_others() -> None:
    # Xã Tân Thạnh (Thới Lai, Cần Thơ) was divided between Xã Trường Thành (default) and Xã Tân Thạnh.
    assert register.lookup("31268", BEFORE).name == "Xã Tân Thạnh"  # type: ignore[union-attr]
    default, others = register.successors("31268")
    assert register.lookup(default, AFTER).name == "Xã Trường Thành"  # type: ignore[union-attr]
    assert [register.lookup(c, AFTER).name for c in others] == ["Xã Tân Thạnh"]  # type: ignore[union-attr]


def test_every_successor_is_a_unit_in_force() -> None:
    """The conversion table (vietnamadminunits) and the register in force (vietnam-provinces)
    agree: every unit the table names is in the register, with the right level."""
    legacy = register.units_of_province
    divided = 0
    for province_code in sorted({f"{c:02d}" for c in range(1, 100) if register.lookup(f"{c:02d}", BEFORE)}):
        new_province = register.lookup(register.successors(province_code)[0], AFTER)
        assert new_province is not None and new_province.level == 1
        for old in legacy(province_code, BEFORE):
            default, others = register.successors(old.code)
            divided += bool(others)
            for code in (default, *others):
                new = register.lookup(code, AFTER)
                assert new is not None, (old, code)
                assert new.province_code == new_province.code, (old, new)
    assert divided == 471


def test_island_districts_became_special_zones_and_other_districts_have_no_successor() -> None:
    assert register.lookup(register.successors("318")[0], AFTER).name == "Đặc khu Bạch Long Vĩ"  # type: ignore[union-attr]
    with pytest.raises(RegisterError, match="«047»"):
        register.successors("047")


@pytest.mark.parametrize(
    ("given", "official", "same"),
    [
        ("UBND xã Đàm Thủy", "Xã Đàm Thuỷ", True),
        ("Ủy ban nhân dân xã Quang Hán", "Xã Quang Hán", True),
        ("Uỷ ban nhân dân  xã  Quang   Hán", "Xã Quang Hán", True),
        ("Xã Chân Mây - Lăng Cô", "Xã Chân Mây – Lăng Cô", True),
        ("UBND xã Quảng Hàn", "Xã Quang Hán", False),
        ("UBND xã Quang Hán", "Phường Quang Hán", False),
        ("Xã Hòa An", "Xã Hoà An", True),
    ],
)
def test_name_keys(given: str, official: str, same: bool) -> None:
    assert (register.name_key(given) == register.name_key(official)) is same


@pytest.mark.parametrize("given", ["04", "4", "Cao Bằng", "tỉnh Cao Bằng", "Tỉnh Cao Bằng", "UBND tỉnh Cao Bằng"])
def test_a_province_by_code_or_name(given: str) -> None:
    assert register.province(given, AFTER).code == "04"


@pytest.mark.parametrize("given", ["TP Hà Nội", "Tp. Hà Nội", "Thành phố Hà Nội", "Hà Nội", "01"])
def test_a_central_city_by_its_abbreviation(given: str) -> None:
    assert register.province(given, AFTER).name == "Thành phố Hà Nội"
