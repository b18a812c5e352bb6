"""Drawing a unit's workbook: one protected sheet per form of the deliverable, in Vietnamese, with
typed input cells, and the hidden identification sheet. Same target, same bytes."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from decimal import Decimal
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side  # type: ignore[import-untyped]
from openpyxl.workbook.protection import WorkbookProtection  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.xml.functions import tostring  # type: ignore[import-untyped]

from dutyflow.forms.identity import SHEET, identity_of, identity_rows
from dutyflow.forms.layout import (
    FIRST_ROW,
    HEADER_ROW,
    NARRATIVE_LIMIT,
    SUBHEADER_ROW,
    FormLayout,
    Formula,
    InputCell,
    layouts,
    status_choices,
)
from dutyflow.forms.model import FormTarget
from dutyflow.messages import t

FONT = "Times New Roman"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
EMPTY_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(wrap_text=True, horizontal="center", vertical="center")
NUMBER_FORMATS = {"integer": "#,##0", "decimal": "#,##0.00"}
PROMPT_LIMIT = 255
POINTS_PER_LINE = 15.75
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CORE_PROPERTIES = "docProps/core.xml"


def build_workbook(target: FormTarget) -> bytes:
    """One .xlsx for `target`: a sheet per form ("Phụ lục I", …) and the hidden "_dutyflow" sheet."""
    forms = layouts(target)
    if not forms:
        raise ValueError(f"deliverable {target.deliverable_code!r} has no forms: nothing to fill in")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for layout in forms:
        _draw(workbook.create_sheet(layout.sheet), layout, target)
    _identification(workbook.create_sheet(SHEET), target, forms)
    workbook.active = 0
    workbook.security = WorkbookProtection(lockStructure=True)
    stamp = _stamp(target)
    properties = workbook.properties
    properties.creator = "dutyflow"
    properties.lastModifiedBy = "dutyflow"
    properties.title = _clean(
        t(
            "forms.workbook_title",
            deliverable=target.deliverable.name,
            unit=target.unit.name,
            period=target.period_label,
        )
    )
    properties.subject = _clean(target.plan.plan.title)
    properties.language = "vi-VN"
    properties.created = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    properties.modified = stamp  # openpyxl stamps "now" on save: put the fixed one back
    return _normalise(buffer.getvalue(), tostring(properties.to_tree()), stamp)


def _stamp(target: FormTarget) -> dt.datetime:
    """A fixed creation time derived from the target, so two builds are byte-identical."""
    return dt.datetime(target.plan.plan.year, 1, 1)


def _normalise(data: bytes, core: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the zip with fixed member timestamps and the fixed core properties."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            copy.writestr(member, core if info.filename == CORE_PROPERTIES else source.read(info))
    return out.getvalue()


# --------------------------------------------------------------------------- one sheet


def _draw(sheet: Any, layout: FormLayout, target: FormTarget) -> None:
    last = layout.last_column
    total_width = sum(column.width for column in layout.columns)
    headings = [
        (layout.form.name.upper(), Font(name=FONT, size=12, bold=True), CENTRE),
        (layout.form.title.upper(), Font(name=FONT, size=13, bold=True), CENTRE),
        (t("forms.attached_to", plan=target.plan.plan.title), Font(name=FONT, size=12, italic=True), CENTRE),
        ("", None, None),
        (t("forms.unit_line", unit=target.unit.name), Font(name=FONT, size=12, bold=True), WRAP_TOP),
        (t("forms.period_line", period=target.period_label), Font(name=FONT, size=12, bold=True), WRAP_TOP),
        (t("forms.deliverable_line", deliverable=target.deliverable.name), Font(name=FONT, size=12), WRAP_TOP),
        (t("forms.instructions"), Font(name=FONT, size=11, italic=True, color="7F3F00"), WRAP_TOP),
    ]
    for row, (text, font, alignment) in enumerate(headings, start=1):
        if not text:
            continue
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = _put(sheet, f"A{row}", text)
        cell.font, cell.alignment = font, alignment
        sheet.row_dimensions[row].height = _height([(text, total_width)], size=12)
    _draw_header(sheet, layout)
    for column in layout.columns:
        sheet.column_dimensions[column.letter].width = column.width
    if layout.lines:
        _draw_lines(sheet, layout)
    else:
        sheet.merge_cells(f"A{FIRST_ROW}:{last}{FIRST_ROW}")
        cell = _put(sheet, f"A{FIRST_ROW}", t("forms.no_rows"))
        cell.font, cell.alignment = Font(name=FONT, size=11, italic=True), WRAP_TOP
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{SUBHEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(sheet)


def _draw_header(sheet: Any, layout: FormLayout) -> None:
    font = Font(name=FONT, size=11, bold=True)
    columns = list(layout.columns)
    index = 0
    while index < len(columns):
        column = columns[index]
        if column.group is None:
            sheet.merge_cells(f"{column.letter}{HEADER_ROW}:{column.letter}{SUBHEADER_ROW}")
            _header_cell(sheet, f"{column.letter}{HEADER_ROW}", column.title, font)
            _header_cell(sheet, f"{column.letter}{SUBHEADER_ROW}", None, font)
            index += 1
            continue
        end = index
        while end + 1 < len(columns) and columns[end + 1].group == column.group:
            end += 1
        span = f"{column.letter}{HEADER_ROW}:{columns[end].letter}{HEADER_ROW}"
        if end > index:
            sheet.merge_cells(span)
        _header_cell(sheet, f"{column.letter}{HEADER_ROW}", column.group, font)
        for member in columns[index : end + 1]:
            if member is not column:
                _header_cell(sheet, f"{member.letter}{HEADER_ROW}", None, font)
            _header_cell(sheet, f"{member.letter}{SUBHEADER_ROW}", member.title, font)
        index = end + 1
    sheet.row_dimensions[HEADER_ROW].height = _height([(c.title, c.width) for c in columns if c.group is None], 11)
    sheet.row_dimensions[SUBHEADER_ROW].height = _height([(c.title, c.width) for c in columns if c.group], 11)


def _header_cell(sheet: Any, address: str, text: str | None, font: Any) -> None:
    cell = _put(sheet, address, text) if text is not None else sheet[address]
    cell.font, cell.alignment, cell.fill, cell.border = font, CENTRE, HEADER_FILL, BOX


def _draw_lines(sheet: Any, layout: FormLayout) -> None:
    font = Font(name=FONT, size=11)
    widths = {column.letter: column.width for column in layout.columns}
    validations: dict[tuple[str, str], Any] = {}
    dash = t("forms.not_applicable")
    for line in layout.lines:
        texts: list[tuple[str, float]] = []
        for letter, value in line.fixed:
            cell = _put(sheet, f"{letter}{line.number}", value)
            cell.font, cell.border, cell.alignment = font, BOX, WRAP_TOP
            if isinstance(value, Formula):
                cell.number_format = "0.00"
                cell.alignment = CENTRE
            elif isinstance(value, int | Decimal) or value == dash or len(str(value)) <= 12:
                cell.alignment = CENTRE
            if value == dash:
                cell.fill = EMPTY_FILL
            if isinstance(value, str):
                texts.append((value, widths[letter]))
        for entry in line.inputs:
            cell = sheet[entry.address]
            cell.font, cell.border, cell.fill = font, BOX, INPUT_FILL
            cell.protection = Protection(locked=False)
            cell.alignment = WRAP_TOP if entry.kind == "text" else Alignment(vertical="top")
            if entry.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[entry.kind]
            _validation(sheet, validations, entry).add(entry.address)
        sheet.row_dimensions[line.number].height = _height(texts, 11)


def _validation(sheet: Any, known: dict[tuple[str, str], Any], cell: InputCell) -> Any:
    """The data validation for `cell`'s kind and prompt, shared by the cells that need the same one."""
    prompt = _prompt(cell)
    key = (cell.kind, prompt)
    if key in known:
        return known[key]
    common: dict[str, Any] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorStyle": "stop",
        "errorTitle": t("forms.error_title"),
        "promptTitle": t(f"forms.prompt_title_{cell.kind}")[:32],
        "prompt": prompt,
    }
    if cell.kind == "integer":
        validation = DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", error=t("forms.error_integer"), **common
        )
    elif cell.kind == "decimal":
        validation = DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", error=t("forms.error_decimal"), **common
        )
    elif cell.kind == "choice":
        validation = DataValidation(
            type="list", formula1=f'"{",".join(status_choices())}"', error=t("forms.error_choice"), **common
        )
    else:
        validation = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(NARRATIVE_LIMIT),
            error=t("forms.error_text", limit=NARRATIVE_LIMIT),
            **common,
        )
    sheet.add_data_validation(validation)
    known[key] = validation
    return validation


def _prompt(cell: InputCell) -> str:
    if cell.kind == "choice":
        return t("forms.prompt_choice", choices=", ".join(cell.choices))[:PROMPT_LIMIT]
    if cell.kind == "text":
        return t("forms.prompt_text", limit=NARRATIVE_LIMIT)[:PROMPT_LIMIT]
    label = cell.column_label if cell.element else f"{cell.row_label} — {cell.column_label}"
    key = f"forms.prompt_{cell.kind}"
    room = PROMPT_LIMIT - len(t(key, label=""))
    if len(label) > room:
        label = label[: room - 1] + "…"
    return t(key, label=label)


def _protect(sheet: Any) -> None:
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = False  # people may widen a column or a row to read
    protection.formatRows = False
    protection.selectLockedCells = False
    protection.selectUnlockedCells = False


def _identification(sheet: Any, target: FormTarget, forms: tuple[FormLayout, ...]) -> None:
    for row, values in enumerate(identity_rows(identity_of(target, forms)), start=1):
        for column, value in enumerate(values, start=1):
            _put(sheet, sheet.cell(row=row, column=column).coordinate, value)
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


# --------------------------------------------------------------------------- helpers


def _put(sheet: Any, address: str, value: str | int | Decimal | Formula) -> Any:
    """Write a value; text is always text, even when it starts with "=" (no formula injection)."""
    cell = sheet[address]
    if isinstance(value, Formula):
        cell.value = value.text
        return cell
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"
        return cell
    cell.value = value
    return cell


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub(" ", text)


def _height(texts: list[tuple[str, float]], size: int) -> float:
    """Row height that shows wrapped text whole: Excel does not grow rows of a generated file."""
    lines = 1
    for text, width in texts:
        per_line = max(width * (11 / size) * 1.05 - 1, 1)
        wanted = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
        lines = max(lines, wanted)
    return round(lines * POINTS_PER_LINE * size / 11, 2)
