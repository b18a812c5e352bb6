"""The report a chairman reads: its body summarises by duty and stays short whatever the number of
units; each unit's own words are in the appendix or the attached spreadsheet (decisions.md, "A
report a chairman reads"). The province's 3,321 units are measured by bench/bench_report_pages.py."""

from __future__ import annotations

from pathlib import Path

from bench.pages import pages_of
from dutyflow.report.context import clip, names_list
from tests.ci import unavailable
from tests.test_report_docx import build


def test_the_district_reports_body_is_under_15_pages(tmp_path: Path) -> None:
    """The bundled district plan, its 30 units answering on every duty they hold: the body (up to
    the first appendix) is under 15 pages of the PDF."""
    files = build(tmp_path, final=True, pdf=True)
    if files.pdf is None:
        unavailable("LibreOffice is needed to measure the report's pages")
    assert files.pdf is not None
    pages = pages_of(files.pdf)
    assert 0 < pages.body < 15 < pages.total, pages


def test_a_long_list_of_names_is_cut_and_says_how_many_are_left() -> None:
    names = [f"Xã {n}" for n in range(1, 13)]
    assert names_list(names[:3], 3) == "Xã 1, Xã 2, Xã 3"
    assert names_list(names, 3) == "Xã 1, Xã 2, Xã 3 và 9 đơn vị khác"


def test_a_quoted_paragraph_stops_at_a_whole_word() -> None:
    text = "Tổ chức tuyên truyền " * 30
    clipped = clip(text.strip(), 60)
    assert clipped.endswith(" …") and len(clipped) <= 62
    assert text.startswith(clipped.removesuffix(" …"))
    assert clip("Ngắn gọn.", 60) == "Ngắn gọn."
