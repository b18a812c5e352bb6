"""The district report says what is true: what it counts, when its figures stop, who issued it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from docx import Document

from dutyflow.indicators import IndicatorSums
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.report.build import build_from_input
from dutyflow.report.context import template_context
from dutyflow.report.data import DutyReport, ReportInput, duty_holders, report_context
from tests.conftest import ICT
from tests.test_report_docx import body_lines, fixed_input

EMPTY_BRACKETS = re.compile(r"[(\[]\s*[)\]]")


def docx_text(path: Path) -> str:
    return "\n".join(body_lines(path))


def stripped_plan() -> Plan:
    """The bundled plan with every optional field a report prints left out."""
    plan = load_plan(BUNDLED_PLAN)
    header = plan.plan.model_copy(
        update={
            "number": None,
            "issued_on": None,
            "recipients": [],
            "issuer": plan.plan.issuer.model_copy(update={"parent": None}),
            "signer": plan.plan.signer.model_copy(update={"authority": None}),
        }
    )
    deliverables = [d.model_copy(update={"period_label": None}) for d in plan.deliverables]
    return plan.model_copy(update={"plan": header, "deliverables": deliverables})


def no_data(report_input: ReportInput) -> ReportInput:
    """The same report before anyone sent a figure."""
    sums = {code: IndicatorSums(expected=s.expected) for code, s in report_input.indicator_sums.items()}
    return dataclasses.replace(
        report_input, indicator_sums=sums, reporting_units=frozenset(), duty_reports=(), tables={}
    )


def test_a_report_without_any_figure_does_not_say_every_indicator_is_met(tmp_path: Path) -> None:
    files = build_from_input(no_data(fixed_input()), tmp_path, final=True, pdf=False)
    for text in (docx_text(files.docx), files.html.read_text(encoding="utf-8")):
        assert "đều đạt" not in text
        assert "Chưa có chỉ tiêu nào đủ số liệu để đánh giá so với kế hoạch." in text


def test_a_report_with_figures_all_met_still_says_so(tmp_path: Path) -> None:
    report_input = fixed_input()
    rc = report_context(report_input, final=True)
    met = {r.code for r in rc.indicators if r.attainment.value == "dat"}
    sums = {
        code: s if code in met else IndicatorSums(expected=s.expected)
        for code, s in report_input.indicator_sums.items()
    }
    files = build_from_input(dataclasses.replace(report_input, indicator_sums=sums), tmp_path, final=True, pdf=False)
    assert "Các chỉ tiêu đã có số liệu đều đạt so với kế hoạch." in docx_text(files.docx)


def test_reporting_counts_are_labelled_as_reports(tmp_path: Path) -> None:
    files = build_from_input(fixed_input(), tmp_path, final=True, pdf=False)
    text = docx_text(files.docx)
    assert "đơn vị đã gửi" not in text
    assert "đã nhận 27/30 báo cáo phải gửi, đạt 90%; gửi đúng hạn 26/30 báo cáo, đạt 86,67%." in text
    assert "đã nhận 27/30 báo cáo phải gửi" in files.html.read_text(encoding="utf-8")


@pytest.mark.parametrize("figures", ["with figures", "without figures"])
def test_no_empty_brackets_when_optional_fields_are_missing(tmp_path: Path, figures: str) -> None:
    report_input = dataclasses.replace(fixed_input(), plan=stripped_plan())
    if figures == "without figures":
        report_input = no_data(report_input)
    files = build_from_input(report_input, tmp_path, final=False, pdf=False)
    for text in (docx_text(files.docx), files.html.read_text(encoding="utf-8")):
        assert not EMPTY_BRACKETS.search(text), EMPTY_BRACKETS.findall(text)


def test_docx_properties_carry_the_reports_title_issuer_and_instant(tmp_path: Path) -> None:
    cutoff = dt.datetime(2025, 11, 20, 17, 0, tzinfo=ICT)
    report_input = dataclasses.replace(fixed_input(), cutoff=cutoff)
    files = build_from_input(report_input, tmp_path, final=True, pdf=False)
    core = Document(str(files.docx)).core_properties
    assert core.title == "Báo cáo kết quả thực hiện công tác trẻ em năm 2025"
    assert core.author == report_input.plan.plan.issuer.name == core.last_modified_by
    assert core.created == core.modified == dt.datetime(2025, 11, 20, 10, 0, tzinfo=dt.UTC)
    assert core.language == "vi-VN"
    draft = build_from_input(report_input, tmp_path / "draft", final=False, pdf=False)
    assert Document(str(draft.docx)).core_properties.title == f"DỰ THẢO – {core.title}"


def test_the_report_states_its_cut_off(tmp_path: Path) -> None:
    report_input = dataclasses.replace(fixed_input(), cutoff=dt.datetime(2025, 11, 20, 17, 0, tzinfo=ICT))
    files = build_from_input(report_input, tmp_path, final=True, pdf=False)
    assert "(số liệu đến 17 giờ ngày 20/11/2025)" in docx_text(files.docx)
    assert "(số liệu đến 17 giờ ngày 20/11/2025)" in files.html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        (dt.datetime(2025, 11, 20, 8, 30, tzinfo=ICT), "8 giờ 30 phút ngày 20/11/2025"),
        (dt.datetime(2025, 11, 21, 0, 0, tzinfo=ICT), "24 giờ ngày 20/11/2025"),
        (dt.datetime(2025, 11, 20, 3, 0, tzinfo=dt.UTC), "10 giờ ngày 20/11/2025"),  # read in the plan's zone
        (None, "24 giờ ngày 24/11/2025"),  # no instant: the whole day of the report
    ],
)
def test_the_cut_off_reads_as_offices_write_it(cutoff: dt.datetime | None, expected: str) -> None:
    context = template_context(report_context(dataclasses.replace(fixed_input(), cutoff=cutoff), final=True))
    assert context["cutoff"] == expected


def test_phu_luc_ii_counts_the_same_units_in_every_column() -> None:
    """Partners (phối hợp) answer for a duty on their Phụ lục II: they are counted among the
    units that carry it out, and only those units' answers fill the status columns."""
    report_input = fixed_input()
    plan = report_input.plan
    holders = duty_holders(plan)
    partnered = [d for d in plan.duties if d.partners]
    assert partnered
    extra = []
    for duty in partnered:
        in_charge = {u.code for u in plan.expand_units(duty.units)}
        partners = sorted((holders[duty.code] - in_charge) & report_input.reporting_units)
        extra += [DutyReport(unit=code, duty=duty.code, status="Đang thực hiện") for code in partners[:7]]
    # A unit neither in charge nor a partner that answers anyway is not one of the duty's units.
    duty, stranger = next(
        (d, u) for d in plan.duties for u in sorted(report_input.reporting_units) if u not in holders[d.code]
    )
    extra.append(DutyReport(unit=stranger, duty=duty.code, status="Đã hoàn thành"))
    report_input = dataclasses.replace(report_input, duty_reports=(*report_input.duty_reports, *extra))
    rows = template_context(report_context(report_input, final=True))["duty_rows"]
    checked = 0
    for row in rows:
        if row["done"] == "-":
            continue
        columns = [int(row[key]) for key in ("done", "doing", "not_done", "other", "unreported")]
        assert sum(columns) == row["assigned"], row
        checked += 1
    assert checked >= len(partnered)
    first = next(r for r in rows if r["title"] == partnered[0].title)
    assert first["assigned"] == len(holders[partnered[0].code] & report_input.value_units)
