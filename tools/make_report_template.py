"""Author dutyflow/templates/report/bao-cao.docx: the district report in the layout of Decree 30/2020/NĐ-CP.

Run once after changing the layout (`.venv/bin/python tools/make_report_template.py`); the
.docx it writes is the template docxtpl renders, and the office may also edit it in Word or
LibreOffice (keep every {{ … }} and {%… %} tag whole, in one run).

Decree 30/2020/NĐ-CP, Phụ lục I: A4; margins top and bottom 20–25 mm, left 30–35 mm, right
15–20 mm; Times New Roman 13–14 pt; the two-column head (issuing body and number on the left,
national name, motto and the place-and-date line on the right, each name underlined by a short
rule); the document kind and its subject centred in bold; page numbers centred at the top, not on
the first page; "Nơi nhận" and the signature block side by side at the end.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.styles import CT_Style
from docx.shared import Cm, Length, Pt, Twips
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from dutyflow.report.template_layout import (
    DATA_PAD_CM,
    DATA_TABLE_STYLE,
    DYNAMIC_TABLE,
    FONT,
    NUMBER_COLUMN_CM,
    TABLE_FONT_SIZE,
    TEMPLATE,
    TEXT_WIDTH_CM,
    VALUE_COLUMN_CM,
)

PAGE_W, PAGE_H = Cm(21.0), Cm(29.7)
# Word stores margins in twips: 1.5 cm would round down to 850 twips (14.99 mm, outside 15–20 mm).
TOP, BOTTOM, LEFT, RIGHT = Cm(2.0), Cm(2.0), Cm(3.0), Twips(851)
TEXT_W = TEXT_WIDTH_CM
HEAD_LEFT, HEAD_RIGHT = 6.3, 10.2  # cm
CELL_PAD = 0.19  # cm, Word's default left/right cell margin
DATA_PAD = DATA_PAD_CM
MOTTO_RULE = 5.6  # cm: "Độc lập - Tự do - Hạnh phúc" in Times New Roman bold 13 pt
NAME_RULE = 2.2  # cm: about 1/3 to 1/2 of the issuing body's name
SUBJECT_RULE = 3.6  # cm: about 1/3 of the subject line
FIRST_LINE = Cm(1.27)  # first-line indent of body paragraphs


# --------------------------------------------------------------------------- styles


def _fonts(element: CT_Style, size: float | None = None, *, lang: bool = False) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            node = rpr.find(qn(tag))
            if node is None:
                node = OxmlElement(tag)
                rpr.append(node)
            node.set(qn("w:val"), str(int(size * 2)))
    if lang:
        node = rpr.find(qn("w:lang"))
        if node is None:
            node = OxmlElement("w:lang")
            rpr.append(node)
        node.set(qn("w:val"), "vi-VN")


def _styles(doc: DocxDocument) -> None:
    """The document's paragraph styles, one line each: a list reads best as one function."""
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _fonts(normal.element, 14, lang=True)
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.widow_control = True

    def add(
        name: str,
        *,
        base: str = "Normal",
        size: float | None = None,
        bold: bool | None = None,
        italic: bool | None = None,
        align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
        indent: Length = FIRST_LINE,
        before: float = 0,
        after: float = 6,
        line: float = 1.15,
        keep: bool = False,
    ) -> None:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
        if size is not None:
            style.font.size = Pt(size)
            _fonts(style.element, size)
        style.font.bold = bold
        style.font.italic = italic
        pf = style.paragraph_format
        pf.alignment = align
        pf.first_line_indent = indent
        pf.space_before = Pt(before)
        pf.space_after = Pt(after)
        pf.line_spacing = line
        pf.keep_with_next = keep

    centre = WD_ALIGN_PARAGRAPH.CENTER
    add("BC Body")
    add("BC Heading 1", bold=True, before=6, keep=True)
    add("BC Heading 2", bold=True, keep=True)
    add("BC Heading 3", bold=True, italic=True, keep=True)
    add("BC Note", italic=True)
    add("BC Title", bold=True, align=centre, indent=Cm(0), after=0, line=1.0, keep=True)
    add("BC Centre", align=centre, indent=Cm(0), after=0, line=1.0)
    add("BC Figure", align=centre, indent=Cm(0), before=6, after=0, line=1.0, keep=True)
    add("BC Caption", italic=True, size=13, align=centre, indent=Cm(0), after=6, line=1.0)
    add("BC Table", size=TABLE_FONT_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=Cm(0), before=1, after=1, line=1.0)
    add("BC Table Centre", base="BC Table", size=TABLE_FONT_SIZE, align=centre, indent=Cm(0), before=1, after=1, line=1.0)
    add(
        "BC Table Number",
        base="BC Table",
        size=TABLE_FONT_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=Cm(0),
        before=1,
        after=1,
        line=1.0,
    )
    add("BC Table Head", base="BC Table", size=TABLE_FONT_SIZE, bold=True, align=centre, indent=Cm(0), before=1, after=1, line=1.0)
    add("BC Small", size=12, align=WD_ALIGN_PARAGRAPH.LEFT, indent=Cm(0), after=0, line=1.0)
    add("BC Recipient", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, indent=Cm(0), after=0, line=1.0)
    add("BC Rule", size=4, align=centre, indent=Cm(0), after=0, line=1.0)
    add("BC Header", size=13, align=WD_ALIGN_PARAGRAPH.LEFT, indent=Cm(0), after=0, line=1.0)


# --------------------------------------------------------------------------- helpers


class Flow:
    """Appends paragraphs to the body or to a table cell (whose first, empty paragraph it reuses)."""

    def __init__(self, container: DocxDocument | _Cell) -> None:
        self.container = container
        self.fresh = isinstance(container, _Cell)

    def p(
        self,
        text: str = "",
        style: str = "BC Body",
        *,
        bold: bool | None = None,
        italic: bool | None = None,
        size: float | None = None,
        page_break: bool = False,
    ) -> Paragraph:
        if self.fresh:
            paragraph = self.container.paragraphs[0]
            paragraph.style = style
            self.fresh = False
        else:
            paragraph = self.container.add_paragraph(style=style)
        if text:
            run = paragraph.add_run(text)
            if bold is not None:
                run.bold = bold
            if italic is not None:
                run.italic = italic
            if size is not None:
                run.font.size = Pt(size)
        if page_break:
            paragraph.paragraph_format.page_break_before = True
        return paragraph

    def tag(self, text: str) -> Paragraph:
        """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it vanishes when rendered."""
        return self.p(text, "BC Small")

    def rule(self, length_cm: float, box_cm: float) -> Paragraph:
        """A short horizontal line, centred in a box `box_cm` wide (a bottom border with indents)."""
        paragraph = self.p("", "BC Rule")
        side = Cm(max((box_cm - 2 * CELL_PAD - length_cm) / 2, 0))
        paragraph.paragraph_format.left_indent = side
        paragraph.paragraph_format.right_indent = side
        ppr = paragraph._p.get_or_add_pPr()
        border = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(key), value)
        border.append(bottom)
        ppr.append(border)
        return paragraph


def _no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:val"), "nil")
        borders.append(node)
    tblpr.append(borders)


def _fixed(table: Table, widths_cm: list[float]) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        column = 0
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            tc.width = Cm(sum(widths_cm[column : column + span]))
            column += span


def _narrow_margins(table: Table) -> None:
    """Data tables: 1 mm cell margins left and right (Word's 1.9 mm wastes narrow columns)."""
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:w"), str(int(Cm(DATA_PAD).twips)))
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    table._tbl.tblPr.append(margins)


def _caption(table: Table, text: str) -> None:
    node = OxmlElement("w:tblCaption")
    node.set(qn("w:val"), text)
    table._tbl.tblPr.append(node)


def _repeat_header(row: _Row) -> None:
    trpr = row._tr.get_or_add_trPr()
    node = OxmlElement("w:tblHeader")
    node.set(qn("w:val"), "true")
    trpr.append(node)


def _cant_split(row: _Row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _cell(cell: _Cell, text: str, style: str = "BC Table", *, centre_v: bool = True) -> Paragraph:
    paragraph: Paragraph = cell.paragraphs[0]
    paragraph.style = style
    if text:
        paragraph.add_run(text)
    if centre_v:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return paragraph


def _tag_row(table: Table, text: str) -> None:
    """A row holding only a docxtpl row tag ({%tr … %}); it vanishes when rendered."""
    row = table.add_row()  # type: ignore[no-untyped-call]  # python-docx leaves it unannotated
    _cell(row.cells[0], text)


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    def char(kind: str) -> None:
        run = paragraph.add_run()
        node = OxmlElement("w:fldChar")
        node.set(qn("w:fldCharType"), kind)
        run._r.append(node)

    char("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    char("separate")
    paragraph.add_run(shown)
    char("end")


# --------------------------------------------------------------------------- parts


def _page_setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance = Cm(1.0)
    section.footer_distance = Cm(1.0)
    section.different_first_page_header_footer = True
    tabs = [(Cm(TEXT_W / 2), WD_TAB_ALIGNMENT.CENTER), (Cm(TEXT_W), WD_TAB_ALIGNMENT.RIGHT)]

    # Pages 2…: the page number centred at the top; "DỰ THẢO" at the right until the final version.
    header = section.header.paragraphs[0]
    header.style = "BC Header"
    for position, alignment in tabs:
        header.paragraph_format.tab_stops.add_tab_stop(position, alignment)
    header.add_run("\t")
    _field(header, "PAGE", "2")
    draft = header.add_run("\t{% if draft %}DỰ THẢO{% endif %}")
    draft.bold = True

    # Page 1: no number, only the draft mark.
    first = section.first_page_header.paragraphs[0]
    first.style = "BC Header"
    first.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_W), WD_TAB_ALIGNMENT.RIGHT)
    mark = first.add_run("\t{% if draft %}DỰ THẢO{% endif %}")
    mark.bold = True


def _head(doc: DocxDocument) -> None:
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    _fixed(table, [HEAD_LEFT, HEAD_RIGHT])
    left, right = Flow(table.cell(0, 0)), Flow(table.cell(0, 1))
    left.tag("{%p if issuer.parent %}")
    left.p("{{ issuer.parent }}", "BC Title", size=13)
    left.tag("{%p endif %}")
    left.p("{{ issuer.name }}", "BC Title", size=13)
    left.rule(NAME_RULE, HEAD_LEFT)
    right.p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BC Title", size=12)
    right.p("Độc lập - Tự do - Hạnh phúc", "BC Title", size=13)
    right.rule(MOTTO_RULE, HEAD_RIGHT)
    number = Flow(table.cell(1, 0)).p(
        "Số:{% if number %} {{ number }}{% else %}        {% endif %}/{{ symbol }}", "BC Centre", size=13
    )
    number.paragraph_format.space_before = Pt(6)
    date = Flow(table.cell(1, 1)).p("{{ issuer.place }}, {{ issued_on }}", "BC Centre", italic=True, size=14)
    date.paragraph_format.space_before = Pt(6)


def _title(flow: Flow) -> None:
    kind = flow.p("BÁO CÁO", "BC Title")
    kind.paragraph_format.space_before = Pt(24)
    flow.p("{{ wording.report_title }} {{ period_label }}", "BC Title")
    flow.rule(SUBJECT_RULE, TEXT_W + 2 * CELL_PAD)
    flow.p("", "BC Centre").paragraph_format.space_after = Pt(6)


def _body(flow: Flow) -> None:
    """Sections I to IV of the report, in the order they print.

    Long because it is the document's text with its template tags, paragraph after paragraph;
    split at arbitrary points it would read worse, not better."""
    flow.p(
        "Thực hiện {{ plan.title }}{% if plan.number %} (số {{ plan.number }}{% if plan.issued_on %}"
        " {{ plan.issued_on }}{% endif %}){% endif %}; trên cơ sở báo cáo của {{ wording.reporters }} "
        "(số liệu đến {{ cutoff }}), {{ issuer.short_name }} báo cáo {{ wording.report_title_lc }} "
        "{{ period_label }} như sau:"
    )

    # I. Targets
    flow.p("I. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU", "BC Heading 1")
    flow.p(
        "Kế hoạch đề ra {{ summary.total }} chỉ tiêu. Tổng hợp số liệu báo cáo của "
        "{{ summary.reporting_units }}/{{ summary.expected_units }} đơn vị, có {{ summary.dat }} chỉ tiêu "
        "đạt, {{ summary.khong_dat }} chỉ tiêu không đạt{% if summary.no_data %}, {{ summary.no_data }} "
        "chỉ tiêu chưa có số liệu{% endif %}{% if summary.no_baseline %}, {{ summary.no_baseline }} chỉ "
        "tiêu chưa có số liệu năm trước để so sánh{% endif %}{% if summary.not_due %}, {{ summary.not_due }} "
        "chỉ tiêu chưa đến năm đánh giá{% endif %} (chi tiết tại {{ appendix_indicators.name }} "
        "kèm theo). Cụ thể:"
    )
    flow.tag("{%p for g in indicator_groups %}")
    flow.p("{{ g.code }}) {{ g.title }}", "BC Heading 3")
    flow.tag("{%p for r in g.rows %}")
    flow.p(
        "- {{ r.name }}: {% if r.attainment_code == 'chua_co_so_lieu' %}chưa có số liệu{% else %}"
        "{{ r.value }}{% endif %} (chỉ tiêu: {{ r.target_lc }}){% if r.attainment_code != 'chua_co_so_lieu' %}"
        " – {{ r.attainment }}{% endif %}{% if r.partial %}; số liệu của {{ r.units }} đơn vị{% endif %}."
    )
    flow.tag("{%p endfor %}")
    flow.tag("{%p endfor %}")
    flow.p("{{ chart_attainment }}", "BC Figure")
    flow.p("Biểu đồ 1. Kết quả thực hiện các chỉ tiêu so với mục tiêu", "BC Caption")

    # II. Tasks, duty by duty: counts, a few units' words, the units that lag
    flow.p("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ", "BC Heading 1")
    # What merged into what during the period (units that closed and their successors).
    flow.tag("{%p for s in successions %}")
    flow.p("{{ s }}")
    flow.tag("{%p endfor %}")
    flow.p(
        "Đã nhận báo cáo của {{ received.received }}/{{ received.expected }} đơn vị{% if received.local_expected %}"
        " (trong đó {{ received.local_received }}/{{ received.local_expected }} {{ wording.local_units_short }})"
        "{% endif %}{% if received.missing %}; chưa nhận báo cáo của: {{ received.missing }}{% endif %}. Kết quả thực hiện "
        "từng nhiệm vụ như sau (nội dung báo cáo của từng đơn vị tại {{ appendix_duties.name }}"
        "{% if narratives.file %} và tệp đính kèm {{ narratives.file }}{% endif %}):"
    )
    flow.tag("{%p for d in duties %}")
    flow.p("{{ d.number }}. {{ d.title }}", "BC Heading 2")
    flow.p(
        "{{ d.assigned }} đơn vị thực hiện: {{ d.done }} đã hoàn thành, {{ d.doing }} đang thực hiện, "
        "{{ d.not_done }} chưa thực hiện{% if d.other %}, {{ d.other }} trả lời khác{% endif %}"
        "{% if d.unreported %}, {{ d.unreported }} chưa báo cáo{% endif %}."
    )
    flow.tag("{%p for e in d.highlights %}")
    flow.p("- {{ e.unit }}: {{ e.text }}")
    flow.tag("{%p endfor %}")
    flow.tag("{%p if d.lagging %}")
    flow.p("{{ d.lagging }}")
    flow.tag("{%p endif %}")
    flow.tag("{%p endfor %}")

    # III. Shortcomings
    flow.p("III. TỒN TẠI, HẠN CHẾ", "BC Heading 1")
    flow.p("1. Về thực hiện chế độ báo cáo", "BC Heading 2")
    flow.tag("{%p for r in reporting %}")
    flow.p(
        "- {{ r.name }}{% if r.period_label %} ({{ r.period_label }}){% endif %}: đã nhận "
        "{{ r.received }}/{{ r.expected }} báo cáo phải gửi, đạt {{ r.completeness }}; gửi đúng hạn "
        "{{ r.on_time }}/{{ r.expected }} báo cáo, đạt {{ r.timeliness }}."
    )
    flow.tag("{%p if r.late_units %}")
    flow.p("Gửi chậm so với thời hạn: {{ r.late_units }}.")
    flow.tag("{%p endif %}")
    flow.tag("{%p if r.returned_units %}")
    flow.p("Báo cáo bị trả lại, chưa gửi lại: {{ r.returned_units }}.")
    flow.tag("{%p endif %}")
    flow.tag("{%p if r.awaiting_units %}")
    flow.p("Báo cáo đang chờ {{ wording.office }} xem xét: {{ r.awaiting_units }}.")
    flow.tag("{%p endif %}")
    flow.tag("{%p if r.not_sent_units %}")
    flow.p("Chưa gửi báo cáo: {{ r.not_sent_units }}.")
    flow.tag("{%p endif %}")
    flow.tag("{%p endfor %}")
    flow.p("{{ chart_completeness }}", "BC Figure")
    flow.p("Biểu đồ 2. Tình hình gửi báo cáo của các đơn vị", "BC Caption")
    flow.p("2. Về thực hiện các mục tiêu, chỉ tiêu", "BC Heading 2")
    flow.tag("{%p if not_attained %}")
    flow.p("Còn {{ not_attained|length }} chỉ tiêu không đạt so với kế hoạch:")
    flow.tag("{%p for r in not_attained %}")
    flow.p("- {{ r.name }}: {{ r.value }} (chỉ tiêu: {{ r.target_lc }}).")
    flow.tag("{%p endfor %}")
    flow.tag("{%p elif summary.dat %}")
    flow.p("Các chỉ tiêu đã có số liệu đều đạt so với kế hoạch.")
    flow.tag("{%p else %}")
    flow.p("Chưa có chỉ tiêu nào đủ số liệu để đánh giá so với kế hoạch.")
    flow.tag("{%p endif %}")
    flow.tag("{%p if no_data %}")
    flow.p("Có {{ no_data|length }} chỉ tiêu chưa có số liệu để đánh giá:")
    flow.tag("{%p for r in no_data %}")
    flow.p("- {{ r.name }}.")
    flow.tag("{%p endfor %}")
    flow.tag("{%p endif %}")
    flow.tag("{%p if no_baseline %}")
    flow.p(
        "Có {{ no_baseline|length }} chỉ tiêu phấn đấu giảm so với năm trước nhưng chưa có số liệu năm trước để so sánh:"
    )
    flow.tag("{%p for r in no_baseline %}")
    flow.p("- {{ r.name }}: {{ r.value }}.")
    flow.tag("{%p endfor %}")
    flow.tag("{%p endif %}")

    # IV. Next year: the plan's directions (`plan.wording.directions`), or general ones naming its topic
    flow.p("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {{ next_year }}", "BC Heading 1")
    flow.tag("{%p for d in wording.directions %}")
    flow.p("{{ loop.index }}. {{ d }}")
    flow.tag("{%p endfor %}")
    flow.p("Trên đây là báo cáo {{ wording.report_title_lc }} {{ period_label }} của {{ issuer.short_name }}./.")


def _signature(doc: DocxDocument) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _fixed(table, [8.0, 8.5])
    left, right = Flow(table.cell(0, 0)), Flow(table.cell(0, 1))
    table.cell(0, 0).vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    left.p("Nơi nhận:", "BC Small", bold=True, italic=True).paragraph_format.space_before = Pt(6)
    left.tag("{%p for r in recipients %}")
    left.p("- {{ r }}{% if loop.last %}.{% else %};{% endif %}", "BC Recipient")
    left.tag("{%p endfor %}")
    first = right.tag("{%p if signer.authority %}")
    first.paragraph_format.space_before = Pt(6)
    right.p("{{ signer.authority }}", "BC Title")
    right.tag("{%p endif %}")
    right.p("{{ signer.title }}", "BC Title")
    for _ in range(5):
        right.p("", "BC Centre")
    right.p("{{ signer.name }}", "BC Title")


def _appendix_head(flow: Flow, name: str, title: str) -> None:
    flow.p(name, "BC Title", page_break=True)
    flow.p(title, "BC Title", size=13)
    flow.p(
        "(Kèm theo Báo cáo số{% if number %} {{ number }}{% else %}      {% endif %}/{{ symbol }} "
        "{{ issued_on }} của {{ issuer.short_name }})",
        "BC Centre",
        italic=True,
        size=13,
    ).paragraph_format.space_after = Pt(12)


def _appendix_indicators(doc: DocxDocument, flow: Flow) -> None:
    _appendix_head(
        flow, "{{ appendix_indicators.name }}", "{{ appendix_indicators.title|upper }} {{ period_label|upper }}"
    )
    widths = [NUMBER_COLUMN_CM, 5.3, 3.0, 3.0, 1.8, 2.5]
    heads = ["TT", "Chỉ tiêu", "Mục tiêu", "Kết quả thực hiện", "Đơn vị báo cáo", "Đánh giá"]
    table = doc.add_table(rows=1, cols=len(widths))
    table.style = DATA_TABLE_STYLE
    _narrow_margins(table)
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        _cell(cell, text, "BC Table Head")
    _repeat_header(table.rows[0])
    _tag_row(table, "{%tr for g in indicator_groups %}")
    group = table.add_row()
    merged = group.cells[0].merge(group.cells[-1])
    _cell(merged, "{{ g.code }}) {{ g.title }}", "BC Table").runs[0].bold = True
    _tag_row(table, "{%tr for r in g.rows %}")
    row = table.add_row()
    _cant_split(row)
    texts = [
        "{{ r.number }}",
        "{{ r.name }}",
        "{{ r.target }}",
        "{{ r.value }}",
        "{{ r.units }}",
        "{{ r.attainment_short }}",
    ]
    styles = ["BC Table Centre", "BC Table", "BC Table Centre", "BC Table Centre", "BC Table Centre", "BC Table Centre"]
    for cell, text, style in zip(row.cells, texts, styles, strict=True):
        _cell(cell, text, style)
    _tag_row(table, "{%tr endfor %}")
    _tag_row(table, "{%tr endfor %}")
    _fixed(table, widths)
    flow.p(
        "Ghi chú: Kết quả của mỗi chỉ tiêu tỷ lệ bằng tổng tử số chia cho tổng mẫu số của các đơn vị báo "
        "cáo đủ cả hai số liệu (không lấy bình quân tỷ lệ của các đơn vị); cột “Đơn vị báo cáo” ghi số "
        "đơn vị có số liệu trên số đơn vị phải báo cáo.",
        "BC Small",
        italic=True,
    ).paragraph_format.space_before = Pt(6)


def _appendix_duties(doc: DocxDocument, flow: Flow) -> None:
    _appendix_head(flow, "{{ appendix_duties.name }}", "{{ appendix_duties.title|upper }} {{ period_label|upper }}")
    widths = [NUMBER_COLUMN_CM, 5.1, 1.75, 1.75, 1.75, 1.75, 1.75, 1.75]
    heads = [
        "TT",
        "Nhiệm vụ",
        "Số đơn vị thực hiện",
        "Đã hoàn thành",
        "Đang thực hiện",
        "Chưa thực hiện",
        "Khác",
        "Chưa báo cáo",
    ]
    table = doc.add_table(rows=1, cols=len(widths))
    table.style = DATA_TABLE_STYLE
    _narrow_margins(table)
    for cell, text in zip(table.rows[0].cells, heads, strict=True):
        _cell(cell, text, "BC Table Head")
    _repeat_header(table.rows[0])
    _tag_row(table, "{%tr for d in duty_rows %}")
    row = table.add_row()
    _cant_split(row)
    texts = [
        "{{ d.number }}",
        "{{ d.section }}. {{ d.title }}",
        "{{ d.assigned }}",
        "{{ d.done }}",
        "{{ d.doing }}",
        "{{ d.not_done }}",
        "{{ d.other }}",
        "{{ d.unreported }}",
    ]
    for index, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        _cell(cell, text, "BC Table" if index == 1 else "BC Table Centre")
    _tag_row(table, "{%tr endfor %}")
    _fixed(table, widths)
    # Every unit's own words, by duty; above the plan's size, in the attached spreadsheet.
    flow.tag("{%p if narratives.inline %}")
    flow.tag("{%p for d in narratives.duties %}")
    flow.p("{{ d.number }}. {{ d.title }}", "BC Heading 3")
    flow.tag("{%p for e in d.entries %}")
    flow.p("+ {{ e.unit }} ({{ e.status|lower }}): {{ e.text }}")
    flow.tag("{%p endfor %}")
    flow.tag("{%p endfor %}")
    flow.tag("{%p else %}")
    flow.p(
        "Nội dung báo cáo của từng đơn vị về từng nhiệm vụ ({{ narratives.count }} mục) tại tệp đính kèm "
        "{{ narratives.file }}.",
        "BC Note",
    )
    flow.tag("{%p endif %}")


def _appendix_tables(doc: DocxDocument, flow: Flow) -> None:
    flow.tag("{%p for tb in tables %}")
    _appendix_head(flow, "{{ tb.name }}", "{{ tb.title|upper }} {{ period_label|upper }}")
    table = doc.add_table(rows=1, cols=5)
    table.style = DATA_TABLE_STYLE
    _narrow_margins(table)
    _caption(table, DYNAMIC_TABLE)
    head = table.rows[0].cells
    _cell(head[0], "TT", "BC Table Head")
    _cell(head[1], "Nội dung", "BC Table Head")
    _cell(head[2], "{%tc for h in tb.header %}", "BC Table Head")
    _cell(head[3], "{{ h }}", "BC Table Head")
    _cell(head[4], "{%tc endfor %}", "BC Table Head")
    _repeat_header(table.rows[0])
    _tag_row(table, "{%tr for r in tb.rows %}")
    row = table.add_row()
    _cant_split(row)
    cells = row.cells
    _cell(cells[0], "{{ r.number }}", "BC Table Centre")
    _cell(cells[1], "{% if r.bold %}{{ r.label|upper }}{% else %}{{ r.label }}{% endif %}", "BC Table")
    _cell(cells[2], "{%tc for c in r.cells %}", "BC Table Number")
    _cell(cells[3], "{{ c }}", "BC Table Number")
    _cell(cells[4], "{%tc endfor %}", "BC Table Number")
    _tag_row(table, "{%tr endfor %}")
    _fixed(table, [NUMBER_COLUMN_CM, 5.1, VALUE_COLUMN_CM, VALUE_COLUMN_CM, VALUE_COLUMN_CM])
    flow.p(
        "Số liệu tổng hợp từ báo cáo của {{ tb.units }} đơn vị.", "BC Small", italic=True
    ).paragraph_format.space_before = Pt(6)
    flow.tag("{%p endfor %}")


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    _styles(doc)
    _page_setup(doc)
    body = Flow(doc)
    # python-docx starts with one empty paragraph: drop it so the head table opens page 1.
    for paragraph in list(doc.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    _head(doc)
    _title(body)
    _body(body)
    _signature(doc)
    _appendix_indicators(doc, body)
    _appendix_duties(doc, body)
    _appendix_tables(doc, body)
    core = doc.core_properties
    core.title = "Báo cáo kết quả thực hiện kế hoạch"
    core.author = "dutyflow"
    core.language = "vi-VN"
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
