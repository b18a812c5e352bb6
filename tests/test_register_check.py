"""`plan check` warns, naming file, line and unit, where a plan's units disagree with the register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import PlanIssue, load_plan
from dutyflow.register_check import register_warnings_of_file

runner = CliRunner()

CONTACTS = '    focal: {{name: "Cán bộ {n}", email: "focal{n}@x.example"}}\n    head: {{name: "Thủ trưởng {n}", email: "head{n}@x.example"}}\n'


def unit(code: str, name: str, kind: str, gso: str | None, extra: str = "") -> str:
    text = f'  - code: {code}\n    name: "{name}"\n    kind: {kind}\n'
    if gso is not None:
        text += f'    gso_code: "{gso}"\n'
    return text + extra + CONTACTS.format(n=code)


def plan_with_units(mini_plan_path: Path, *units: str, year: int = 2025) -> Path:
    text = mini_plan_path.read_text(encoding="utf-8").replace("2025", str(year))
    start, end = text.index("  - code: xa-a\n"), text.index("groups:\n")
    mini_plan_path.write_text(text[:start] + "".join(units) + text[end:], encoding="utf-8")
    return mini_plan_path


def warnings(path: Path) -> list[PlanIssue]:
    return register_warnings_of_file(path, load_plan(path))


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def check(path: Path) -> Any:
    return runner.invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "200"}, catch_exceptions=False)


def test_a_plan_that_matches_the_register_has_no_warning(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("xa-quang-han", "UBND xã Quang Hán", "commune", "01456", "    closes: 2025-07-01\n"),
        unit("tt-tra-linh", "Ủy ban nhân dân thị trấn Trà Lĩnh", "town", "01447", "    closes: 2025-07-01\n"),
        unit("xa-dam-thuy", "UBND xã Đàm Thủy", "commune", "01501", "    opens: 2025-07-01\n"),
        unit("h-ha-lang", "UBND huyện Hạ Lang", "district", "048", "    closes: 2025-07-01\n"),
        unit("cao-bang", "UBND tỉnh Cao Bằng", "province", "04"),
    )
    assert warnings(path) == []
    result = check(path)
    assert result.exit_code == 0 and result.stderr == ""


def test_a_legacy_commune_in_a_2026_plan_is_not_in_the_register(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("xa-tri-phuong", "UBND xã Tri Phương", "commune", "01453"), year=2026)

    [warning] = warnings(path)

    assert (warning.line, warning.field) == (line_of(path, '"01453"'), "units[2].gso_code")
    assert "mã «01453» của «UBND xã Tri Phương» không có trong danh mục đơn vị hành chính ngày 01/01/2026" in (
        warning.message
    )
    assert "Đơn vị kế thừa: Xã Quang Trung (01465)" in warning.message


def test_a_name_that_is_not_the_registers_is_named_with_the_official_one(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path, unit("xa-quang-han", "UBND xã Quảng Hàn", "commune", "01456", "    closes: 2025-07-01\n")
    )

    [warning] = warnings(path)

    assert (warning.line, warning.field) == (line_of(path, "Quảng Hàn"), "units[2].name")
    assert "«UBND xã Quảng Hàn»" in warning.message and "«Xã Quang Hán»" in warning.message


def test_a_kind_that_is_not_the_registers_is_named(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("xa-quang-han", "UBND xã Quang Hán", "ward", "01456"), year=2026)

    [warning] = warnings(path)

    assert (warning.line, warning.field) == (line_of(path, "kind: ward"), "units[2].kind")
    assert "«UBND xã Quang Hán» khai loại «phường»" in warning.message and "«Xã Quang Hán»" in warning.message


def test_a_district_or_a_town_without_a_code_after_the_reform_is_named(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("h-ha-lang", "UBND huyện Hạ Lang", "district", None),
        unit("tt-a", "UBND thị trấn A", "town", None, "    closes: 2025-07-01\n"),
        unit("xa-b", "UBND xã B", "commune", None),
    )
    [warning] = warnings(path)
    assert warning.field == "units[2].kind"
    assert "không còn đơn vị loại «huyện, quận, thị xã, thành phố thuộc tỉnh»" in warning.message


def test_the_bundled_plan_passes_with_a_warning_for_each_of_its_21_communes(tmp_path: Path) -> None:
    result = check(BUNDLED_PLAN)

    assert result.exit_code == 0, result.output
    assert "Kế hoạch hợp lệ" in result.stdout
    assert "có 21 điểm không khớp với danh mục đơn vị hành chính (kế hoạch vẫn hợp lệ" in result.stderr
    found = warnings(BUNDLED_PLAN)
    assert len(found) == 21
    assert all(w.field.endswith(".gso_code") and "chấm dứt hoạt động từ ngày 01/07/2025" in w.message for w in found)
    quang_vinh = next(w for w in found if "Quang Vinh" in w.message)
    assert quang_vinh.line == line_of(BUNDLED_PLAN, '"01468"')
    assert "Đơn vị kế thừa: Xã Quang Hán (01456)" in quang_vinh.message
    assert f"dutyflow plan reform {BUNDLED_PLAN} --on 2025-07-01" in quang_vinh.message
