"""Reading an uploaded workbook: safe opening first, then its identification, then its cells
through the same validation as the web form."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]

from dutyflow.formatting import format_size
from dutyflow.forms.across import check_across
from dutyflow.forms.container import Package, open_package, sniff
from dutyflow.forms.identity import MAX_ROWS, SHEET, Identity, form_problem, identity_problems, read_identity
from dutyflow.forms.layout import FormLayout, layouts
from dutyflow.forms.model import FormResult, FormTarget, Problem
from dutyflow.forms.validate import Entry, check_layout
from dutyflow.messages import t

MAX_XLSX_BYTES = 5 * 1024 * 1024


def parse_workbook(data: bytes, target: FormTarget, *, max_bytes: int = MAX_XLSX_BYTES) -> FormResult:
    """The values of an uploaded workbook for `target`, or the problems that keep it from counting."""
    refusal = refuse_workbook(data, max_bytes=max_bytes)
    if refusal is not None:
        return _file_problem(refusal)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # hostile or broken input: openpyxl raises anything from KeyError to XML errors
        return _file_problem(t("forms.unreadable"))
    try:
        return _read(workbook, target)
    except Exception:  # same reason: a sheet that parsed lazily may still be broken
        return _file_problem(t("forms.unreadable"))
    finally:
        workbook.close()


def workbook_identity(data: bytes, *, max_bytes: int = MAX_XLSX_BYTES) -> Identity | None:
    """Whom a workbook was built for (its identification sheet), or None if it is not a safe
    .xlsx of ours. Lets an emailed file name its obligation."""
    if refuse_workbook(data, max_bytes=max_bytes) is not None:
        return None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # hostile or broken input, as in parse_workbook
        return None
    try:
        names: list[str] = list(workbook.sheetnames)
        return read_identity(_rows(workbook[SHEET], MAX_ROWS, 8)) if SHEET in names else None
    except Exception:
        return None
    finally:
        workbook.close()


def refuse_workbook(data: bytes, *, max_bytes: int = MAX_XLSX_BYTES) -> str | None:
    """Why `data` may not be opened as an .xlsx workbook, or None when it may."""
    if not data:
        return t("forms.file_empty")
    if len(data) > max_bytes:
        return t("forms.file_too_large", size=format_size(len(data)), limit=format_size(max_bytes))
    kind = sniff(data)
    if kind == "ole":
        return t("forms.file_ole")
    if kind == "pdf":
        return t("forms.file_pdf")
    if kind == "unknown":
        return t("forms.file_not_xlsx")
    package = open_package(data)
    if not isinstance(package, Package):
        return package
    if package.has_macros:
        return t("forms.xlsm")
    if not package.is_workbook:
        return t("forms.renamed_docx") if package.is_document else t("forms.not_workbook")
    return None


def _read(workbook: Any, target: FormTarget) -> FormResult:
    names: list[str] = list(workbook.sheetnames)
    found = None
    if SHEET in names:
        found = read_identity(_rows(workbook[SHEET], MAX_ROWS, 8))
    problems = identity_problems(found, target)
    if problems or found is None:
        return FormResult((), tuple(problems))
    result = FormResult()
    for layout in layouts(target):
        if layout.sheet not in names:
            result += FormResult((), (Problem(layout.sheet, None, t("forms.sheet_missing", sheet=layout.sheet)),))
            continue
        stale = form_problem(found, layout)
        if stale is not None:
            result += FormResult((), (stale,))
            continue
        result += check_layout(target, layout, _entries(workbook[layout.sheet], layout))
    return result + check_across(target, result)


def _entries(sheet: Any, layout: FormLayout) -> dict[str, Entry]:
    wanted = {cell.address for cell in layout.inputs}
    if not wanted:
        return {}
    width = len(layout.columns)
    entries: dict[str, Entry] = {}
    for number, row in enumerate(_rows(sheet, layout.last_row, width), start=1):
        for index, value in enumerate(row, start=1):
            address = f"{layout.columns[index - 1].letter}{number}" if index <= width else ""
            if address in wanted:
                entries[address] = _entry(value)
    return entries


def _rows(sheet: Any, max_row: int, max_col: int) -> Iterator[tuple[object, ...]]:
    """Rows 1..max_row, columns 1..max_col: bounded, so a sheet padded with a million rows costs nothing."""
    for row in sheet.iter_rows(min_row=1, max_row=max_row, min_col=1, max_col=max_col, values_only=True):
        yield tuple(row)


def _entry(value: object) -> Entry:
    """A cell's value as the validator takes it; anything else is shown as text and refused there."""
    if value is None or isinstance(value, str | Decimal):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != dt.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _file_problem(message: str) -> FormResult:
    return FormResult((), (Problem("", None, message),))
