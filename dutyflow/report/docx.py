"""Render the report's DOCX from templates/report/bao-cao.docx with docxtpl.

Autoescaping is on and undefined names are errors: without autoescape, a unit
called "Văn phòng HĐND&UBND" or a narrative holding "<" silently breaks or vanishes from the
document; without StrictUndefined, a misspelt tag prints nothing instead of failing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from docxtpl import DocxTemplate, InlineImage  # type: ignore[import-untyped]
from matplotlib import font_manager
from PIL import ImageFont

from dutyflow.report.narrative import NarrativeParagraph, replace_sections
from dutyflow.report.template_layout import (
    CHART_WIDTH_CM,
    DATA_PAD_CM,
    DATA_TABLE_STYLE,
    DYNAMIC_TABLE,
    FONT,
    NUMBER_COLUMN_CM,
    TABLE_FONT_SIZE,
    TEMPLATE,
    VALUE_COLUMN_CM,
)
from dutyflow.templating import docx_environment

CHART_WIDTH = Cm(CHART_WIDTH_CM)
NUMBER_COLUMN = Cm(NUMBER_COLUMN_CM)
LABEL_MIN = Cm(4.0)
VALUE_COLUMN = Cm(VALUE_COLUMN_CM)
CELL_MARGINS = Cm(2 * DATA_PAD_CM + 0.1)
"""The data tables' cell margins, left and right, and a little air."""
MIN_COLUMN = Cm(1.0)
FIGURE = re.compile(r"^[-−]?\d[\d.,]*(?:%|‰|/[\d.]+)?$")
"""A figure as the report writes it: 1.234,5 · 90% · 9,5‰ · 4.878,3/100.000 · 20/21."""
TABLE_FONTS = (FONT, "Liberation Serif", "Tinos")


@dataclass(frozen=True)
class DocumentProperties:
    """What a file manager, Word's "Properties" and a records system read of the report."""

    title: str
    author: str
    """The issuing body (the issuer's name), not the program."""
    created: dt.datetime
    """The report's own instant: its cut-off, the moment it was built."""
    subject: str = ""
    language: str = "vi-VN"


def render_docx(
    context: Mapping[str, object],
    charts: Mapping[str, Path],
    out: Path,
    template: Path = TEMPLATE,
    properties: DocumentProperties | None = None,
    narrative: Sequence[NarrativeParagraph] = (),
) -> Path:
    """Write the report to `out`; `charts` maps "attainment" and "completeness" to PNG files;
    `narrative`, when given, is the office's own sections II–IV (`narrative.replace_sections`)."""
    document = DocxTemplate(str(template))
    values = dict(context)
    for name, path in charts.items():
        values[f"chart_{name}"] = InlineImage(document, str(path), width=CHART_WIDTH)
    document.render(values, docx_environment(), autoescape=True)
    if narrative:
        replace_sections(document.docx, narrative)
    fit_dynamic_tables(document.docx)
    fit_columns_to_content(document.docx)
    if properties is not None:
        set_properties(document.docx, properties)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def set_properties(document: DocxDocument, properties: DocumentProperties) -> None:
    """Replace the template's core properties (python-docx's default says 2013, "python-docx")."""
    core = document.core_properties
    # OOXML stores these instants in UTC; python-docx writes the fields as given, so hand it UTC.
    instant = properties.created.astimezone(dt.UTC).replace(tzinfo=None)
    core.title = properties.title
    core.subject = properties.subject
    core.author = properties.author
    core.last_modified_by = properties.author
    core.created = instant
    core.modified = instant
    core.last_printed = instant
    core.revision = 1
    core.language = properties.language
    core.keywords = ""
    core.comments = ""
    core.category = ""


def fit_columns_to_content(document: DocxDocument, *, measure: Callable[[str], int] | None = None) -> None:
    """Widen the columns of the data tables (`DATA_TABLE_STYLE`) whose widest figure would not
    fit on one line ("4.878,3/100.000" must not break after "100.00"), taking the room from the
    columns with the most to spare (the label). A figure never wraps; text still may.
    """
    measure = measure or text_width
    for table in document.tables:
        if table.style is None or table.style.name != DATA_TABLE_STYLE:
            continue
        grid = table._tbl.tblGrid
        columns = grid.findall(qn("w:gridCol"))
        widths = [int(column.w or 0) for column in columns]
        if not widths or not all(widths):
            continue
        need = [0] * len(widths)
        for tr in table._tbl.tr_lst:
            start = 0
            for tc in tr.tc_lst:
                if tc.grid_span == 1 and start < len(need):
                    text = "".join(node.text or "" for node in tc.iter(qn("w:t")))
                    words = [word for word in text.split() if FIGURE.match(word)]
                    need[start] = max([need[start], *(measure(word) + CELL_MARGINS for word in words)])
                start += tc.grid_span
        for index in range(len(widths)):
            missing = need[index] - widths[index]
            while missing > 0:
                spare = [(widths[i] - max(need[i], MIN_COLUMN), i) for i in range(len(widths)) if i != index]
                room, donor = max(spare, default=(0, -1))
                if room <= 0:
                    break
                moved = min(room, missing)
                widths[donor] -= moved
                widths[index] += moved
                missing -= moved
        for column, width in zip(columns, widths, strict=True):
            column.w = Length(width)
        for tr in table._tbl.tr_lst:
            start = 0
            for tc in tr.tc_lst:
                tc.width = Length(sum(widths[start : start + tc.grid_span]))
                start += tc.grid_span


@cache
def _table_font() -> ImageFont.FreeTypeFont | None:
    """The bold face of the font the PDF is set in (Times New Roman or a metric-compatible one):
    bold is the widest a table's text gets (the totals)."""
    for family in TABLE_FONTS:
        properties = font_manager.FontProperties(family=family, weight="bold")
        try:
            path = font_manager.findfont(properties, fallback_to_default=False)
        except ValueError:  # not installed
            continue
        return ImageFont.truetype(path, TABLE_FONT_SIZE * 10)
    return None


def text_width(text: str) -> int:
    """How wide `text` is set in the tables' font (12 pt, bold), in EMU; without the font, a
    generous estimate (0.6 em a letter)."""
    font = _table_font()
    points = font.getlength(text) / 10 if font is not None else 0.6 * TABLE_FONT_SIZE * len(text)
    return int(Pt(points)) + 1


def fit_dynamic_tables(document: DocxDocument) -> None:
    """Give the plan's tables (Phụ lục III, IV: as many columns as the form has) usable widths.

    docxtpl spreads added columns evenly; here the number column keeps 0.9 cm, each value column
    gets 2.5 cm and the label the rest, and when that leaves the label under 4 cm the value
    columns share what remains of the text width.
    """
    section = document.sections[0]
    text_width = int(section.page_width or 0) - int(section.left_margin or 0) - int(section.right_margin or 0)
    for table in document.tables:
        properties = table._tbl.tblPr
        caption = properties.find(qn("w:tblCaption"))
        if caption is None or caption.get(qn("w:val")) != DYNAMIC_TABLE:
            continue
        properties.remove(caption)
        rows = table._tbl.tr_lst
        columns = max((sum(tc.grid_span for tc in tr.tc_lst) for tr in rows), default=0)
        values = columns - 2
        if values < 1:
            continue
        label = text_width - NUMBER_COLUMN - values * VALUE_COLUMN
        value = int(VALUE_COLUMN)
        if label < LABEL_MIN:
            label = int(LABEL_MIN)
            value = (text_width - NUMBER_COLUMN - LABEL_MIN) // values
        widths = [int(NUMBER_COLUMN), label, *([value] * values)]
        grid = table._tbl.tblGrid
        for column in list(grid.findall(qn("w:gridCol"))):
            grid.remove(column)
        for width in widths:
            grid.add_gridCol().w = Length(width)
        for tr in rows:
            start = 0
            for tc in tr.tc_lst:
                tc.width = Length(sum(widths[start : start + tc.grid_span]))
                start += tc.grid_span
