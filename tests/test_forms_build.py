"""Building a unit's workbook: sheets, Vietnamese headings, protection, typed inputs, identification."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import openpyxl
import pytest

import dutyflow.forms as forms
from dutyflow.forms import FormTarget, build_workbook, web_fields
from dutyflow.forms.identity import TEMPLATE_VERSION
from dutyflow.forms.layout import form_layout
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan

PERIOD = "6 tháng đầu năm 2025"


@cache
def bundled() -> Plan:
    return load_plan(BUNDLED_PLAN)


def target(unit: str = "xa-ngoc-khe", deliverable: str = "bao-cao-6-thang") -> FormTarget:
    return FormTarget(bundled(), unit, deliverable, "2025", PERIOD)


@cache
def opened(unit: str = "xa-ngoc-khe", deliverable: str = "bao-cao-6-thang") -> Any:
    return openpyxl.load_workbook(io.BytesIO(build_workbook(target(unit, deliverable))))


def column_values(sheet: Any, letter: str, first: int = 12) -> list[Any]:
    return [sheet[f"{letter}{row}"].value for row in range(first, sheet.max_row + 1)]


def test_it_pins_the_public_surface() -> None:
    assert sorted(forms.__all__) == [
        "FormResult",
        "FormTarget",
        "Problem",
        "Value",
        "WebField",
        "build_workbook",
        "check_across",
        "check_document",
        "fill_workbook",
        "parse_workbook",
        "sniff",
        "validate_entries",
        "web_fields",
    ]


def test_it_builds_a_workbook_openpyxl_opens_with_one_sheet_per_form() -> None:
    workbook = opened()
    assert workbook.sheetnames == ["Phụ lục I", "Phụ lục II", "Phụ lục III", "Phụ lục IV", "_dutyflow"]
    assert workbook.active.title == "Phụ lục I"


def test_it_builds_only_the_deliverables_forms() -> None:
    workbook = opened("xa-ngoc-khe", "danh-sach-hcdb-thang")
    assert workbook.sheetnames == ["Phụ lục III", "_dutyflow"]


def test_it_writes_the_headings_in_vietnamese() -> None:
    sheet = opened()["Phụ lục III"]
    assert sheet["A1"].value == "PHỤ LỤC III"
    assert sheet["A2"].value == (
        "TÌNH HÌNH TRẺ EM CÓ HOÀN CẢNH ĐẶC BIỆT, TRẺ EM BỊ XÂM HẠI, TAI NẠN THƯƠNG TÍCH VÀ ĐUỐI NƯỚC"
    )
    assert sheet["A3"].value == "(Kèm theo Kế hoạch thực hiện công tác trẻ em năm 2025 trên địa bàn huyện Trùng Khánh)"
    assert sheet["A5"].value == "Đơn vị báo cáo: UBND xã Ngọc Khê"
    assert sheet["A6"].value == "Kỳ báo cáo: 6 tháng đầu năm 2025"
    assert sheet["A7"].value == "Báo cáo: Báo cáo kết quả thực hiện 06 tháng"
    assert "Ô để trống không được hiểu là 0" in sheet["A8"].value
    assert sheet["A10"].value == "STT"
    assert sheet["B10"].value == "Nội dung"
    assert sheet["C10"].value == "Nam 0–dưới 6 tuổi"


def test_it_locks_the_sheets_and_the_identification() -> None:
    workbook = opened()
    for name in ("Phụ lục I", "Phụ lục II", "Phụ lục III", "Phụ lục IV", "_dutyflow"):
        assert workbook[name].protection.sheet is True
    assert workbook.security.lockStructure is True
    sheet = workbook["Phụ lục I"]
    for address in ("A5", "A6", "A12", "B12", "C12", "D12", "E12", "F12", "H12", "J12"):
        assert sheet[address].protection.locked is True, address


def test_it_unlocks_exactly_the_input_cells() -> None:
    workbook = opened()
    for form in ("PL1", "PL2", "PL3", "PL4"):
        layout = form_layout(target(), form)
        sheet = workbook[layout.sheet]
        inputs = {cell.address for cell in layout.inputs}
        unlocked = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.protection.locked is False}
        assert unlocked == inputs, form


def test_it_types_every_input_cell_with_a_data_validation_and_a_prompt() -> None:
    expected = {"integer": "whole", "decimal": "decimal", "choice": "list", "text": "textLength"}
    workbook = opened()
    for form in ("PL1", "PL2", "PL3", "PL4"):
        layout = form_layout(target(), form)
        validations = workbook[layout.sheet].data_validations.dataValidation
        for cell in layout.inputs:
            found = [dv for dv in validations if cell.address in dv.sqref]
            assert len(found) == 1, cell.address
            validation = found[0]
            assert validation.type == expected[cell.kind]
            assert validation.showInputMessage and validation.prompt and validation.promptTitle
            assert validation.showErrorMessage and validation.errorStyle == "stop"
            assert len(validation.prompt) <= 255 and len(validation.promptTitle) <= 32
            if cell.kind in {"integer", "decimal"}:
                assert (validation.operator, validation.formula1) == ("greaterThanOrEqual", "0")


def test_it_offers_the_three_statuses_as_a_list_in_phu_luc_ii() -> None:
    sheet = opened()["Phụ lục II"]
    (validation,) = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert validation.formula1 == '"Đã hoàn thành,Đang thực hiện,Chưa thực hiện"'
    assert "D12" in validation.sqref
    (narrative,) = [dv for dv in sheet.data_validations.dataValidation if dv.type == "textLength"]
    assert (narrative.operator, narrative.formula1) == ("lessThanOrEqual", "4000")
    assert sheet["D10"].value == "Tình trạng"
    assert sheet["E10"].value == "Kết quả thực hiện"


def test_it_shows_the_indicator_for_reference_with_labelled_numerator_and_denominator() -> None:
    sheet = opened()["Phụ lục I"]
    assert [sheet[f"{c}10"].value for c in "ABCDEFHJ"] == [
        "Mã",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Yêu cầu",
        "Mục tiêu",
        "Tử số",
        "Mẫu số",
        "Kết quả (tự tính)",
    ]
    assert [sheet[f"{c}11"].value for c in "FGHI"] == ["Nội dung", "Số liệu", "Nội dung", "Số liệu"]
    row = [sheet[f"{c}12"].value for c in "ABCDEFH"]
    assert row == [
        "CT01",
        "Tỷ lệ xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em",
        "%",
        "Đạt tối thiểu",
        "87%",
        "Số xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em",
        "Số xã, thị trấn",
    ]
    assert sheet["G12"].value is None and sheet["I12"].value is None


def test_it_writes_strict_and_count_targets_readably() -> None:
    sheet = opened("ttyt")["Phụ lục I"]
    rows = {sheet[f"A{r}"].value: r for r in range(12, sheet.max_row + 1)}
    ct03, ct10 = rows["CT03"], rows["CT10"]
    assert (sheet[f"C{ct03}"].value, sheet[f"D{ct03}"].value, sheet[f"E{ct03}"].value) == ("‰", "Dưới", "7‰")
    assert (sheet[f"D{ct10}"].value, sheet[f"E{ct10}"].value) == ("Xóa bỏ (bằng 0)", "0")
    assert sheet[f"H{ct10}"].value == "—" and sheet[f"I{ct10}"].value == "—"
    assert sheet[f"I{ct10}"].protection.locked is True


def test_it_shows_a_unit_only_its_own_indicators() -> None:
    assert column_values(opened("ttyt")["Phụ lục I"], "A") == [
        "CT02",
        "CT03",
        "CT04",
        "CT05",
        "CT06",
        "CT07",
        "CT08",
        "CT09",
        "CT10",
        "CT16",
        "CT17",
    ]
    assert column_values(opened("tu-phap")["Phụ lục I"], "A") == ["CT20"]
    commune = column_values(opened()["Phụ lục I"], "A")
    assert "CT03" not in commune and "CT01" in commune and "CT20" in commune


def test_it_tells_a_unit_without_indicators_so() -> None:
    sheet = opened("tc-kh")["Phụ lục I"]
    assert sheet["A12"].value == "Đơn vị không có dòng nào phải báo cáo trong phụ lục này."
    assert web_fields(target("tc-kh"), "PL1") == []


def test_it_shows_a_unit_only_its_own_duties_with_its_role() -> None:
    sheet = opened("tu-phap")["Phụ lục II"]
    codes = column_values(sheet, "A")
    assert codes[:11] == [
        "II.1",
        "II.2",
        "II.3.1",
        "II.3.2",
        "II.3.3",
        "II.3.4",
        "II.4.1",
        "II.4.2",
        "II.4.3",
        "II.4.4",
        "II.5",
    ]
    assert {"V.3.1", "V.3.2", "V.2", "V.4.1"} <= set(codes)
    assert not {"V.7.1", "V.5.1", "V.8"} & set(codes)
    roles = dict(zip(codes, column_values(sheet, "C"), strict=True))
    assert roles["V.3.1"] == "Chủ trì" and roles["V.2"] == "Phối hợp" and roles["II.1"] == "Chủ trì"


def test_it_types_table_inputs_by_the_forms_value_type() -> None:
    workbook = opened()
    assert workbook["Phụ lục III"]["C12"].number_format == "#,##0"
    assert workbook["Phụ lục IV"]["C12"].number_format == "#,##0.00"
    assert workbook["Phụ lục IV"]["C10"].value == "Kế hoạch (nghìn đồng)"
    assert workbook["Phụ lục IV"]["B17"].value == "Nguồn hợp pháp khác"


def test_it_makes_the_sheets_readable() -> None:
    sheet = opened()["Phụ lục I"]
    assert sheet.column_dimensions["B"].width >= 40
    assert sheet["B12"].alignment.wrap_text is True
    assert sheet["B12"].border.left.style == "thin" and sheet["G12"].border.bottom.style == "thin"
    assert sheet.freeze_panes == "C12"
    assert sheet.row_dimensions[13].height > sheet.row_dimensions[12].height  # a longer name, a taller row


def test_it_hides_the_identification_on_a_very_hidden_sheet() -> None:
    sheet = opened()["_dutyflow"]
    assert sheet.sheet_state == "veryHidden"
    rows = [tuple(v for v in row if v is not None) for row in sheet.iter_rows(values_only=True)]
    assert rows[:6] == [
        ("dutyflow", "template", TEMPLATE_VERSION),
        ("plan", "trung-khanh-2025"),
        ("unit", "xa-ngoc-khe"),
        ("deliverable", "bao-cao-6-thang"),
        ("period", "2025"),
        ("period_label", PERIOD),
    ]
    stamps = [row[1:3] for row in rows[6:]]
    assert stamps == [("PL1", "1"), ("PL2", "1"), ("PL3", "1"), ("PL4", "1")]
    assert all(len(row[3]) == 16 for row in rows[6:])


def test_it_builds_byte_identical_workbooks_for_the_same_target() -> None:
    assert build_workbook(target()) == build_workbook(target())
    assert build_workbook(target()) != build_workbook(target("xa-cao-thang"))


def test_it_fixes_the_workbook_timestamps_from_the_target() -> None:
    workbook = opened()
    assert workbook.properties.created.year == 2025
    assert workbook.properties.modified == workbook.properties.created
    assert workbook.properties.creator == "dutyflow"


def test_it_never_turns_plan_text_into_a_formula(mini_plan_path: Any) -> None:
    plan = load_plan(mini_plan_path)
    duties_form = plan.forms[0].model_copy(update={"code": "PL2", "name": "Phụ lục II", "kind": "duties"})
    plan = plan.model_copy(
        update={
            "forms": [*plan.forms, duties_form],
            "duties": [d.model_copy(update={"title": '=HYPERLINK("http://x.example")'}) for d in plan.duties],
            "deliverables": [d.model_copy(update={"forms": ["PL2"]}) for d in plan.deliverables],
        }
    )
    data = build_workbook(FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", PERIOD))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Phụ lục II"]
    assert sheet["B12"].value == '=HYPERLINK("http://x.example")'
    assert sheet["B12"].data_type == "s"


def test_it_refuses_to_build_a_workbook_for_a_deliverable_without_forms() -> None:
    with pytest.raises(ValueError, match="no forms"):
        build_workbook(target("vp-hdnd-ubnd", "bao-cao-tong-hop"))


@pytest.mark.parametrize("unit", ["xa-a", "tu-phap"])
def test_it_builds_the_mini_plan_for_each_reporting_unit(unit: str, mini_plan_path: Any) -> None:
    plan = load_plan(mini_plan_path)
    data = build_workbook(FormTarget(plan, unit, "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025"))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Phụ lục I"]
    assert sheet["A12"].value == "CT01"
    assert sheet["F12"].value == "Trẻ dưới 5 tuổi được đăng ký khai sinh"
    assert sheet["H12"].value == "Trẻ dưới 5 tuổi"
