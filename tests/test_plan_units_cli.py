"""`dutyflow plan units --province CODE --on DATE`: a province's units from the register, ready to paste."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from vietnam_provinces import ProvinceCode, Ward

from dutyflow import register
from dutyflow.cli import app
from dutyflow.plan import load_plan
from dutyflow.plan_units import draft_units
from dutyflow.register_check import register_warnings_of_file

runner = CliRunner()


def units(*args: str) -> Any:
    return runner.invoke(app, ["plan", "units", *args], env={"COLUMNS": "200"}, catch_exceptions=False)


def parsed(text: str) -> list[dict[str, Any]]:
    data = yaml.safe_load("units:\n" + text)["units"]
    assert isinstance(data, list)
    return data


def test_cao_bang_on_1_january_2026_has_the_56_units_the_register_holds() -> None:
    result = units("--province", "04", "--on", "2026-01-01")

    assert result.exit_code == 0, result.output
    data = parsed(result.stdout)
    official = {f"{int(w.code):05d}": w for w in Ward.iter_by_province(ProvinceCode.P_04)}
    assert len(data) == 56 == len(official)
    assert {u["gso_code"] for u in data} == set(official)
    for unit in data:
        ward = official[unit["gso_code"]]
        assert unit["short_name"] == ward.name
        assert unit["name"] == "UBND " + ward.name[0].lower() + ward.name[1:]
        assert unit["kind"] == {"xã": "commune", "phường": "ward"}[ward.division_type.value]
    assert len({u["code"] for u in data}) == 56
    assert result.stdout.startswith("# 56 xã, phường, đặc khu của Tỉnh Cao Bằng ngày 01/01/2026")
    assert '  - code: xa-dam-thuy\n    name: "UBND xã Đàm Thuỷ"\n' in result.stdout
    assert result.stdout.count("# focal: {") == result.stdout.count("# head: {") == 56
    assert "@xadamthuy.caobang.example" in result.stdout


def test_a_province_by_name_gives_the_same_units() -> None:
    assert (
        units("--province", "Cao Bằng", "--on", "2026-01-01").stdout
        == units("--province", "04", "--on", "2026-01-01").stdout
    )


def test_before_the_reform_the_units_are_listed_by_district() -> None:
    result = units("--province", "04", "--on", "2025-06-30")

    assert result.exit_code == 0, result.output
    data = parsed(result.stdout)
    assert len(data) == 161
    assert result.stdout.count("  # --- ") == 10
    heading = result.stdout.index("# --- Huyện Trùng Khánh (047) ---")
    block = result.stdout[heading:].split("# --- ")[1]
    assert block.count("- code:") == 21
    assert '    kind: town\n    gso_code: "01447"' in block
    assert result.stdout.startswith("# 161 xã, phường, thị trấn của Tỉnh Cao Bằng ngày 30/06/2025")


def test_the_units_pasted_into_a_2026_plan_pass_plan_check_without_a_warning(mini_plan_path: Path) -> None:
    pasted = units("--province", "04", "--on", "2026-01-01").stdout
    pasted = pasted.replace("    # focal: {", "    focal: {").replace("    # head: {", "    head: {")
    text = mini_plan_path.read_text(encoding="utf-8").replace("2025", "2026")
    start, end = text.index("  - code: xa-a\n"), text.index("groups:\n")
    mini_plan_path.write_text(text[:start] + pasted + text[end:], encoding="utf-8")

    result = runner.invoke(app, ["plan", "check", str(mini_plan_path)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "58 đơn vị" in result.stdout
    assert result.stderr == ""
    assert register_warnings_of_file(mini_plan_path, load_plan(mini_plan_path)) == []


def test_an_unknown_province_is_a_vietnamese_error() -> None:
    result = units("--province", "Cao Bằng Mới", "--on", "2026-01-01")

    assert result.exit_code == 1
    assert "Không có tỉnh, thành phố «Cao Bằng Mới»" in result.stderr
    assert "Tỉnh Cao Bằng (04)" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_a_province_that_merged_is_not_in_the_register_after_the_reform() -> None:
    assert units("--province", "02", "--on", "2025-06-30").exit_code == 0
    result = units("--province", "02", "--on", "2025-07-01")
    assert result.exit_code == 1
    assert "«02»" in result.stderr and "01/07/2025" in result.stderr


def test_a_bad_date_is_refused() -> None:
    result = units("--province", "04", "--on", "2026-02-30")
    assert result.exit_code == 2
    assert "2026-02-30" in result.stderr


@pytest.mark.parametrize("on", [dt.date(2025, 6, 30), dt.date(2026, 1, 1)])
def test_every_province_drafts_distinct_valid_codes(on: dt.date) -> None:
    """Names that make the same code (Xã Chờ and Xã Chợ; two Xã Vĩnh Quang of different
    districts) are told apart by district, then by administrative code; never with "-moi"."""
    provinces = [u.code for c in range(1, 100) if (u := register.lookup(f"{c:02d}", on))]
    total = 0
    for province in provinces:
        drafts = draft_units(register.units_of_province(province, on))
        codes = [d.code for d in drafts]
        assert len(set(codes)) == len(codes), province
        assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", c) for c in codes), province
        assert not [d for d in drafts if d.code.endswith("-moi") and not d.short_name.endswith("Mới")]
        total += len(drafts)
    assert total == (10035 if on < register.REFORM_DAY else 3321)
    vinh_quang = sorted(d.code for d in draft_units(register.units_of_province("04", on)) if "vinh-quang" in d.code)
    assert vinh_quang == (["xa-vinh-quang-bao-lam", "xa-vinh-quang-cao-bang"] if on < register.REFORM_DAY else [])
