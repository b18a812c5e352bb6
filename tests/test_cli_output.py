"""Output fit for scripts: when stdout is not a terminal nothing is wrapped or cut, and tables are
tab-separated rows; on a terminal, tables are drawn to its width."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.cli.output import Output
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan

runner = CliRunner()
PLAN = load_plan(BUNDLED_PLAN)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # A data folder deep enough that its paths are longer than any terminal's 80 columns.
    data = tmp_path / ("thu-muc-du-lieu-cua-van-phong-hdnd-ubnd-huyen-trung-khanh-" * 2) / "data"
    return {
        "DUTYFLOW_DATA_DIR": str(data),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{data / 'store.db'}",
        "COLUMNS": "80",
    }


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def test_report_open_prints_whole_paths_one_a_line(env: dict[str, str]) -> None:
    folder = Path(env["DUTYFLOW_DATA_DIR"]) / "reports" / "trung-khanh-2025" / "chinh-thuc-2025-11-20"
    folder.mkdir(parents=True)
    names = ["bao-cao-ket-qua-thuc-hien-ke-hoach-bao-ve-cham-soc-tre-em-nam-2025." + s for s in ("docx", "pdf", "html")]
    for name in names:
        (folder / name).write_bytes(b"x")
    result = run(["report", "open"], env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) > 80
    assert lines == [str(folder / name) for name in sorted(names)]
    assert all(Path(line).is_file() for line in lines)


def test_status_piped_is_one_tab_separated_row_per_obligation(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).exit_code == 0
    assert run(["plan", "load", str(BUNDLED_PLAN)], env).exit_code == 0
    result = run(["status", "--as-of", "2025-05-19"], env)
    assert result.exit_code == 0, result.output
    title, header, *rows = result.stdout.splitlines()
    assert title == "Tình hình nộp báo cáo tính đến ngày 19/05/2025"
    assert header.split("\t")[:4] == ["Đơn vị", "Sản phẩm báo cáo", "Kỳ", "Hạn cuối"]
    assert len(rows) == len(run(["status", "--as-of", "2025-05-19", "--json"], env).stdout.split('"unit":')) - 1
    assert {len(row.split("\t")) for row in rows} == {8}
    assert {row.split("\t")[0] for row in rows} <= {unit.name for unit in PLAN.units}  # names whole, never cut
    assert any(len(row) > 80 for row in rows)


def test_plan_show_piped_lists_every_table_unwrapped(env: dict[str, str]) -> None:
    result = run(["plan", "show", str(BUNDLED_PLAN)], env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for duty in PLAN.duties:
        assert any(line.startswith(f"{duty.code}\t") and duty.title in line for line in lines), duty.code
    for group in PLAN.groups:
        assert any(line.startswith(f"{group.code}\t{group.name}\t") for line in lines), group.code


def test_a_long_refusal_stays_on_one_line(env: dict[str, str]) -> None:
    value = "tinh-trang-" * 12
    result = run(["status", "--standing", value], env)
    assert result.exit_code == 2
    line = next(line for line in result.output.splitlines() if line.startswith("Lỗi:"))
    assert f"«{value}»" in line and "overdue" in line


def test_on_a_terminal_a_table_is_drawn_to_its_width() -> None:
    out = Output()
    out.console = Console(file=io.StringIO(), force_terminal=True, width=40, color_system=None)
    assert not out.piped
    out.table("Tiêu đề", ["Đơn vị", "Ghi chú"], [["UBND xã Tri Phương", Text("một ghi chú rất dài " * 4, style="red")]])
    drawn = out.console.file.getvalue()  # type: ignore[attr-defined]
    assert "┃" in drawn or "│" in drawn
    assert max(len(line) for line in drawn.splitlines()) <= 40


def test_piped_a_cell_with_a_tab_or_a_line_break_stays_one_cell() -> None:
    out = Output()
    out.console = Console(file=io.StringIO(), width=20)
    assert out.piped
    out.table("T", ["a", "b"], [["x\ty", "dòng 1\ndòng 2"]])
    out.table("U", ["c"], [["z"]])
    assert out.console.file.getvalue().splitlines() == [  # type: ignore[attr-defined]
        "T",
        "a\tb",
        "x y\tdòng 1 dòng 2",
        "",  # a blank line sets the next table apart
        "U",
        "c",
        "z",
    ]
