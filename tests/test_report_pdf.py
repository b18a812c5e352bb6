"""The report as a PDF, through LibreOffice: it exists and its first page renders.

Needs `soffice` (libreoffice-writer-nogui) and `pdftoppm` (poppler-utils): skipped without them on
a developer's machine, failed without them in CI (tests/ci.py).
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from dutyflow.report import pdf as pdf_module
from dutyflow.report.build import ReportFiles, build_from_input
from dutyflow.report.context import template_context
from dutyflow.report.data import ReportInput, report_context
from dutyflow.report.docx import CELL_MARGINS, FIGURE, text_width
from dutyflow.report.pdf import PdfUnavailable, convert_to_pdf
from tests.ci import unavailable
from tests.test_report_docx import fixed_input

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        unavailable(f"{tool} is not installed")
    return path


def test_the_pdf_exists_and_its_first_page_renders(final_report: ReportFiles, tmp_path: Path) -> None:
    """On the session's final report (tests/reports.py); a draft's PDF is made in tests/test_flows.py."""
    pdftoppm = require("pdftoppm")
    pdf = final_report.pdf
    assert pdf is not None and pdf.is_file()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page1")],
        check=True,
        timeout=60,
    )
    page = tmp_path / "page1.png"
    assert page.read_bytes()[:8] == PNG_MAGIC
    assert page.stat().st_size > 5_000  # a blank page compresses to far less


def test_the_pdf_keeps_the_vietnamese_text(final_report: ReportFiles) -> None:
    pdftotext = require("pdftotext")
    assert final_report.pdf is not None
    first = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-layout", str(final_report.pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO"):
        assert line in first
    assert "Trùng Khánh, ngày 24 tháng 11 năm 2025" in " ".join(first.split())
    assert "DỰ THẢO" not in first


def test_without_libreoffice_the_error_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(b"")
    with pytest.raises(PdfUnavailable, match="libreoffice-writer-nogui"):
        convert_to_pdf(source, tmp_path)


def test_without_libreoffice_the_other_files_are_still_built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    files = build_from_input(fixed_input(), tmp_path, final=False, pdf=True)
    assert files.pdf is None
    assert files.docx.is_file() and files.html.is_file()
    assert any("libreoffice-writer-nogui" in note for note in files.notes)


def test_no_figure_wraps_inside_a_table_cell(tmp_path: Path) -> None:
    """Large rates ("123.456,7/100.000") and money totals stay on one line of their cell."""
    require("soffice")
    pdftotext = require("pdftotext")
    report_input = wide_figures()
    files = build_from_input(report_input, tmp_path, final=True, pdf=True)
    assert files.pdf is not None
    layout = subprocess.run(
        [pdftotext, "-layout", str(files.pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    context = template_context(report_context(report_input, final=True))
    figures = {r["value"] for g in context["indicator_groups"] for r in g["rows"] if r["value"][:1].isdigit()}
    figures |= {cell for table in context["tables"] for row in table["rows"] for cell in row["cells"]}
    assert "123.456,7/100.000" in figures
    appendices = layout[layout.index("Nơi nhận:") :]  # the body quotes the same figures in sentences
    words = set(appendices.split())
    assert not sorted(f for f in figures if f not in words)


def wide_figures() -> ReportInput:
    """The fixed data set with figures as wide as a district's may get."""
    report_input = fixed_input()
    sums = dict(report_input.indicator_sums)
    for code, (numerator, denominator) in {"CT14": (1234567, 1000000), "CT16": (48783, 1000000)}.items():
        sums[code] = dataclasses.replace(sums[code], numerator=Decimal(numerator), denominator=Decimal(denominator))
    tables = dict(report_input.tables)
    pl4 = dict(tables["PL4"].cells)
    pl4[("ngan_sach_trung_uong", "ke_hoach")] = Decimal("987654321.5")
    tables["PL4"] = dataclasses.replace(tables["PL4"], cells=pl4)
    return dataclasses.replace(report_input, indicator_sums=sums, tables=tables)


def test_every_word_of_a_data_table_fits_its_column(tmp_path: Path) -> None:
    """The same, checked on the DOCX with the tables' font metrics (no LibreOffice needed)."""
    assert all(FIGURE.match(f) for f in ("1.234,5", "90%", "9,5‰", "4.878,3/100.000", "20/21", "-3"))
    files = build_from_input(wide_figures(), tmp_path, final=True, pdf=False)
    tables = [t for t in Document(str(files.docx)).tables if t.style is not None and t.style.name == "Table Grid"]
    assert len(tables) >= 4
    too_wide = []
    for table in tables:
        widths = [int(c.w) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        for tr in table._tbl.tr_lst:
            start = 0
            for tc in tr.tc_lst:
                width = sum(widths[start : start + tc.grid_span])
                for word in "".join(n.text or "" for n in tc.iter(qn("w:t"))).split():
                    if FIGURE.match(word) and text_width(word) + CELL_MARGINS > width:
                        too_wide.append(word)
                start += tc.grid_span
    assert not too_wide
