"""What real programmes state, held by the plan and read back right: groups of targets with
titles, numbered sub-targets, targets for named years, a reduction by a size, a target split
between urban and rural, half-year periods with a data cut-off day, validation rules whose sides
add up, and a "trước ngày X" last day moved back off a non-working day."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from typer.testing import CliRunner

from dutyflow.calendar import WorkingCalendar
from dutyflow.cli import app
from dutyflow.forms import FormTarget, validate_entries, web_fields
from dutyflow.forms.layout import form_layout
from dutyflow.indicators import (
    Attainment,
    IndicatorResult,
    attainment,
    format_attainment,
    format_target,
    results_from_sums,
    sums_from_values,
)
from dutyflow.obligations import expand_obligations
from dutyflow.plan import (
    DeadlineRule,
    Direction,
    LastDayOff,
    Plan,
    PlanError,
    Reduction,
    expand_periods,
    indicator_rows,
    load_plan,
    target_count,
)
from dutyflow.report.build import build_from_input
from dutyflow.report.data import ReportInput
from tests.conftest import FIXTURES, MINI_PLAN

SHAPES_PLAN = FIXTURES / "shapes-plan.yaml"
D = Decimal


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(SHAPES_PLAN)


@pytest.fixture
def shapes_path(tmp_path: Path) -> Path:
    target = tmp_path / "ke-hoach.yaml"
    shutil.copy(SHAPES_PLAN, target)
    return target


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new`; return the line where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


# --------------------------------------------------------------------------- the plan holds them


def test_old_plans_stay_valid_and_the_new_fields_are_optional() -> None:
    plan = load_plan(MINI_PLAN)
    assert plan.indicator_groups == [] and plan.indicators[0].number is None
    assert [row.number for row in indicator_rows(plan)] == ["1"]
    assert target_count(plan) == 1


def test_a_split_target_is_judged_as_a_whole_and_part_by_part(plan: Plan) -> None:
    rows = indicator_rows(plan)
    assert [(r.indicator.code, r.number, r.part_of) for r in rows] == [
        ("CT01", "2", None),
        ("CT02", "1a", None),
        ("CT02.tt", "", "CT02"),
        ("CT02.nt", "", "CT02"),
        ("CT03", "1b", None),
        ("CT04", "3", None),
    ]
    urban, rural = rows[2].indicator, rows[3].indicator
    assert urban.name == "Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ – thành thị"
    assert (urban.numerator, urban.denominator, urban.target, urban.targets) == (
        "tre_duoi_1_tiem_du_tt",
        "tre_duoi_1_tt",
        D(95),
        [],
    )
    # A part without a target of its own takes the whole's, named years included.
    assert rural.target is None and [(y.year, y.target) for y in rural.targets] == [(2025, D(90)), (2030, D(95))]


def test_numbered_targets_count_once_with_their_sub_targets(plan: Plan) -> None:
    # 1a and 1b are target 1; the parts of a split target are not targets: 1, 2 and 3.
    assert target_count(plan) == 3


# --------------------------------------------------------------------------- plan check


CHECKS = [
    # (old, new, field, words)
    ('    group: "b"\n    number: "2"', '    group: "e"\n    number: "2"', "indicators[0].group", "nhóm «e»"),
    ('    number: "3"\n', '    number: "2"\n', "indicators[3].number", "đã dùng cho chỉ tiêu ở dòng"),
    ('    number: "1b"\n', '    number: "2b"\n', "indicators[2].number", "chỉ tiêu con của chỉ tiêu 2"),
    (
        "      - {year: 2025, target: 90}\n",
        "      - {year: 2024, target: 90}\n",
        "indicators[1].targets[0].year",
        "đã qua",
    ),
    (
        "      - {year: 2030, target: 95}\n",
        "      - {year: 2025, target: 95}\n",
        "indicators[1].targets[1].year",
        "hai mục tiêu",
    ),
    (
        "      - {year: 2030, target: 98}\n",
        "      - {year: 2030, target: 198}\n",
        "indicators[2].targets[0].target",
        "198",
    ),
    (
        "    reduction: {low: 2, high: 3}\n",
        "    reduction: {low: 3, high: 2}\n",
        "indicators[3].reduction.high",
        "low ≤ high",
    ),
    (
        "    direction: reach_100\n    target: 100\n",
        "    direction: reach_100\n    target: 100\n    reduction: {low: 2}\n",
        "indicators[0].reduction",
        "direction: reduce",
    ),
    (
        "numerator: tre_duoi_1_tiem_du_nt,",
        "numerator: tre_khong_co,",
        "indicators[1].split[1].numerator",
        "tre_khong_co",
    ),
    ("{code: nt, label", "{code: tt, label", "indicators[1].split[1].code", "hai lần"),
    (
        "      - left: tre_duoi_1_tiem_du_tt + tre_duoi_1_tiem_du_nt\n",
        "      - left: tre_duoi_1_tiem_du_tt + tre_khong_co\n",
        "forms[0].rules[0].left",
        "«tre_khong_co» không phải một số liệu",
    ),
    (
        "    rule: before\n    last_day_off: previous_working_day\n",
        "    rule: by\n    last_day_off: previous_working_day\n",
        "deliverables[2].last_day_off",
        "trước ngày X",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "words"), CHECKS, ids=[c[2] for c in CHECKS])
def test_plan_check_names_the_line_and_field_of_each_shape_error(
    shapes_path: Path, old: str, new: str, field: str, words: str
) -> None:
    line = edit(shapes_path, old, new)
    with pytest.raises(PlanError) as caught:
        load_plan(shapes_path)
    issues = caught.value.issues
    assert len(issues) == 1, caught.value.render()
    issue = issues[0]
    assert issue.field == field and words in issue.message, str(issue)
    assert abs(issue.line - line) <= 2, (issue.line, line)
    assert f"dòng {issue.line}" in str(issue)


def test_a_rule_side_that_is_not_a_field_or_number_is_refused_on_its_line(shapes_path: Path) -> None:
    line = edit(shapes_path, "        right: tre_duoi_1_tiem_du\n", "        right: tre_duoi_1_tiem_du - 1\n")
    with pytest.raises(PlanError) as caught:
        load_plan(shapes_path)
    (issue,) = caught.value.issues
    assert (issue.field, issue.line) == ("forms[0].rules[0].right", line)


# --------------------------------------------------------------------------- periods and deadlines


def test_a_half_year_recurrence_has_two_periods_with_their_data_cut_off_day(plan: Plan) -> None:
    deliverable = next(d for d in plan.deliverables if d.code == "danh-sach-thang")
    periods = expand_periods(deliverable, 2025)
    assert [(p.code, p.label, p.start, p.end, p.cutoff, p.due) for p in periods] == [
        (
            "2025-H1",
            "6 tháng đầu năm 2025",
            dt.date(2025, 1, 1),
            dt.date(2025, 6, 30),
            dt.date(2025, 6, 15),
            dt.date(2025, 7, 5),
        ),
        (
            "2025-H2",
            "6 tháng cuối năm 2025",
            dt.date(2025, 7, 1),
            dt.date(2025, 12, 31),
            dt.date(2025, 12, 15),
            dt.date(2026, 1, 5),
        ),
    ]


def test_a_cut_off_day_past_a_short_month_is_its_last_day(plan: Plan) -> None:
    deliverable = next(d for d in plan.deliverables if d.code == "danh-sach-thang")
    monthly = deliverable.model_copy(
        update={"recurrence": deliverable.recurrence.model_copy(update={"every": "month", "cutoff_day": 31})}  # type: ignore[union-attr]
    )
    cutoffs = [p.cutoff for p in expand_periods(monthly, 2025)][:2]
    assert cutoffs == [dt.date(2025, 1, 31), dt.date(2025, 2, 28)]


@pytest.mark.parametrize(
    ("due", "off", "last"),
    [
        # trước ngày 17/11/2025 (a Monday): the day before is a Sunday
        (dt.date(2025, 11, 17), LastDayOff.KEEP, dt.date(2025, 11, 16)),
        (dt.date(2025, 11, 17), LastDayOff.PREVIOUS_WORKING_DAY, dt.date(2025, 11, 14)),
        # trước ngày 3/9/2025: 2/9 is National Day, 1/9 its extra day off, 31/8 and 30/8 a weekend
        (dt.date(2025, 9, 3), LastDayOff.PREVIOUS_WORKING_DAY, dt.date(2025, 8, 29)),
        # a working day stays as it is, whatever the option
        (dt.date(2025, 11, 19), LastDayOff.PREVIOUS_WORKING_DAY, dt.date(2025, 11, 18)),
    ],
)
def test_a_before_deadline_can_move_its_last_day_back_to_a_working_day(
    plan: Plan, due: dt.date, off: LastDayOff, last: dt.date
) -> None:
    calendar = WorkingCalendar.from_config(plan.calendar)
    assert calendar.last_day(due, DeadlineRule.BEFORE, off) == last


def test_the_obligations_owe_the_moved_last_day(plan: Plan) -> None:
    calendar = WorkingCalendar.from_config(plan.calendar)
    annual = {s.last_day for s in expand_obligations(plan, calendar) if s.deliverable == "bao-cao-nam"}
    assert annual == {dt.date(2025, 11, 14)}


# --------------------------------------------------------------------------- verdicts


def test_a_reduction_by_a_size_is_met_at_its_lower_end_and_not_above() -> None:
    reduction = Reduction(low=D(2), high=D(3))
    judge = lambda value: attainment(Direction.REDUCE, D(value), None, baseline=D(50), reduction=reduction)  # noqa: E731
    assert judge(49) is Attainment.DAT  # 2% below 50
    assert judge("49.01") is Attainment.KHONG_DAT
    assert judge(40) is Attainment.DAT  # more than the range is still met
    assert attainment(Direction.REDUCE, D(49), None, reduction=reduction) is Attainment.NO_BASELINE


FIGURES = {
    "xa-a": {
        "tre_duoi_1_tiem_du": 45, "tre_duoi_1": 50,
        "tre_duoi_1_tiem_du_tt": 19, "tre_duoi_1_tt": 20,
        "tre_duoi_1_tiem_du_nt": 26, "tre_duoi_1_nt": 30,
        "tre_duoi_5_khai_sinh": 90, "tre_duoi_5": 100,
        "so_cuoc_tao_hon": 20,
    },
    "xa-b": {
        "tre_duoi_1_tiem_du": 46, "tre_duoi_1": 50,
        "tre_duoi_1_tiem_du_tt": 18, "tre_duoi_1_tt": 20,
        "tre_duoi_1_tiem_du_nt": 28, "tre_duoi_1_nt": 30,
        "tre_duoi_5_khai_sinh": 95, "tre_duoi_5": 100,
        "so_cuoc_tao_hon": 29,
    },
}  # fmt: skip


def results(plan: Plan) -> dict[str, IndicatorResult]:
    values = {unit: {k: D(v) for k, v in figures.items()} for unit, figures in FIGURES.items()}
    return {r.code: r for r in results_from_sums(plan, sums_from_values(plan, values))}


def test_each_row_gets_its_own_verdict_against_the_right_year(plan: Plan) -> None:
    got = results(plan)
    assert {code: (r.value, r.attainment) for code, r in got.items()} == {
        "CT01": (D("92.50"), Attainment.KHONG_DAT),  # 185/200, against 100%
        "CT02": (D("91.00"), Attainment.DAT),  # 91/100, against 2025's 90%, not 2030's 95%
        "CT02.tt": (D("92.50"), Attainment.KHONG_DAT),  # 37/40, against its own 95%
        "CT02.nt": (D("90.00"), Attainment.DAT),  # 54/60, against the whole's 90% for 2025
        "CT03": (D("92.50"), Attainment.NOT_DUE),  # only a target for 2030: shown, not judged
        "CT04": (D(49), Attainment.DAT),  # 49 is 2% below last year's 50
    }
    assert (got["CT02"].target, got["CT03"].target) == (D(90), None)


def test_the_target_reads_as_the_plan_states_it(plan: Plan) -> None:
    got = results(plan)
    assert {code: format_target(r) for code, r in got.items()} == {
        "CT01": "Đạt 100%",
        "CT02": "Đến năm 2025: đạt 90% trở lên; đến năm 2030: đạt 95% trở lên",
        "CT02.tt": "Đạt 95% trở lên",
        "CT02.nt": "Đến năm 2025: đạt 90% trở lên; đến năm 2030: đạt 95% trở lên",
        "CT03": "Đến năm 2030: đạt 98% trở lên",
        "CT04": "Giảm 2–3% so với năm trước (năm trước: 50; cần còn không quá 49)",
    }
    assert format_attainment(Attainment.NOT_DUE) == "Chưa đến năm đánh giá"


def test_a_plan_of_2030_judges_against_2030(plan: Plan) -> None:
    later = plan.model_copy(update={"plan": plan.plan.model_copy(update={"year": 2030})})
    got = results(later)
    assert (got["CT02"].target, got["CT02"].attainment) == (D(95), Attainment.KHONG_DAT)
    assert (got["CT03"].target, got["CT03"].attainment) == (D(98), Attainment.KHONG_DAT)


# --------------------------------------------------------------------------- the report


def test_the_report_heads_groups_with_the_plan_titles_and_numbers_as_the_plan(plan: Plan, tmp_path: Path) -> None:
    values = {unit: {k: D(v) for k, v in figures.items()} for unit, figures in FIGURES.items()}
    report_input = ReportInput(
        plan=plan,
        as_of=dt.date(2025, 11, 24),
        consolidated="tong-hop",
        obligations=(),
        indicator_sums=sums_from_values(plan, values, expected=frozenset(FIGURES)),
        value_units=frozenset(FIGURES),
        reporting_units=frozenset(FIGURES),
    )
    files = build_from_input(report_input, tmp_path, final=False, pdf=False)
    page = unescape(re.sub(r"<[^>]+>", " ", files.html.read_text(encoding="utf-8")))
    text = re.sub(r"\s+", " ", page)
    assert "Kế hoạch đề ra 3 chỉ tiêu" in text
    # The summary sentence counts the target not yet due, in the HTML and in the DOCX alike.
    summary = "có 3 chỉ tiêu đạt, 2 chỉ tiêu không đạt, 1 chỉ tiêu chưa đến năm đánh giá (chi tiết tại"
    assert summary in text
    docx_text = " ".join(p.text for p in DocxDocument(str(files.docx)).paragraphs)
    assert summary in " ".join(docx_text.split())
    # Phụ lục I: the plan's groups in its order, its numbers, the parts under their whole.
    table = text[text.index("Chỉ tiêu Mục tiêu Kết quả thực hiện") :]
    expected_order = [
        "a) Về chăm sóc sức khỏe trẻ em",
        "1a Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ Đến năm 2025: đạt 90% trở lên; đến năm 2030: đạt 95% trở lên 91% 2/2 Đạt",
        "Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ – thành thị Đạt 95% trở lên 92,5% 2/2 Không đạt",
        "Tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ – nông thôn",
        "1b Tỷ lệ trẻ em dưới 5 tuổi có thẻ bảo hiểm y tế Đến năm 2030: đạt 98% trở lên 92,5% 2/2 Chưa đến năm đánh giá",
        "b) Về bảo vệ trẻ em",
        "2 Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh",
        "3 Số cuộc tảo hôn Giảm 2–3% so với năm trước (năm trước: 50; cần còn không quá 49) 49 2/2 Đạt",
    ]
    positions = [table.find(part) for part in expected_order]
    assert -1 not in positions, [p for p, at in zip(expected_order, positions, strict=True) if at < 0]
    assert positions == sorted(positions)


# --------------------------------------------------------------------------- the forms


def test_phu_luc_i_collects_each_part_on_its_own_line(plan: Plan) -> None:
    target = FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")
    lines = form_layout(target, "PL1").lines
    assert [line.code for line in lines] == ["CT01", "CT02", "CT02.tt", "CT02.nt", "CT03", "CT04"]
    assert [cell.element for cell in lines[2].inputs] == ["tre_duoi_1_tiem_du_tt", "tre_duoi_1_tt"]


def entries(target: FormTarget, **figures: int) -> dict[str, str]:
    by_element = {**FIGURES["xa-a"], **figures}
    return {field.name: str(by_element[cell.element]) for field, cell in _cells(target) if cell.element}


def _cells(target: FormTarget):  # type: ignore[no-untyped-def]
    layout = form_layout(target, "PL1")
    fields = {f.name: f for f in web_fields(target, "PL1")}
    return [(fields[cell.address], cell) for cell in layout.inputs]


def test_a_rule_whose_side_adds_up_names_every_cell_on_both_sides(plan: Plan) -> None:
    target = FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")
    assert validate_entries(target, "PL1", entries(target)).ok
    result = validate_entries(target, "PL1", entries(target, tre_duoi_1_tiem_du_nt=27))
    address = {cell.element: cell.address for _, cell in _cells(target)}
    urban, rural, whole = (address[e] for e in ("tre_duoi_1_tiem_du_tt", "tre_duoi_1_tiem_du_nt", "tre_duoi_1_tiem_du"))
    assert [str(p) for p in result.problems] == [
        f"Phụ lục I, ô {urban}: Số trẻ tiêm chủng đầy đủ ở thành thị và nông thôn phải bằng tổng số "
        f"(ô {urban} + ô {rural}: 46; ô {whole}: 45)"
    ]


def test_a_rule_against_a_number_says_the_number(plan: Plan) -> None:
    target = FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")
    result = validate_entries(target, "PL1", entries(target, so_cuoc_tao_hon=21))
    cell = next(c.address for _, c in _cells(target) if c.element == "so_cuoc_tao_hon")
    assert [str(p) for p in result.problems] == [
        f"Phụ lục I, ô {cell}: «Số cuộc tảo hôn» phải nhỏ hơn hoặc bằng «20» (ô {cell}: 21; 20)"
    ]


def test_phu_luc_i_states_the_target_of_the_plan_year_and_the_size_of_a_reduction(plan: Plan) -> None:
    target = FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")
    lines = {line.code: dict(line.fixed) for line in form_layout(target, "PL1").lines}
    assert {code: fixed["E"] for code, fixed in lines.items()} == {
        "CT01": "100%",
        "CT02": "90%",  # 2025's, not 2030's
        "CT02.tt": "95%",
        "CT02.nt": "90%",
        "CT03": "98% (năm 2030)",
        "CT04": "Giảm 2–3%/năm",
    }
    reference = next(
        c.reference for line in form_layout(target, "PL1").lines if line.code == "CT04" for c in line.inputs
    )
    assert reference == "Mục tiêu: Giảm 2–3% so với năm trước"


def test_plan_show_says_when_a_last_day_is_not_a_working_day(shapes_path: Path) -> None:
    def last_days() -> str:
        result = CliRunner().invoke(app, ["plan", "show", str(shapes_path)], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.output

    assert "14/11/2025" in last_days() and "(ngày nghỉ)" not in last_days()
    edit(shapes_path, "    last_day_off: previous_working_day\n", "    last_day_off: keep\n")
    assert "16/11/2025 (ngày nghỉ)" in last_days()
