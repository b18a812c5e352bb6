"""The one validation path: every rule at its boundary, Vietnamese number styles, and the same
messages whether entries come from the portal's web form or from an uploaded workbook."""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from dutyflow.forms import (
    FormResult,
    FormTarget,
    Problem,
    Value,
    build_workbook,
    parse_workbook,
    validate_entries,
    web_fields,
)
from dutyflow.forms.layout import form_layout
from dutyflow.forms.validate import Entry
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import FormRow, FormRule, Plan, load_plan

PERIOD = "6 tháng đầu năm 2025"


@cache
def bundled() -> Plan:
    return load_plan(BUNDLED_PLAN)


def commune() -> FormTarget:
    return FormTarget(bundled(), "xa-ngoc-khe", "bao-cao-6-thang", "2025", PERIOD)


def good_entries(target: FormTarget, form: str) -> dict[str, Entry]:
    """Valid entries: every data element that is ever a denominator is 1000, the others 10."""
    layout = form_layout(target, form)
    denominators = {cell.element for cell in layout.inputs if cell.column == "denominator"}
    entries: dict[str, Entry] = {}
    for cell in layout.inputs:
        if cell.kind == "integer" and cell.element is not None:
            entries[cell.address] = "1.000" if cell.element in denominators else "10"
        elif cell.kind == "integer":
            entries[cell.address] = "5"
        elif cell.kind == "decimal":
            entries[cell.address] = "1.234,5"
        elif cell.kind == "choice":
            entries[cell.address] = "Đã hoàn thành"
        else:
            entries[cell.address] = "Đã triển khai tại 12 thôn, bản."
    return entries


def check(form: str, **changes: Entry) -> FormResult:
    entries = good_entries(commune(), form)
    entries.update(changes)
    return validate_entries(commune(), form, entries)


def messages(result: FormResult) -> list[str]:
    return [str(problem) for problem in result.problems]


def number_at(result: FormResult, row: str, column: str) -> Decimal | None:
    return next(v.number for v in result.values if (v.row, v.column) == (row, column))


# --------------------------------------------------------------------------- a good form


@pytest.mark.parametrize("form", ["PL1", "PL2", "PL3", "PL4"])
def test_it_accepts_a_fully_and_correctly_filled_form(form: str) -> None:
    result = check(form)
    assert result.ok, messages(result)


def test_it_stores_phu_luc_i_once_per_data_element() -> None:
    result = check("PL1")
    assert all(v.form == "PL1" and v.column == "value" and v.text is None for v in result.values)
    rows = [v.row for v in result.values]
    assert len(rows) == len(set(rows))
    assert Value("PL1", "tong_so_tre_em", "value", Decimal(1000), None) in result.values
    assert Value("PL1", "tre_hcdb", "value", Decimal(1000), None) in result.values
    assert Value("PL1", "so_cuoc_tao_hon", "value", Decimal(10), None) in result.values


def test_it_stores_phu_luc_ii_as_status_and_narrative_text() -> None:
    result = check("PL2", E13="")
    assert Value("PL2", "II.1", "status", None, "Đã hoàn thành") in result.values
    assert Value("PL2", "II.1", "narrative", None, "Đã triển khai tại 12 thôn, bản.") in result.values
    assert not [v for v in result.values if v.row == "II.2" and v.column == "narrative"]


def test_it_refuses_a_narrative_holding_a_nul_byte_naming_its_cell() -> None:
    result = check("PL2", E13="Đã triển khai\x00 tại 12 thôn")
    assert [(p.sheet, p.cell) for p in result.problems] == [("Phụ lục II", "E13")]
    assert "ký tự NUL" in result.problems[0].message
    assert not [v for v in result.values if v.text is not None and "\x00" in v.text]


def test_it_stores_tables_by_row_and_column_code() -> None:
    result = check("PL4", D17="0")
    assert Value("PL4", "ngan_sach_trung_uong", "ke_hoach", Decimal("1234.5"), None) in result.values
    assert number_at(result, "khac", "thuc_hien") == 0
    assert len(result.values) == 12


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234", 1234),
        ("1.234.567", 1234567),
        ("1 234", 1234),
        ("12", 12),
        (" 42 ", 42),
        ("0", 0),
        ("-0", 0),
        ("12,0", 12),
        ("+7", 7),
        (1234, 1234),
        (12.0, 12),
        (Decimal("7"), 7),
        ("999999999999999", 999999999999999),
    ],
)
def test_it_reads_counts_written_the_vietnamese_way(raw: Entry, expected: int) -> None:
    result = check("PL3", C19=raw)  # row 19 (child labour) takes part in no rule
    assert result.ok, messages(result)
    assert number_at(result, "tre_lao_dong", "nam_0_5") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12,5", "12.5"),
        ("1.234,56", "1234.56"),
        ("0,01", "0.01"),
        ("12.5", "12.5"),
        ("0.500", "0.5"),
        ("1.234", "1234"),
        (12.25, "12.25"),
        ("12,50", "12.5"),
    ],
)
def test_it_reads_money_written_the_vietnamese_way(raw: Entry, expected: str) -> None:
    result = check("PL4", C12=raw)
    assert result.ok, messages(result)
    assert number_at(result, "ngan_sach_trung_uong", "ke_hoach") == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "12a", "1,2,3", "--1", "1.23.4", "12 a", "1e5", "NaN", "TRUE"])
def test_it_refuses_text_in_a_count_cell(raw: str) -> None:
    assert messages(check("PL3", C12=raw)) == [f"Phụ lục III, ô C12: cần một số nguyên không âm; đã nhận «{raw}»"]


def test_it_accepts_zero_but_not_minus_one_in_a_count_cell() -> None:
    assert check("PL3", D19="0").ok
    assert messages(check("PL3", D19="-1")) == [
        "Phụ lục III, ô D19: cần một số nguyên không âm, không được là số âm; đã nhận «-1»"
    ]


@pytest.mark.parametrize(("raw", "shown"), [("12,5", "12,5"), (12.5, "12,5"), ("0,1", "0,1")])
def test_it_refuses_a_decimal_in_a_count_cell(raw: Entry, shown: str) -> None:
    assert messages(check("PL3", E12=raw)) == [
        f"Phụ lục III, ô E12: cần một số nguyên không âm, không có phần thập phân; đã nhận «{shown}»"
    ]


def test_it_refuses_money_below_zero_and_beyond_two_decimals() -> None:
    assert check("PL4", C12="0").ok
    assert messages(check("PL4", C12="-0,01")) == ["Phụ lục IV, ô C12: số tiền không được âm; đã nhận «-0,01»"]
    assert messages(check("PL4", C12="0,001")) == [
        "Phụ lục IV, ô C12: số tiền có tối đa 2 chữ số thập phân; đã nhận «0,001»"
    ]
    assert messages(check("PL4", C12="mười triệu")) == [
        "Phụ lục IV, ô C12: cần một số tiền không âm (ví dụ 1.250 hoặc 1.250,5); đã nhận «mười triệu»"
    ]


def test_it_refuses_a_figure_of_sixteen_digits() -> None:
    assert messages(check("PL3", C12="1000000000000000")) == [
        "Phụ lục III, ô C12: số quá lớn (tối đa 15 chữ số trước dấu phẩy); đã nhận «1000000000000000»"
    ]


def test_it_quotes_long_or_odd_values_shortly() -> None:
    (message,) = messages(check("PL3", C12="x" * 200 + "\x07"))
    assert message.endswith("«" + "x" * 39 + "…»")


# --------------------------------------------------------------------------- required cells


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_it_names_each_empty_required_cell_and_never_assumes_zero(raw: Entry) -> None:
    assert messages(check("PL1", I12=raw)) == [
        "Phụ lục I, ô I12: ô bắt buộc đang để trống; ô trống không được hiểu là 0: nếu không có số liệu, ghi 0"
    ]
    assert messages(check("PL3", J19=raw)) == [
        "Phụ lục III, ô J19: ô bắt buộc đang để trống; ô trống không được hiểu là 0: nếu không có số liệu, ghi 0"
    ]


def test_it_names_a_missing_entry_as_empty() -> None:
    entries = good_entries(commune(), "PL4")
    del entries["D17"]
    assert [p.cell for p in validate_entries(commune(), "PL4", entries).problems] == ["D17"]


# --------------------------------------------------------------------------- rates


def test_it_accepts_a_numerator_equal_to_its_denominator_for_a_percent() -> None:
    assert check("PL1", G12="1.000", I12="1.000").ok


def test_it_refuses_a_numerator_above_its_denominator_for_a_percent() -> None:
    assert messages(check("PL1", G12="1.001", I12="1.000")) == [
        "Phụ lục I, ô G12: tử số (1.001) lớn hơn mẫu số (1.000, ô I12): tỷ lệ «Tỷ lệ xã, thị trấn đạt "
        "tiêu chuẩn phù hợp với trẻ em» sẽ vượt quá 100%"
    ]


def test_it_lets_a_rate_per_100000_exceed_its_denominator() -> None:
    # CT16, injuries per 100,000 children: a count above the number of children is odd but not a percent.
    assert check("PL1", G18="2.000").ok


def test_it_accepts_nothing_over_nothing() -> None:
    # CT20 (row 22): births registered among children under 5; both data elements appear only there.
    assert check("PL1", G22="0", I22="0").ok


def test_it_refuses_a_zero_denominator_under_a_positive_numerator() -> None:
    assert messages(check("PL1", G22="1", I22="0")) == [
        "Phụ lục I, ô I22: mẫu số bằng 0 trong khi tử số là 1 (ô G22): không tính được «Tỷ lệ trẻ em dưới 5 "
        "tuổi được đăng ký khai sinh»"
    ]


def test_it_refuses_one_data_element_with_two_values_naming_both_cells() -> None:
    # tre_hcdb is the numerator of CT12 (G14) and the denominator of CT13 (I15).
    result = check("PL1", I15="999")
    assert messages(result) == [
        "Phụ lục I, ô I15: «Số trẻ em có hoàn cảnh đặc biệt» ghi 999 ở ô này nhưng ghi 1.000 ở ô G14; cùng "
        "một số liệu phải ghi giống nhau"
    ]
    assert not [v for v in result.values if v.row == "tre_hcdb"]


def test_it_compares_a_repeated_data_element_by_value_not_by_spelling() -> None:
    result = check("PL1", G14="1000", I15=1000.0)
    assert result.ok, messages(result)


# --------------------------------------------------------------------------- rules of a form


def test_it_applies_a_forms_rule_in_every_column() -> None:
    # PL3: "được chăm sóc, trợ giúp" (row 13) <= "trẻ em có hoàn cảnh đặc biệt" (row 12).
    assert check("PL3", C13="5", C12="5").ok
    assert messages(check("PL3", D13="6")) == [
        "Phụ lục III, ô D13: Số trẻ em có hoàn cảnh đặc biệt được chăm sóc, trợ giúp không được lớn hơn số "
        "trẻ em có hoàn cảnh đặc biệt. (ô D13: 6; ô D12: 5)"
    ]


def test_it_skips_a_rule_whose_cells_are_already_wrong() -> None:
    assert [p.cell for p in check("PL3", D13="6", D12="năm").problems] == ["D12"]


def custom_table(rules: list[FormRule]) -> FormTarget:
    plan = bundled()
    table = plan.forms[3].model_copy(
        update={
            "rows": [FormRow(code="tong", label="Tổng số"), FormRow(code="trong_do", label="Trong đó")],
            "columns": [FormRow(code="a", label="Cột A"), FormRow(code="b", label="Cột B")],
            "rules": rules,
            "value_type": "integer",
        }
    )
    plan = plan.model_copy(update={"forms": [*plan.forms[:3], table]})
    return FormTarget(plan, "xa-ngoc-khe", "bao-cao-6-thang", "2025", PERIOD)


def test_it_words_a_rule_without_a_message_itself() -> None:
    target = custom_table([FormRule(left="trong_do", op="<=", right="tong")])
    result = validate_entries(target, "PL4", {"C12": "3", "D12": "3", "C13": "4", "D13": "3"})
    assert messages(result) == ["Phụ lục IV, ô C13: «Trong đó» phải nhỏ hơn hoặc bằng «Tổng số» (ô C13: 4; ô C12: 3)"]


def test_it_checks_a_rule_on_row_totals_when_not_column_wise() -> None:
    target = custom_table([FormRule(left="tong", op="==", right="trong_do", column_wise=False)])
    assert validate_entries(target, "PL4", {"C12": "3", "D12": "4", "C13": "5", "D13": "2"}).ok
    assert messages(validate_entries(target, "PL4", {"C12": "3", "D12": "4", "C13": "5", "D13": "3"})) == [
        "Phụ lục IV, ô C12: «Tổng số» phải bằng «Trong đó» (tổng dòng «Tổng số»: 7; tổng dòng «Trong đó»: 8)"
    ]


# --------------------------------------------------------------------------- Phụ lục II


@pytest.mark.parametrize(
    "raw", ["Đang thực hiện", "  đang   thực hiện ", unicodedata.normalize("NFD", "Đang thực hiện"), "ĐANG THỰC HIỆN"]
)
def test_it_accepts_a_listed_status_however_it_is_typed(raw: str) -> None:
    result = check("PL2", D12=raw)
    assert result.ok, messages(result)
    assert Value("PL2", "II.1", "status", None, "Đang thực hiện") in result.values


def test_it_refuses_a_status_outside_the_list() -> None:
    assert messages(check("PL2", D14="Xong")) == [
        "Phụ lục II, ô D14: tình trạng «Xong» không hợp lệ; chọn một trong: Đã hoàn thành, Đang thực hiện, "
        "Chưa thực hiện"
    ]


def test_it_requires_every_status() -> None:
    assert messages(check("PL2", D12=None)) == [
        "Phụ lục II, ô D12: chưa chọn tình trạng thực hiện; chọn một trong: Đã hoàn thành, Đang thực hiện, "
        "Chưa thực hiện"
    ]


def test_it_accepts_a_narrative_of_4000_characters_and_not_one_more() -> None:
    assert check("PL2", E12="ă" * 4000).ok
    assert check("PL2", E12=None).ok
    assert messages(check("PL2", E12="ă" * 4001)) == [
        "Phụ lục II, ô E12: phần mô tả dài 4001 ký tự, vượt quá giới hạn 4000 ký tự"
    ]


# --------------------------------------------------------------------------- entries and problems


def test_it_ignores_entries_that_are_not_input_cells_and_reads_lowercase_addresses() -> None:
    entries = {key.lower(): value for key, value in good_entries(commune(), "PL4").items()}
    entries["csrf_token"] = "abc"
    entries["a1"] = "anything"
    assert validate_entries(commune(), "PL4", entries).ok


def test_it_refuses_a_form_the_deliverable_does_not_have() -> None:
    monthly = FormTarget(bundled(), "xa-ngoc-khe", "danh-sach-hcdb-thang", "2025-05", "tháng 5/2025")
    with pytest.raises(ValueError, match="no form 'PL1'"):
        validate_entries(monthly, "PL1", {})


def test_it_writes_problems_at_cell_sheet_and_file_level() -> None:
    assert str(Problem("Phụ lục I", "E12", "x")) == "Phụ lục I, ô E12: x"
    assert str(Problem("Phụ lục I", None, "x")) == "Phụ lục I: x"
    assert str(Problem("", None, "Tệp rỗng.")) == "Tệp rỗng."
    assert FormResult().ok and not FormResult((), (Problem("", None, "x"),)).ok


# --------------------------------------------------------------------------- the web form


def test_it_lists_the_web_fields_of_phu_luc_i_in_display_order() -> None:
    fields = web_fields(commune(), "PL1")
    assert [f.name for f in fields][:4] == ["G12", "I12", "G13", "I13"]
    first = fields[0]
    assert first.kind == "integer" and first.required and first.choices == ()
    assert first.row_label == "CT01. Tỷ lệ xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em"
    assert first.column_label == "Tử số: Số xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em"
    assert fields[1].column_label == "Mẫu số: Số xã, thị trấn"
    assert first.reference == "Mục tiêu: Đạt tối thiểu 87%"
    count = next(f for f in fields if f.row_label.startswith("CT19."))
    assert count.name == "G21" and not any(f.name == "I21" for f in fields)


def test_it_lists_the_web_fields_of_the_tables_and_duties() -> None:
    pl3 = web_fields(commune(), "PL3")
    assert len(pl3) == 64 and {f.kind for f in pl3} == {"integer"}
    assert (pl3[0].name, pl3[0].row_label, pl3[0].column_label) == (
        "C12",
        "Trẻ em có hoàn cảnh đặc biệt",
        "Nam 0–dưới 6 tuổi",
    )
    assert pl3[8].name == "C13"
    assert {f.kind for f in web_fields(commune(), "PL4")} == {"decimal"}
    pl2 = web_fields(commune(), "PL2")
    assert [(f.name, f.kind, f.required) for f in pl2[:2]] == [("D12", "choice", True), ("E12", "text", False)]
    assert pl2[0].choices == ("Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện")
    assert pl2[0].reference == "Vai trò: Chủ trì"


def through_workbook(form: str, address: str, value: Any) -> list[str]:
    """Fill a built workbook with the good entries, put `value` at `address`, upload it."""
    target = commune()
    workbook = openpyxl.load_workbook(io.BytesIO(build_workbook(target)))
    for code in ("PL1", "PL2", "PL3", "PL4"):
        sheet = workbook[form_layout(target, code).sheet]
        for cell, entry in good_entries(target, code).items():
            sheet[cell] = entry
    workbook[form_layout(target, form).sheet][address] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return messages(parse_workbook(buffer.getvalue(), target))


@pytest.mark.parametrize(
    ("form", "address", "in_workbook", "on_the_web"),
    [
        ("PL3", "C12", "12a", "12a"),
        ("PL3", "C12", -3, "-3"),
        ("PL3", "F15", 12.5, "12,5"),
        ("PL3", "D13", 6, "6"),
        ("PL1", "G12", "abc", "abc"),
        ("PL1", "G12", 1001, "1.001"),
        ("PL1", "I12", None, ""),
        ("PL1", "I15", 999, "999"),
        ("PL4", "D14", -0.5, "-0,5"),
        ("PL4", "D14", 0.125, "0,125"),
        ("PL2", "D13", "Xong", "Xong"),
        ("PL2", "E12", "ơ" * 4001, "ơ" * 4001),
    ],
)
def test_it_gives_the_same_message_on_the_web_and_in_a_workbook(
    form: str, address: str, in_workbook: Any, on_the_web: str
) -> None:
    # Values in a workbook are numbers or text as Excel stores them; on the web, text as typed.
    from_workbook = through_workbook(form, address, in_workbook)
    from_web = messages(check(form, **{address: on_the_web}))
    assert from_web and from_workbook == from_web


def test_it_reads_a_mini_plan_workbook_through_the_same_path(mini_plan_path: Path) -> None:
    target = FormTarget(load_plan(mini_plan_path), "xa-b", "bao-cao-nam", "2025", "năm 2025")
    assert [f.name for f in web_fields(target, "PL1")] == ["G12", "I12"]
    assert messages(validate_entries(target, "PL1", {"G12": "41", "I12": "40"}))[0].startswith(
        "Phụ lục I, ô G12: tử số (41) lớn hơn mẫu số (40, ô I12)"
    )
