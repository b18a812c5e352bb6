"""A corpus of bad uploads, each made here from a good workbook (or from nothing), each refused
with its own precise message; and a good upload read into the right values.

Documents handed in beside the forms (.docx, .pdf) and the content sniffer are judged on the
same kind of corpus at the end."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import docx
import openpyxl
import pytest

from dutyflow.forms import FormTarget, Value, build_workbook, check_document, parse_workbook, sniff
from dutyflow.forms.layout import form_layout
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan

PERIOD = "6 tháng đầu năm 2025"
MB = 1024 * 1024
CFB = bytes.fromhex("D0CF11E0A1B11AE1")


@cache
def bundled() -> Plan:
    return load_plan(BUNDLED_PLAN)


def target(unit: str = "xa-ngoc-khe", period: str = "2025", label: str = PERIOD) -> FormTarget:
    return FormTarget(bundled(), unit, "bao-cao-6-thang", period, label)


def fill(data: bytes, tgt: FormTarget) -> bytes:
    """A workbook filled the way a careful commune officer would: numbers as numbers."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for form in ("PL1", "PL2", "PL3", "PL4"):
        layout = form_layout(tgt, form)
        denominators = {cell.element for cell in layout.inputs if cell.column == "denominator"}
        sheet = workbook[layout.sheet]
        for cell in layout.inputs:
            if cell.kind == "integer" and cell.element is not None:
                sheet[cell.address] = 1000 if cell.element in denominators else 10
            elif cell.kind == "integer":
                sheet[cell.address] = 5
            elif cell.kind == "decimal":
                sheet[cell.address] = 1234.5
            elif cell.kind == "choice":
                sheet[cell.address] = "Đang thực hiện"
            else:
                sheet[cell.address] = "Đã tổ chức tuyên truyền tại 12 thôn."
    return save(workbook)


def save(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@cache
def good() -> bytes:
    return fill(build_workbook(target()), target())


def edit(change: Callable[[Any], None]) -> Callable[[], bytes]:
    """A bad file: the good workbook changed through openpyxl."""

    def make() -> bytes:
        workbook = openpyxl.load_workbook(io.BytesIO(good()))
        change(workbook)
        return save(workbook)

    return make


def cells(sheet: str, **values: Any) -> Callable[[], bytes]:
    def change(workbook: Any) -> None:
        for address, value in values.items():
            workbook[sheet][address] = value

    return edit(change)


def rezip(
    drop: tuple[str, ...] = (), add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None
) -> Callable[[], bytes]:
    """A bad file: the good workbook changed at the zip level."""

    def make() -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
            for info in source.infolist():
                if info.filename not in drop:
                    copy.writestr(info.filename, (replace or {}).get(info.filename, source.read(info)))
            for name, body in (add or {}).items():
                copy.writestr(name, body)
        return out.getvalue()

    return make


def password_protected(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """The file as a password-protecting archiver leaves it: every member flagged encrypted (bit 0 of
    the general purpose flags, in the local headers and the central directory)."""

    def encrypt() -> bytes:
        data = bytearray(make())
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            offsets = [info.header_offset for info in archive.infolist()]
        for offset in offsets:
            data[offset + 6] |= 0x1
        start = 0
        while (start := data.find(b"PK\x01\x02", start)) != -1:
            data[start + 8] |= 0x1
            start += 4
        return bytes(data)

    return encrypt


def zeros_member(name: str, megabytes: int) -> Callable[[], bytes]:
    """The good workbook plus a member of `megabytes` of zeros, which packs to almost nothing."""

    def make() -> bytes:
        out = io.BytesIO(good())
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as handle:
            chunk = bytes(MB)
            for _ in range(megabytes):
                handle.write(chunk)
        return out.getvalue()

    return make


def noise_member(megabytes: float) -> Callable[[], bytes]:
    """The good workbook made oversized by a member that does not compress."""

    def make() -> bytes:
        noise = random.Random(7).randbytes(int(megabytes * MB))
        return rezip(add={"xl/media/image1.png": noise})()

    return make


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Kế hoạch triển khai thực hiện công tác trẻ em năm 2025 của xã Ngọc Khê.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def hidden(**values: str) -> Callable[[], bytes]:
    return cells("_dutyflow", **values)


def drop_identification(workbook: Any) -> None:
    del workbook["_dutyflow"]


def rename_phu_luc_ii(workbook: Any) -> None:
    workbook["Phụ lục II"].title = "PL2"


def doctype(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("xl/workbook.xml")
    head, _, rest = body.partition(b"?>")
    return head + b'?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' + rest


@dataclass(frozen=True)
class Bad:
    make: Callable[[], bytes]
    sheet: str
    cell: str | None
    words: tuple[str, ...]


CORPUS: dict[str, Bad] = {
    # ------------------------------------------------------------ identification
    "wrong template (other plan)": Bad(
        hidden(B2="ha-quang-2025"), "", None, ("kế hoạch «ha-quang-2025»", "kế hoạch «trung-khanh-2025»")
    ),
    "another unit's workbook": Bad(
        lambda: fill(build_workbook(target("xa-cao-thang")), target("xa-cao-thang")),
        "",
        None,
        ("đơn vị «UBND xã Cao Thăng»", "nộp cho đơn vị «UBND xã Ngọc Khê»"),
    ),
    "another period's workbook": Bad(
        lambda: fill(build_workbook(target(period="2024", label="6 tháng đầu năm 2024")), target()),
        "",
        None,
        ("kỳ «6 tháng đầu năm 2024»", "nộp cho kỳ «6 tháng đầu năm 2025»"),
    ),
    "another deliverable": Bad(
        hidden(B4="bao-cao-nam"),
        "",
        None,
        ("«Báo cáo kết quả thực hiện năm 2025»", "nộp cho «Báo cáo kết quả thực hiện 06 tháng»"),
    ),
    "old template version": Bad(hidden(C1="0"), "", None, ("phiên bản mẫu 0", "phiên bản hiện hành 1")),
    "old version of one form": Bad(hidden(C9="0"), "Phụ lục III", None, ("phiên bản 0", "phiên bản hiện hành 1")),
    "rows changed since the template": Bad(hidden(D7="0" * 16), "Phụ lục I", None, ("không còn khớp", "mẫu mới")),
    "identification sheet removed": Bad(edit(drop_identification), "", None, ("không phải mẫu biểu",)),
    "sheet renamed": Bad(edit(rename_phu_luc_ii), "Phụ lục II", None, ("không tìm thấy trang «Phụ lục II»",)),
    # ------------------------------------------------------------ cell values
    "text in a number cell": Bad(cells("Phụ lục III", C12="mười"), "Phụ lục III", "C12", ("số nguyên", "«mười»")),
    "negative count": Bad(cells("Phụ lục III", E16=-2), "Phụ lục III", "E16", ("số âm", "«-2»")),
    "decimal in a count cell": Bad(cells("Phụ lục I", G13=3.5), "Phụ lục I", "G13", ("phần thập phân", "«3,5»")),
    "numerator above denominator": Bad(
        cells("Phụ lục I", G12=1001), "Phụ lục I", "G12", ("tử số (1.001)", "mẫu số (1.000, ô I12)", "100%")
    ),
    "denominator 0 under a numerator": Bad(
        cells("Phụ lục I", G22=5, I22=0), "Phụ lục I", "I22", ("mẫu số bằng 0", "tử số là 5 (ô G22)")
    ),
    "empty required figure": Bad(cells("Phụ lục I", I13=None), "Phụ lục I", "I13", ("để trống", "ghi 0")),
    "empty table cell": Bad(cells("Phụ lục IV", D15=None), "Phụ lục IV", "D15", ("để trống",)),
    "helped above children in special circumstances": Bad(
        cells("Phụ lục III", C13=9),
        "Phụ lục III",
        "C13",
        ("được chăm sóc, trợ giúp không được lớn hơn", "(ô C13: 9; ô C12: 5)"),
    ),
    "one data element, two values": Bad(
        cells("Phụ lục I", I15=999), "Phụ lục I", "I15", ("ghi 999 ở ô này", "ghi 1.000 ở ô G14")
    ),
    "invalid status": Bad(cells("Phụ lục II", D12="Hoàn thành"), "Phụ lục II", "D12", ("«Hoàn thành»", "không hợp lệ")),
    "empty status": Bad(cells("Phụ lục II", D20=None), "Phụ lục II", "D20", ("chưa chọn tình trạng",)),
    "narrative too long": Bad(cells("Phụ lục II", E13="a" * 4001), "Phụ lục II", "E13", ("4001 ký tự", "4000")),
    "money with three decimals": Bad(
        cells("Phụ lục IV", C13=1.125), "Phụ lục IV", "C13", ("tối đa 2 chữ số thập phân", "«1,125»")
    ),
    "negative money": Bad(cells("Phụ lục IV", C14=-100), "Phụ lục IV", "C14", ("không được âm", "«-100»")),
    "a date in a number cell": Bad(
        cells("Phụ lục III", D12=dt.date(2025, 5, 1)),
        "Phụ lục III",
        "D12",
        ("«01/05/2025»",),
    ),
    # ------------------------------------------------------------ the file itself
    "empty file": Bad(lambda: b"", "", None, ("rỗng",)),
    "truncated zip": Bad(lambda: good()[: len(good()) // 2], "", None, ("bị hỏng", "chưa trọn vẹn")),
    "oversized file": Bad(noise_member(5.2), "", None, ("vượt quá giới hạn 5 MB",)),
    ".xlsm with a vbaProject.bin": Bad(rezip(add={"xl/vbaProject.bin": b"\x00" * 64}), "", None, ("macro", ".xlsm")),
    "macro-enabled content type": Bad(
        rezip(
            replace={
                "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                b'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                b'vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
            }
        ),
        "",
        None,
        ("macro",),
    ),
    "renamed .docx": Bad(docx_bytes, "", None, ("Word (.docx)", "đổi tên")),
    "renamed PDF": Bad(lambda: PDF, "", None, ("PDF", "không phải bảng tính")),
    "OLE/CFB header (encrypted or .xls)": Bad(lambda: CFB + bytes(504), "", None, ("mật khẩu", ".xls")),
    "password-protected zip": Bad(password_protected(good), "", None, ("mã hóa", "gỡ mật khẩu")),
    "zip bomb": Bad(zeros_member("xl/worksheets/sheet9.xml", 100), "", None, ("giải nén", "vượt quá giới hạn 50 MB")),
    "over-compressed member": Bad(zeros_member("xl/media/zeros.bin", 20), "", None, ("«xl/media/zeros.bin»", "tỷ lệ")),
    "zip without [Content_Types].xml": Bad(rezip(drop=("[Content_Types].xml",)), "", None, ("[Content_Types].xml",)),
    "XML entity declarations": Bad(
        lambda: rezip(replace={"xl/workbook.xml": doctype(good())})(), "", None, ("DOCTYPE", "«xl/workbook.xml»")
    ),
    "an executable": Bad(lambda: b"MZ\x90\x00" + bytes(200), "", None, ("không phải bảng tính Excel",)),
    "a CSV export": Bad(lambda: "Mã,Số liệu\nCT01,12\n".encode(), "", None, ("không phải bảng tính Excel",)),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_it_refuses_each_bad_file_with_its_own_precise_message(name: str) -> None:
    bad = CORPUS[name]
    result = parse_workbook(bad.make(), target())
    assert not result.ok
    assert len(result.problems) == 1, [str(p) for p in result.problems]
    (problem,) = result.problems
    assert (problem.sheet, problem.cell) == (bad.sheet, bad.cell), str(problem)
    for word in bad.words:
        assert word in problem.message, (word, problem.message)


def test_it_holds_at_least_25_bad_files() -> None:
    assert len(CORPUS) >= 25


def test_it_respects_a_smaller_size_limit() -> None:
    (problem,) = parse_workbook(good(), target(), max_bytes=1024).problems
    assert problem.message.startswith("Tệp có dung lượng") and "giới hạn 1 KB" in problem.message


def test_it_refuses_everything_from_another_template_without_reading_figures() -> None:
    data = cells("_dutyflow", B3="xa-cao-thang", B5="2024", B6="năm 2024")()
    messages = [str(p) for p in parse_workbook(data, target()).problems]
    assert messages == [
        "Tệp là mẫu biểu của đơn vị «UBND xã Cao Thăng», nhưng đang nộp cho đơn vị «UBND xã Ngọc Khê».",
        "Tệp là mẫu biểu của kỳ «năm 2024», nhưng đang nộp cho kỳ «6 tháng đầu năm 2025».",
    ]


def test_it_reads_a_good_workbook_into_the_right_values() -> None:
    result = parse_workbook(good(), target())
    assert result.ok, [str(p) for p in result.problems]
    values = result.values
    pl1 = [v for v in values if v.form == "PL1"]
    assert len(pl1) == len({cell.element for cell in form_layout(target(), "PL1").inputs})
    assert Value("PL1", "tong_so_tre_em", "value", Decimal(1000), None) in pl1
    assert Value("PL1", "xa_phu_hop_voi_tre_em", "value", Decimal(10), None) in pl1
    assert Value("PL2", "V.7.3", "status", None, "Đang thực hiện") in values
    assert Value("PL2", "V.7.3", "narrative", None, "Đã tổ chức tuyên truyền tại 12 thôn.") in values
    assert len([v for v in values if v.form == "PL2"]) == 2 * 18
    assert Value("PL3", "tre_lao_dong", "nu_16_17", Decimal(5), None) in values
    assert len([v for v in values if v.form == "PL3"]) == 64
    assert Value("PL4", "khac", "thuc_hien", Decimal("1234.5"), None) in values
    assert len([v for v in values if v.form == "PL4"]) == 12


def test_it_reads_figures_typed_as_vietnamese_text_in_a_workbook() -> None:
    data = cells("Phụ lục IV", C12="1.234,5", D12="2.000")()
    result = parse_workbook(data, target())
    assert result.ok
    assert Value("PL4", "ngan_sach_dia_phuong", "ke_hoach", Decimal("1234.5"), None) in result.values
    assert Value("PL4", "ngan_sach_trung_uong", "thuc_hien", Decimal(2000), None) in result.values


def test_it_ignores_what_lies_outside_the_input_cells() -> None:
    def scribble(workbook: Any) -> None:
        workbook["Phụ lục III"]["Z500"] = "ghi chú"
        workbook["Phụ lục III"]["A1"] = "đã sửa tiêu đề"

    assert parse_workbook(edit(scribble)(), target()).ok


def test_it_reads_a_freshly_built_workbook_as_entirely_empty() -> None:
    result = parse_workbook(build_workbook(target()), target())
    inputs = sum(1 for form in ("PL1", "PL2", "PL3", "PL4") for c in form_layout(target(), form).inputs if c.required)
    assert len(result.problems) == inputs
    assert all("để trống" in p.message or "chưa chọn" in p.message for p in result.problems)


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (good, "xlsx"),
        (rezip(add={"xl/vbaProject.bin": b"\x00"}), "xlsm"),
        (docx_bytes, "docx"),
        (lambda: PDF, "pdf"),
        (lambda: CFB + bytes(504), "ole"),
        (rezip(drop=("[Content_Types].xml",)), "zip"),
        (lambda: good()[:2000], "zip"),
        (password_protected(good), "xlsx"),  # by its member names; opening it is refused
        (lambda: b"MZ\x90\x00", "unknown"),
        (lambda: b"", "unknown"),
    ],
)
def test_it_sniffs_what_a_file_is_from_its_content(make: Callable[[], bytes], kind: str) -> None:
    assert sniff(make()) == kind


# --------------------------------------------------------------------------- documents


def test_it_accepts_a_real_docx_and_a_real_pdf_whatever_their_names() -> None:
    assert check_document(docx_bytes(), "ke-hoach.docx") == []
    assert check_document(PDF, "bao-cao.pdf") == []
    assert check_document(PDF + b"\r\n", "bao-cao") == []
    assert check_document(docx_bytes(), "ke-hoach.pdf") == []


def document_problem(data: bytes, filename: str, **limits: int) -> str:
    (problem,) = check_document(data, filename, **limits)
    assert problem.sheet == filename and problem.cell is None
    return str(problem)


def docx_with(add: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))
        for name, body in add.items():
            copy.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "filename", "expected"),
    [
        (lambda: b"MZ\x90\x00" + bytes(100), "bao-cao.pdf", "bao-cao.pdf: tệp là một chương trình máy tính"),
        (good, "ke-hoach.docx", "ke-hoach.docx: tệp là bảng tính Excel"),
        (lambda: b"", "trong.pdf", "trong.pdf: tệp rỗng (0 byte)."),
        (lambda: PDF + bytes(2 * MB), "lon.pdf", "lon.pdf: tệp có dung lượng 2 MB, vượt quá giới hạn 1 MB."),
        (lambda: PDF[:-7] + bytes(2000), "cut.pdf", "cut.pdf: tệp PDF không hoàn chỉnh"),
        (lambda: CFB + bytes(504), "cu.doc", "cu.doc: tệp là văn bản Word cũ (.doc)"),
        (lambda: docx_with({"word/vbaProject.bin": b"\x00"}), "m.docx", "m.docx: tệp có chứa macro (.docm)"),
        (lambda: docx_with({"word/media/zeros.bin": bytes(60 * MB)}), "bom.docx", "bom.docx: Nội dung giải nén"),
        (rezip(drop=("xl/workbook.xml",)), "x.docx", "x.docx: tệp nén không phải văn bản Word"),
        (password_protected(docx_bytes), "mk.docx", "mk.docx: Tệp có thành phần được mã hóa"),
        (lambda: b"Xin ch\xc3\xa0o", "note.docx", "note.docx: nội dung tệp không phải văn bản Word"),
    ],
)
def test_it_refuses_a_document_by_its_content(make: Callable[[], bytes], filename: str, expected: str) -> None:
    assert document_problem(make(), filename, max_bytes=MB).startswith(expected)


def test_it_quotes_a_hostile_file_name_harmlessly() -> None:
    (problem,) = check_document(b"", "a\r\nBcc: x@y.example" + "x" * 100)
    assert "\n" not in str(problem) and len(problem.sheet) <= 40
    (nameless,) = check_document(b"", "")
    assert nameless.sheet == "(tệp không tên)"
