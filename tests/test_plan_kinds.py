"""Unit kinds for every level of government, and administrative codes by kind."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.plan import PlanError, UnitKind, load_plan

CONTACTS = '    focal: {{name: "Cán bộ {n}", email: "focal{n}@x.example"}}\n    head: {{name: "Thủ trưởng {n}", email: "head{n}@x.example"}}\n'


def unit(code: str, name: str, kind: str, gso: str | None = None, extra: str = "") -> str:
    text = f'  - code: {code}\n    name: "{name}"\n    kind: {kind}\n'
    if gso is not None:
        text += f'    gso_code: "{gso}"\n'
    return text + extra + CONTACTS.format(n=code)


def plan_with_units(mini_plan_path: Path, *units: str) -> Path:
    """The mini plan with its two communes replaced by `units`."""
    text = mini_plan_path.read_text(encoding="utf-8")
    start, end = text.index("  - code: xa-a\n"), text.index("groups:\n")
    mini_plan_path.write_text(text[:start] + "".join(units) + text[end:], encoding="utf-8")
    return mini_plan_path


def issues(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return [(i.line, i.field, i.message) for i in caught.value.issues]


def line_of(path: Path, text: str, nth: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if text in line][nth - 1]


def test_a_province_plan_before_the_reform_has_departments_and_districts(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("so-y-te", "Sở Y tế tỉnh Cao Bằng", "province_department"),
        unit("h-trung-khanh", "UBND huyện Trùng Khánh", "district", "047"),
        unit("tp-cao-bang", "UBND thành phố Cao Bằng", "district", "040"),
    )
    plan = load_plan(path)
    assert [u.kind for u in plan.units[2:]] == [UnitKind.PROVINCE_DEPARTMENT, UnitKind.DISTRICT, UnitKind.DISTRICT]
    result = CliRunner().invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Kế hoạch hợp lệ: 5 đơn vị" in result.stdout


def test_a_province_plan_after_the_reform_has_communes_wards_and_special_zones(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("so-y-te", "Sở Y tế", "province_department"),
        unit("xa-a", "UBND xã Quang Hán", "commune", "01456"),
        unit("p-thuc-phan", "UBND phường Thục Phán", "ward", "01273"),
        unit("dk-bach-long-vi", "UBND đặc khu Bạch Long Vĩ", "special_zone", "11948"),
    )
    plan = load_plan(path)
    assert {u.kind for u in plan.units} >= {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE}


def test_a_ministry_plan_has_provinces_with_two_digit_codes(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("cao-bang", "UBND tỉnh Cao Bằng", "province", "04"))
    assert load_plan(path).unit("cao-bang").gso_code == "04"


@pytest.mark.parametrize(
    ("kind", "code", "words"),
    [
        ("district", "01456", "huyện, quận, thị xã, thành phố thuộc tỉnh phải gồm 3 chữ số; đã nhận «01456»"),
        ("commune", "047", "của xã phải gồm 5 chữ số; đã nhận «047»"),
        ("ward", "04", "của phường phải gồm 5 chữ số"),
        ("special_zone", "047", "của đặc khu phải gồm 5 chữ số"),
        ("province", "047", "của tỉnh, thành phố phải gồm 2 chữ số"),
        ("department", "01456", "đơn vị loại «phòng chuyên môn» không có mã đơn vị hành chính"),
        ("province_department", "04", "đơn vị loại «sở, ban, ngành cấp tỉnh» không có mã"),
    ],
)
def test_a_code_of_the_wrong_length_for_its_kind_is_refused(
    mini_plan_path: Path, kind: str, code: str, words: str
) -> None:
    path = plan_with_units(mini_plan_path, unit("u", "Đơn vị", kind, code))
    [(line, field, message)] = issues(path)
    assert (line, field) == (line_of(path, "gso_code"), "units[2].gso_code")
    assert words in message


def test_a_code_of_four_digits_fits_no_level(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("u", "UBND xã A", "commune", "0145"))
    [(_line, field, message)] = issues(path)
    assert field == "units[2].gso_code"
    assert "2 chữ số (tỉnh), 3 chữ số (huyện) hoặc 5 chữ số" in message


def test_an_unknown_kind_lists_every_kind(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("u", "UBND xã A", "village"))
    [(_, field, message)] = issues(path)
    assert field == "units[2].kind"
    assert all(kind.value in message for kind in UnitKind)


def test_a_code_may_repeat_when_the_lifetimes_do_not_overlap(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-a", "UBND xã Quang Hán", "commune", "01456", "    closes: 2025-07-01\n    successor: xa-a-moi\n"),
        unit("xa-b", "UBND xã Quang Vinh", "commune", "01468", "    closes: 2025-07-01\n    successor: xa-a-moi\n"),
        unit("xa-a-moi", "UBND xã Quang Hán", "commune", "01456", "    opens: 2025-07-01\n"),
    )
    plan = load_plan(path)
    assert [u.gso_code for u in plan.units if u.gso_code == "01456"] == ["01456", "01456"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("", ""),
        ("    closes: 2025-07-02\n    successor: xa-a-moi\n", "    opens: 2025-07-01\n"),
        ("    opens: 2025-03-01\n", "    closes: 2025-03-02\n"),
        ("    opens: 2025-03-01\n    closes: 2025-04-01\n", "    opens: 2025-02-01\n    closes: 2025-05-01\n"),
    ],
)
def test_a_code_used_twice_at_the_same_time_is_refused(mini_plan_path: Path, first: str, second: str) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-a", "UBND xã Quang Hán", "commune", "01456", first),
        unit("xa-a-moi", "UBND xã Quang Hán", "commune", "01456", second),
    )
    [(line, field, message)] = issues(path)
    assert (line, field) == (line_of(path, "gso_code", 2), "units[3].gso_code")
    assert f"«01456» đã dùng cho đơn vị «xa-a» (dòng {line_of(path, 'gso_code')})" in message


# --------------------------------------------------------------------------- successions


def test_a_successor_that_opens_the_day_its_predecessor_closes_is_accepted(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-a", "UBND xã A", "commune", None, "    closes: 2025-07-01\n    successor: xa-c\n"),
        unit("xa-b", "UBND xã B", "commune", None, "    closes: 2025-07-01\n    successor: xa-d\n"),
        unit("xa-c", "UBND xã C", "commune", None, "    opens: 2025-07-01\n"),
        unit("xa-d", "UBND xã D", "commune", None, "    opens: 2025-03-01\n    closes: 2025-09-01\n"),
    )
    assert load_plan(path).unit("xa-a").successor == "xa-c"


def test_a_successor_that_opens_after_its_predecessor_closes_leaves_a_gap(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-a", "UBND xã A", "commune", None, "    closes: 2025-07-01\n    successor: xa-c\n"),
        unit("xa-c", "UBND xã C", "commune", None, "    opens: 2025-07-15\n"),
    )
    [(line, field, message)] = issues(path)
    assert (line, field) == (line_of(path, "successor: xa-c"), "units[2].successor")
    assert "«xa-c» mở ngày 2025-07-15, sau ngày đơn vị này đóng (2025-07-01)" in message


def test_a_successor_that_closes_by_then_is_refused(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-a", "UBND xã A", "commune", None, "    closes: 2025-07-01\n    successor: xa-c\n"),
        unit("xa-c", "UBND xã C", "commune", None, "    closes: 2025-06-01\n"),
    )
    [(line, field, message)] = issues(path)
    assert (line, field) == (line_of(path, "successor: xa-c"), "units[2].successor")
    assert "«xa-c» đóng ngày 2025-06-01, không muộn hơn ngày đơn vị này đóng (2025-07-01)" in message
