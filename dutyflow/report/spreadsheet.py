"""The units' own words on every duty as a spreadsheet attached to the report, when there are
more than Phụ lục II prints (the plan's `report.appendix_entries_max`): one row per unit and duty."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

from dutyflow.messages import t
from dutyflow.report.context_types import Narratives

_COLUMNS = (("number", 6), ("section", 8), ("duty", 40), ("unit", 30), ("status", 16), ("text", 90))


def write_narratives(narratives: Narratives, title: str, out: Path) -> Path:
    """Write every entry of `narratives` (all of them, whether Phụ lục II shows them or not)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = t("report_summary.spreadsheet_title")[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([t(f"report_summary.spreadsheet_head.{key}") for key, _ in _COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for duty in narratives["all"]:
        for entry in duty["entries"]:
            sheet.append(
                [duty["number"], duty["section"], duty["title"], entry["unit"], entry["status"], entry["text"]]
            )
    for index, (_, width) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    for row in sheet.iter_rows(min_row=3):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
