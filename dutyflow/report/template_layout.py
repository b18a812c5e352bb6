"""What the report template's author (tools/make_report_template.py) and its renderer
(`dutyflow.report.docx`) must agree on: the file, the font, the text width, the data tables'
style, margins and columns, and the caption that marks a table whose columns come from the plan.

Both import these; tests/test_report_template.py proves the committed template is what the
generator builds from them.
"""

from __future__ import annotations

from dutyflow.paths import TEMPLATES_DIR

TEMPLATE = TEMPLATES_DIR / "report" / "bao-cao.docx"
FONT = "Times New Roman"
"""Decree 30/2020/NĐ-CP, Phụ lục I: the administrative document's typeface."""
TEXT_WIDTH_CM = 16.5
"""A4 (21 cm) less the left (3 cm) and right (1.5 cm) margins."""
CHART_WIDTH_CM = 16.0
"""A chart's width on the page: the text width with a little air."""
DATA_TABLE_STYLE = "Table Grid"
"""The appendices' data tables; the renderer widens their columns to fit every figure."""
DATA_PAD_CM = 0.1
"""The data tables' left and right cell margins (Word's 1.9 mm wastes narrow columns)."""
TABLE_FONT_SIZE = 12
"""Points: the data tables' text."""
DYNAMIC_TABLE = "dutyflow:fit-columns"
"""Caption of tables whose columns come from the plan (Phụ lục III, IV); the renderer removes it
and fits the columns to the page."""
NUMBER_COLUMN_CM = 0.9
"""The "STT" column of the data tables."""
VALUE_COLUMN_CM = 2.5
"""A value column of a plan-defined table."""
