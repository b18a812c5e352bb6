"""The district report as a DOCX: its layout (Decree 30/2020/NĐ-CP), its wording and its figures,
built from a fixed data set on the bundled plan."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm, Pt

from dutyflow.calendar import WorkingCalendar
from dutyflow.completeness import ObligationFact, SubmissionFact
from dutyflow.indicators import sums_from_values
from dutyflow.obligations import expand_obligations
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.report.build import ReportFiles, build_from_input
from dutyflow.report.data import DutyReport, ReportInput, TableSum
from dutyflow.states import SubmissionStatus
from tests.conftest import at

AS_OF = dt.date(2025, 11, 24)
INPUTS = ("bao-cao-6-thang", "bao-cao-nam")
MISSING = "xa-doai-duong"  # sent nothing for the year
LATE = "xa-duc-hong"  # sent the annual report on 15/11, one day late
RETURNED = "mttq"  # its annual report was returned and never sent again
AWAITING = "hoi-phu-nu"  # its annual report awaits the office
HOSTILE = 'Luật "Trẻ em" & <Bộ luật> hình sự; trẻ em <5 tuổi & người chưa thành niên'


# --------------------------------------------------------------------------- the fixed data set


def _commune_values(i: int) -> dict[str, int]:
    """The i-th reporting commune's figures (i = 0, 1, …): plausible and different per commune."""
    children = 2000 + 100 * i
    return {
        "so_xa_thi_tran": 1,
        "xa_phu_hop_voi_tre_em": 0 if i in (3, 11) else 1,
        "tre_den_8_tuoi": 900 + 10 * i,
        "tre_den_8_tuoi_tiep_can_dich_vu": 800 + 9 * i,
        "tong_so_tre_em": children,
        "tre_hcdb": 20 + i,
        "tre_hcdb_duoc_tro_giup": 19 + i,
        "tre_bi_xam_hai": 1 if i % 7 == 0 else 0,
        "tre_5_den_17_tuoi": 1400 + 50 * i,
        "lao_dong_tre_em_5_den_17_tuoi": i % 3,
        "tre_bi_tai_nan_thuong_tich": 8 + i % 4,
        "tre_tu_vong_do_tai_nan_thuong_tich": 1 if i == 5 else 0,
        "tre_gap_thien_tai": 0,
        "tre_gap_thien_tai_duoc_cuu_tro": 0,
        "so_cuoc_tao_hon": i % 2,
        "tre_duoi_5_tuoi": 600 + 20 * i,
        "tre_duoi_5_tuoi_dang_ky_khai_sinh": 600 + 20 * i - (1 if i == 2 else 0),
        "xa_co_diem_vui_choi_tre_em": 1 if i in (0, 6, 12) else 0,
        "tre_tu_7_tuoi": 1300 + 60 * i,
        "tre_tu_7_tuoi_duoc_hoi_y_kien": 300 + 10 * i,
        "tre_duoc_nang_cao_nhan_thuc_quyen_tham_gia": children - 250,
        "tre_tu_11_tuoi": 700 + 30 * i,
        "tre_tu_11_tuoi_tham_gia_mo_hinh": 150 + 5 * i,
    }


DISTRICT_VALUES: dict[str, dict[str, int]] = {
    "ttyt": {
        "tre_den_8_tuoi": 400,
        "tre_den_8_tuoi_tiep_can_dich_vu": 396,
        "tre_de_song": 1000,
        "tre_so_sinh_tu_vong": 7,  # 7‰ against "dưới 7‰": the strict boundary fails
        "tre_duoi_1_tuoi_tu_vong": 12,  # 12‰ against "12‰": the boundary itself is met
        "tre_duoi_5_tuoi_tu_vong": 15,
        "tre_duoi_5_tuoi_can_do": 4000,
        "tre_duoi_5_tuoi_sdd_nhe_can": 604,  # 15,1% against "dưới 15,1%"
        "tre_duoi_5_tuoi_sdd_thap_coi": 720,
        "tre_duoi_5_tuoi_thua_can_beo_phi": 160,
        "tre_duoi_1_tuoi": 1000,
        "tre_duoi_1_tuoi_tiem_chung_day_du": 934,
        "tre_nhiem_hiv_do_me_truyen": 0,
        "tong_so_tre_em": 3000,
        "tre_bi_tai_nan_thuong_tich": 40,
        "tre_tu_vong_do_tai_nan_thuong_tich": 2,
    },
    "gd-dt": {
        "co_so_giao_duc": 60,
        "co_so_giao_duc_co_cong_trinh_ve_sinh": 60,
        "tre_duoi_5_tuoi_duoc_danh_gia": 3000,
        "tre_duoi_5_tuoi_phat_trien_phu_hop": 2980,
        "tre_5_tuoi": 1200,
        "tre_5_tuoi_di_hoc_mau_giao": 1196,
        "hs_lop_5": 1234,
        "hs_hoan_thanh_tieu_hoc": 1233,
        "hs_tieu_hoc": 6000,
        "hs_tieu_hoc_bo_hoc": 3,
        "hs_lop_9": 1000,
        "hs_hoan_thanh_thcs": 930,
        "hs_thcs": 4500,
        "hs_thcs_bo_hoc": 36,
        "truong_co_ho_tro_tam_ly": 58,
        # truong_co_csht_cho_hs_khuyet_tat not reported: CT28 has no data
        "tre_khuyet_tat_co_nhu_cau_hoc_tap": 50,
        "tre_khuyet_tat_tiep_can_giao_duc": 45,
    },
    "cong-an": {"tre_bi_xam_hai": 2, "tong_so_tre_em": 0},
    # Tư pháp sends the numerator of CT20 without its denominator: it does not count for CT20.
    "tu-phap": {"tre_duoi_5_tuoi_dang_ky_khai_sinh": 55},
    "huyen-doan": {
        "tre_tu_7_tuoi": 500,
        "tre_tu_7_tuoi_duoc_hoi_y_kien": 200,
        "tong_so_tre_em": 800,
        "tre_duoc_nang_cao_nhan_thuc_quyen_tham_gia": 700,
        "tre_tu_11_tuoi": 400,
        "tre_tu_11_tuoi_tham_gia_mo_hinh": 120,
    },
}

# Phụ lục I of the fixed data set, as the office reads it: (code, result, units reporting, verdict).
# Checked by hand, e.g. CT16 = (190 + 40) / (59.000 + 3.000) × 100.000 = 370,97; CT33 = (3.950 + 120) /
# (19.700 + 400) = 20,25% < 25%; CT03 = 7/1.000 = 7‰, not "dưới 7‰"; CT30 = 3/20 = 15% ≥ 15%.
GOLDEN_PL1 = [
    ("CT01", "90%", "20/21", "Đạt"),
    ("CT02", "89,19%", "21/22", "Đạt"),
    ("CT03", "7‰", "1/1", "Không đạt"),
    ("CT04", "12‰", "1/1", "Đạt"),
    ("CT05", "15‰", "1/1", "Đạt"),
    ("CT06", "15,1%", "1/1", "Không đạt"),
    ("CT07", "18%", "1/1", "Đạt"),
    ("CT08", "4%", "1/1", "Đạt"),
    ("CT09", "93,4%", "1/1", "Đạt"),
    ("CT10", "0", "1/1", "Đạt"),
    ("CT11", "100%", "1/1", "Đạt"),
    ("CT12", "1%", "20/21", "Chưa có số liệu năm trước"),
    ("CT13", "96,61%", "20/21", "Đạt"),
    ("CT14", "8,47/100.000", "21/22", "Chưa có số liệu năm trước"),
    ("CT15", "0,05%", "20/21", "Chưa có số liệu năm trước"),
    ("CT16", "370,97/100.000", "21/22", "Đạt"),
    ("CT17", "4,84/100.000", "21/22", "Đạt"),
    ("CT18", "Chưa có số liệu", "20/21", "Chưa có số liệu"),
    ("CT19", "10", "20/21", "Chưa có số liệu năm trước"),
    ("CT20", "99,99%", "20/22", "Không đạt"),
    ("CT21", "99,33%", "1/1", "Đạt"),
    ("CT22", "99,67%", "1/1", "Đạt"),
    ("CT23", "99,92%", "1/1", "Đạt"),
    ("CT24", "0,05%", "1/1", "Đạt"),
    ("CT25", "93%", "1/1", "Đạt"),
    ("CT26", "0,8%", "1/1", "Không đạt"),
    ("CT27", "96,67%", "1/1", "Đạt"),
    ("CT28", "Chưa có số liệu", "0/1", "Chưa có số liệu"),
    ("CT29", "90%", "1/1", "Đạt"),
    ("CT30", "15%", "20/21", "Đạt"),
    ("CT31", "21,37%", "21/22", "Đạt"),
    ("CT32", "91,47%", "21/22", "Đạt"),
    ("CT33", "20,25%", "21/22", "Không đạt"),
]


def _submissions(unit: str, deliverable: str) -> tuple[SubmissionFact, ...]:
    if deliverable == "bao-cao-6-thang":
        day = "2025-05-21" if unit == "xa-cao-thang" else "2025-05-16"
        return (SubmissionFact(1, SubmissionStatus.ACCEPTED, at(day)),)
    if unit == MISSING:
        return ()
    if unit == LATE:
        return (SubmissionFact(1, SubmissionStatus.ACCEPTED, at("2025-11-15", 9)),)
    if unit == RETURNED:
        return (SubmissionFact(1, SubmissionStatus.RETURNED, at("2025-11-12")),)
    if unit == AWAITING:
        return (SubmissionFact(1, SubmissionStatus.SUBMITTED, at("2025-11-13")),)
    return (SubmissionFact(1, SubmissionStatus.ACCEPTED, at("2025-11-10")),)


def _status(i: int) -> str:
    return ("Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện")[i % 3]


def fixed_input(plan: Plan | None = None) -> ReportInput:
    """The fixed data set: 30 units owe the annual report, 26 sent an accepted one (one late)."""
    plan = plan or load_plan(BUNDLED_PLAN)
    calendar = WorkingCalendar.from_config(plan.calendar)
    units = {u.code: u for u in plan.units}
    names = {d.code: d.name for d in plan.deliverables}
    specs = [s for s in expand_obligations(plan, calendar) if s.deliverable in INPUTS]
    facts = tuple(
        ObligationFact(
            unit=s.unit,
            unit_name=units[s.unit].name,
            deliverable=s.deliverable,
            deliverable_name=names[s.deliverable],
            period=s.period,
            last_day=s.last_day,
            submissions=_submissions(s.unit, s.deliverable),
        )
        for s in specs
    )
    annual = [s.unit for s in specs if s.deliverable == "bao-cao-nam"]
    reporting = [code for code in annual if code not in (MISSING, RETURNED, AWAITING)]
    communes = [code for code in reporting if units[code].kind in ("commune", "town")]
    values: dict[str, dict[str, Decimal]] = {}
    for i, code in enumerate(communes):
        values[code] = {k: Decimal(v) for k, v in _commune_values(i).items()}
    for code, figures in DISTRICT_VALUES.items():
        values[code] = {k: Decimal(v) for k, v in figures.items()}

    duty_reports = []
    in_charge = {d.code: [u.code for u in plan.expand_units(d.units)] for d in plan.duties}
    for i, duty in enumerate(plan.duties):
        for j, code in enumerate(in_charge[duty.code]):
            if code not in reporting:
                continue
            narrative = f"Đã triển khai nội dung {duty.section} tại đơn vị; kết quả cụ thể số {i + 1}.{j + 1}."
            if code == "tu-phap":
                narrative = f"Tuyên truyền {HOSTILE}.\nPhối hợp với Công an huyện xử lý 02 vụ việc."
            duty_reports.append(DutyReport(unit=code, duty=duty.code, status=_status(i + j), narrative=narrative))

    pl3 = {
        (row, col): Decimal(n)
        for n, (row, col) in enumerate(
            ((r, c) for r in ("tre_hcdb", "tre_hcdb_duoc_tro_giup", "tre_bi_tai_nan_thuong_tich") for c in ("nam_0_5", "nu_0_5")),
            start=3,
        )
    }
    pl4 = {
        ("ngan_sach_dia_phuong", "ke_hoach"): Decimal(1250000),
        ("ngan_sach_dia_phuong", "thuc_hien"): Decimal(1187500),
    }
    pl4[("quy_bao_tro", "thuc_hien")] = Decimal(45000)
    return ReportInput(
        plan=plan,
        as_of=AS_OF,
        consolidated="bao-cao-tong-hop",
        obligations=facts,
        indicator_sums=sums_from_values(plan, values, expected=frozenset(annual)),
        value_units=frozenset(annual),
        reporting_units=frozenset(reporting),
        duty_reports=tuple(duty_reports),
        tables={"PL3": TableSum("PL3", pl3, 24), "PL4": TableSum("PL4", pl4, 25)},
    )


def build(tmp_path: Path, *, final: bool, plan: Plan | None = None, pdf: bool = False) -> ReportFiles:
    return build_from_input(fixed_input(plan), tmp_path, final=final, pdf=pdf)


# --------------------------------------------------------------------------- reading the DOCX


def body_lines(path: Path) -> list[str]:
    """Every paragraph of the body, including those inside tables, in document order."""
    document = Document(str(path))
    lines: list[str] = []
    for block in document.element.body.iter():
        if block.tag.endswith("}p"):
            text = "".join(node.text or "" for node in block.iter() if node.tag.endswith("}t"))
            lines.append(text)
    return lines


def header_texts(path: Path) -> list[str]:
    document = Document(str(path))
    section = document.sections[0]
    return [p.text for header in (section.first_page_header, section.header) for p in header.paragraphs]


def indicator_rows(path: Path) -> dict[str, list[str]]:
    """Phụ lục I: row number → cells, for the rows of indicators (group rows left out)."""
    document = Document(str(path))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    rows = {}
    for row in table.rows[1:]:
        cells = [c.text for c in row.cells]
        if len({id(c._tc) for c in row.cells}) > 1:
            rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return build(tmp_path_factory.mktemp("draft"), final=False)


@pytest.fixture(scope="module")
def final(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    return build(tmp_path_factory.mktemp("final"), final=True)


# --------------------------------------------------------------------------- tests


def test_it_writes_the_head_of_a_decree_30_report(final: ReportFiles) -> None:
    lines = body_lines(final.docx)
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "HUYỆN TRÙNG KHÁNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BÁO CÁO",
        "Kết quả thực hiện công tác trẻ em năm 2025",
    ):
        assert expected in lines
    assert lines.index("ỦY BAN NHÂN DÂN") < lines.index("HUYỆN TRÙNG KHÁNH") < lines.index("BÁO CÁO")
    assert any(re.fullmatch(r"Số: +/BC-UBND", line) for line in lines)


def test_the_date_line_reads_exactly(final: ReportFiles) -> None:
    assert "Trùng Khánh, ngày 24 tháng 11 năm 2025" in body_lines(final.docx)


def test_the_date_line_has_leading_zeros_only_where_the_decree_wants_them(tmp_path: Path) -> None:
    report_input = fixed_input()
    files = build_from_input(report_input, tmp_path, final=True, pdf=False, issued_on=dt.date(2026, 2, 5))
    assert "Trùng Khánh, ngày 05 tháng 02 năm 2026" in body_lines(files.docx)


def test_every_heading_of_the_body_is_there_in_order(final: ReportFiles) -> None:
    lines = body_lines(final.docx)
    headings = [
        "I. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU",
        "a) Về phát triển toàn diện trẻ em, chăm sóc sức khoẻ, dinh dưỡng cho trẻ em",
        "b) Về bảo vệ trẻ em",
        "c) Về giáo dục, văn hoá, vui chơi giải trí cho trẻ em",
        "d) Về sự tham gia của trẻ em vào các vấn đề về trẻ em",
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ",
        "1. Phòng Tài chính - Kế hoạch huyện Trùng Khánh",
        "2. Phòng Tư pháp huyện Trùng Khánh",
        "3. Phòng Giáo dục và Đào tạo huyện Trùng Khánh",
        "4. Phòng Văn hóa, Khoa học và Thông tin huyện Trùng Khánh",
        "5. Công an huyện Trùng Khánh",
        "6. Trung tâm Y tế huyện Trùng Khánh",
        "7. Huyện đoàn Trùng Khánh",
        "8. Hội Liên hiệp Phụ nữ huyện Trùng Khánh",
        "9. Ủy ban MTTQ Việt Nam huyện Trùng Khánh",
        "10. Ủy ban nhân dân các xã, thị trấn",
        "III. TỒN TẠI, HẠN CHẾ",
        "1. Về thực hiện chế độ báo cáo",
        "2. Về thực hiện các mục tiêu, chỉ tiêu",
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026",
        "Nơi nhận:",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Chu Thị Vinh",
        "Phụ lục I",
        "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU VỀ TRẺ EM NĂM 2025",
        "Phụ lục II",
        "Phụ lục III",
        "Phụ lục IV",
        "KINH PHÍ THỰC HIỆN CÔNG TÁC TRẺ EM NĂM 2025",
    ]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)


def test_recipients_end_with_a_semicolon_and_the_last_with_a_full_stop(final: ReportFiles) -> None:
    lines = body_lines(final.docx)
    start = lines.index("Nơi nhận:")
    assert lines[start + 1 : start + 7] == [
        "- Sở Y tế;",
        "- TT. Huyện ủy;",
        "- TT. HĐND huyện;",
        "- CT, các PCT UBND huyện;",
        "- Các đơn vị nêu tại mục V;",
        "- Lưu: VT.",
    ]


def test_phu_luc_i_holds_every_indicator_with_its_value_and_verdict(final: ReportFiles) -> None:
    rows = indicator_rows(final.docx)
    assert len(rows) == 33
    got = [(cells[3], cells[4], cells[5]) for _, cells in sorted(rows.items(), key=lambda kv: int(kv[0]))]
    assert got == [(value, units, verdict) for _, value, units, verdict in GOLDEN_PL1]


def test_phu_luc_i_shows_targets_as_the_plan_words_them(final: ReportFiles) -> None:
    rows = indicator_rows(final.docx)
    assert rows["1"][1:3] == ["Tỷ lệ xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em", "Đạt 87% trở lên"]
    assert rows["3"][2] == "Dưới 7‰"
    assert rows["4"][2] == "Không quá 12‰"
    assert rows["6"][2] == "Dưới 15,1%"
    assert rows["12"][2] == "Giảm so với năm trước"
    assert rows["16"][2] == "Không quá 550/100.000"
    assert rows["20"][2] == "Đạt 100%"
    assert rows["1"][4] == "20/21"  # one commune sent nothing
    assert rows["20"][4] == "20/22"  # and Tư pháp sent a numerator without its denominator


def test_the_body_lists_every_indicator_with_its_figure_and_verdict(final: ReportFiles) -> None:
    text = "\n".join(body_lines(final.docx))
    assert "- Tỷ suất tử vong trẻ sơ sinh: 7‰ (chỉ tiêu: dưới 7‰) – Không đạt." in text
    assert (
        "- Tỷ lệ xã, thị trấn đạt tiêu chuẩn phù hợp với trẻ em: 90% (chỉ tiêu: đạt 87% trở lên) – Đạt; "
        "số liệu của 20/21 đơn vị." in text
    )
    assert "- Loại trừ lây truyền HIV từ mẹ sang con: 0 (chỉ tiêu: không còn trường hợp nào) – Đạt." in text
    assert (
        "- Tỷ lệ trẻ em gặp thiên tai, thảm họa được cứu trợ, hỗ trợ kịp thời: chưa có số liệu "
        "(chỉ tiêu: đạt 100%); số liệu của 20/21 đơn vị." in text
    )
    assert (
        "Kế hoạch đề ra 33 chỉ tiêu. Tổng hợp số liệu báo cáo của 27/30 đơn vị, có 22 chỉ tiêu đạt, "
        "5 chỉ tiêu không đạt, 2 chỉ tiêu chưa có số liệu, 4 chỉ tiêu chưa có số liệu năm trước để so sánh "
        "(chi tiết tại Phụ lục I kèm theo). Cụ thể:" in text
    )


def test_shortcomings_name_the_late_and_missing_units(final: ReportFiles) -> None:
    text = "\n".join(body_lines(final.docx))
    assert (
        "- Báo cáo kết quả thực hiện năm 2025 (năm 2025): đã nhận 27/30 báo cáo phải gửi, đạt 90%; "
        "gửi đúng hạn 26/30 báo cáo, đạt 86,67%." in text
    )
    assert "Gửi chậm so với thời hạn: UBND xã Đức Hồng." in text
    assert "Báo cáo bị trả lại, chưa gửi lại: Ủy ban MTTQ Việt Nam huyện Trùng Khánh." in text
    assert "Báo cáo đang chờ Văn phòng xem xét: Hội Liên hiệp Phụ nữ huyện Trùng Khánh." in text
    assert "Chưa gửi báo cáo: UBND xã Đoài Dương." in text
    assert "Gửi chậm so với thời hạn: UBND xã Cao Thăng." in text  # the 6-month report
    assert "Còn 5 chỉ tiêu không đạt so với kế hoạch:" in text
    assert "- Tỷ suất tử vong trẻ sơ sinh: 7‰ (chỉ tiêu: dưới 7‰)." in text


def test_tasks_come_from_the_units_narratives(final: ReportFiles) -> None:
    lines = body_lines(final.docx)
    start = lines.index("2. Phòng Tư pháp huyện Trùng Khánh")
    assert lines[start + 1].startswith("- Chỉ đạo, điều hành; lồng ghép mục tiêu về trẻ em")
    assert f"Tuyên truyền {HOSTILE}." in lines
    assert "Phối hợp với Công an huyện xử lý 02 vụ việc." in lines
    mttq = lines.index("9. Ủy ban MTTQ Việt Nam huyện Trùng Khánh")
    assert lines[mttq + 1] == "Đến ngày báo cáo, đơn vị chưa gửi báo cáo."
    assert "Có 20/21 xã, thị trấn đã gửi báo cáo; chưa gửi: UBND xã Đoài Dương." in lines


def test_special_characters_in_unit_names_and_narratives_survive(tmp_path: Path) -> None:
    name = 'UBND xã "Tri Phương" <mới> & Co'
    source = BUNDLED_PLAN.read_text(encoding="utf-8")
    source = source.replace("name: UBND xã Tri Phương", f"name: '{name}'").replace(
        "short_name: Xã Tri Phương", "short_name: 'Xã \"Tri Phương\" <mới> & Co'"
    )
    edited = tmp_path / "plan.yaml"
    edited.write_text(source, encoding="utf-8")
    plan = load_plan(edited)
    report_input = fixed_input(plan)
    # Tri Phương also misses its annual report, so its name lands in section III and section II.
    missing = {o for o in report_input.obligations if o.unit == "xa-tri-phuong" and o.deliverable == "bao-cao-nam"}
    obligations = tuple(
        ObligationFact(o.unit, name, o.deliverable, o.deliverable_name, o.period, o.last_day) if o in missing else o
        for o in report_input.obligations
    )
    reporting = report_input.reporting_units - {"xa-tri-phuong"}
    report_input = ReportInput(
        plan=plan,
        as_of=AS_OF,
        consolidated=report_input.consolidated,
        obligations=obligations,
        indicator_sums=report_input.indicator_sums,
        value_units=report_input.value_units,
        reporting_units=reporting,
        duty_reports=report_input.duty_reports,
        tables=report_input.tables,
    )
    files = build_from_input(report_input, tmp_path / "out", final=True, pdf=False)
    text = "\n".join(body_lines(files.docx))
    assert f"Chưa gửi báo cáo: {name}, UBND xã Đoài Dương." in text
    assert f"chưa gửi: {name}, UBND xã Đoài Dương." in text
    assert HOSTILE in text
    assert "&amp;" not in text and "&lt;" not in text
    html = files.html.read_text(encoding="utf-8")
    assert "&lt;mới&gt; &amp; Co" in html
    assert "<mới>" not in html


def test_page_setup_follows_decree_30(final: ReportFiles) -> None:
    document = Document(str(final.docx))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert 2.0 <= section.top_margin.cm <= 2.5 and 2.0 <= section.bottom_margin.cm <= 2.5
    assert 3.0 <= section.left_margin.cm <= 3.5
    assert 1.5 <= section.right_margin.cm <= 2.0
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert Pt(13) <= normal.font.size <= Pt(14)
    body = document.styles["BC Body"]
    assert body.paragraph_format.first_line_indent == Cm(1.27)
    assert section.different_first_page_header_footer


def test_pages_are_numbered_at_the_top_except_the_first(final: ReportFiles) -> None:
    document = Document(str(final.docx))
    section = document.sections[0]
    default = section.header._element.xml
    first = section.first_page_header._element.xml
    assert "PAGE" in default
    assert "PAGE" not in first


def test_a_draft_says_so_on_every_page_and_the_final_does_not(draft: ReportFiles, final: ReportFiles) -> None:
    draft_headers = header_texts(draft.docx)
    assert sum("DỰ THẢO" in text for text in draft_headers) == 2  # the first page's and the others'
    assert not any("DỰ THẢO" in text for text in header_texts(final.docx))
    assert "du-thao" in draft.docx.name and "du-thao" not in final.docx.name
    assert "DỰ THẢO" in draft.html.read_text(encoding="utf-8")
    assert "DỰ THẢO" not in final.html.read_text(encoding="utf-8")


def test_charts_are_embedded(final: ReportFiles) -> None:
    document = Document(str(final.docx))
    assert len(document.inline_shapes) == 2
    for path in final.charts.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert final.html.read_text(encoding="utf-8").count("data:image/png;base64,") == 2


def test_phu_luc_iii_and_iv_are_summed_tables(final: ReportFiles) -> None:
    document = Document(str(final.docx))
    pl3 = next(t for t in document.tables if len(t.columns) == 11)
    header = [c.text for c in pl3.rows[0].cells]
    assert header[:3] == ["TT", "Nội dung", "Nam 0–dưới 6 tuổi"] and header[-1] == "Tổng"
    first = [c.text for c in pl3.rows[1].cells]
    assert first[:4] == ["1", "Trẻ em có hoàn cảnh đặc biệt", "3", "4"] and first[-1] == "7"
    pl4 = next(t for t in document.tables if [c.text for c in t.rows[0].cells][-1] == "Thực hiện (nghìn đồng)")
    rows = [[c.text for c in r.cells] for r in pl4.rows]
    assert rows[2] == ["2", "Ngân sách địa phương", "1.250.000", "1.187.500"]
    assert rows[-1] == ["", "TỔNG CỘNG", "1.250.000", "1.232.500"]
