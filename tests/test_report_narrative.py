"""The office's sections II–IV: read from an edited DOCX or from text, and put into a freshly
rendered report in place of the generated ones, the figures, closing and appendices untouched."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from dutyflow.report.build import build_from_input
from dutyflow.report.narrative import NarrativeError, NarrativeParagraph, read_docx, read_text
from tests.test_report_docx import fixed_input

OFFICE_TEXT = """II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ
  Văn phòng đã rà soát,   tổng hợp báo cáo của các đơn vị & xã <A>.

III. TỒN TẠI, HẠN CHẾ
Một số xã gửi báo cáo chậm.
IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026
Tiếp tục đôn đốc các đơn vị."""


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_text_becomes_paragraphs_with_the_roman_numbered_lines_as_section_headings() -> None:
    narrative = read_text(OFFICE_TEXT)
    assert [(p.level, p.text) for p in narrative] == [
        ("section", "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ"),
        ("body", "Văn phòng đã rà soát, tổng hợp báo cáo của các đơn vị & xã <A>."),
        ("section", "III. TỒN TẠI, HẠN CHẾ"),
        ("body", "Một số xã gửi báo cáo chậm."),
        ("section", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026"),
        ("body", "Tiếp tục đôn đốc các đơn vị."),
    ]
    assert [NarrativeParagraph.from_stored(p.stored()) for p in narrative] == narrative


def test_the_office_text_replaces_sections_two_to_four_and_nothing_else(tmp_path: Path) -> None:
    generated = build_from_input(fixed_input(), tmp_path / "generated", final=True, pdf=False)
    before = paragraphs(generated.docx)
    edited = build_from_input(
        fixed_input(), tmp_path / "edited", final=True, pdf=False, narrative=read_text(OFFICE_TEXT)
    )
    after = paragraphs(edited.docx)
    start = before.index("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ")
    closing = next(i for i, text in enumerate(before) if text.startswith("Trên đây là báo cáo"))
    assert closing - start > 6  # the generated sections had more than the office's six paragraphs
    assert after[:start] == before[:start]  # heading, section I and its figures
    assert after[start : start + 6] == [p.text for p in read_text(OFFICE_TEXT)]
    assert after[start + 6 :] == before[closing:]  # closing, signature, appendices
    # a section heading takes the template's heading format, the text the body's (the closing's)
    old, new = Document(str(generated.docx)).paragraphs, Document(str(edited.docx)).paragraphs
    assert new[start].style.name == old[start].style.name != old[closing].style.name
    assert new[start + 1].style.name == old[closing].style.name


def test_an_edited_report_gives_back_its_sections_two_to_four(tmp_path: Path) -> None:
    generated = build_from_input(fixed_input(), tmp_path, final=True, pdf=False)
    narrative = read_docx(generated.docx.read_bytes(), generated.docx.name)
    texts = paragraphs(generated.docx)
    start = texts.index("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ")
    closing = next(i for i, text in enumerate(texts) if text.startswith("Trên đây là báo cáo"))
    assert [p.text for p in narrative] == [" ".join(t.split()) for t in texts[start:closing] if t.strip()]
    levels = {p.text: p.level for p in narrative}
    assert levels["III. TỒN TẠI, HẠN CHẾ"] == "section"
    assert levels["1. Về thực hiện chế độ báo cáo"] == "heading"  # bold in the template


def test_a_file_holding_only_the_sections_is_read_whole() -> None:
    document = Document()
    document.add_paragraph("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ")
    document.add_paragraph("")
    document.add_paragraph("Nội dung mới.")
    data = io.BytesIO()
    document.save(data)
    assert [p.text for p in read_docx(data.getvalue(), "phan-2-4.docx")] == [
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ",
        "Nội dung mới.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a word file", "Tệp sua.docx không phải là tệp Word (.docx) đọc được."),
        (b"PK\x03\x04broken", "Tệp sua.docx không phải là tệp Word (.docx) đọc được."),
    ],
)
def test_a_file_that_is_not_a_docx_is_refused_naming_it(data: bytes, message: str) -> None:
    with pytest.raises(NarrativeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_docx(data, "sua.docx")


def test_an_empty_edit_is_refused() -> None:
    empty = io.BytesIO()
    Document().save(empty)
    with pytest.raises(NarrativeError, match="không có đoạn văn nào"):
        read_docx(empty.getvalue(), "trong.docx")
    with pytest.raises(NarrativeError, match="Nội dung chỉnh sửa trống"):
        read_text(" \n\n ")
