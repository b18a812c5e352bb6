"""Validation rules across the forms of one report, and rules that warn but accept: the plan's
`rules` compare Phụ lục I with a table of the same workbook (or web form), name the cells of both
sheets, return the report when a rule that refuses fails, and accept it when only rules that warn
fail, showing the warning in the receipt, on the unit's page and on the office's list."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.forms import (
    FormResult,
    FormTarget,
    WebField,
    check_across,
    parse_workbook,
    validate_entries,
    web_fields,
)
from dutyflow.forms.layout import form_layout
from dutyflow.forms.model import Problem
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.states import ObligationState, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import SubmissionRow
from tests.conftest import FIXTURES
from tests.filling import filled_workbook, sensible
from tests.test_portal import csrf_of, login, open_site, upload

RULES_PLAN = FIXTURES / "rules-plan.yaml"
GOOD = {
    ("PL1", "tre_duoi_5_khai_sinh"): 150,
    ("PL1", "tre_duoi_5"): 200,
    ("PL3", "tre_duoi_5", "nam"): 104,
    ("PL3", "tre_duoi_5", "nu"): 96,
    ("PL3", "khai_sinh_qua_han", "nam"): 3,
    ("PL3", "khai_sinh_qua_han", "nu"): 2,
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(RULES_PLAN)


def target_of(plan: Plan) -> FormTarget:
    return FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")


def filler(target: FormTarget, **changes: int) -> Callable[[str, WebField], object]:
    """Fills each input cell with GOOD's figure, `changes` keyed "PL3_tre_duoi_5_nu"."""
    figures = dict(GOOD)
    for key, value in changes.items():
        figures[tuple(key.split("__"))] = value  # type: ignore[index]
    by_address = {}
    for code in ("PL1", "PL3"):
        for cell in form_layout(target, code).inputs:
            key = (code, cell.element) if cell.element else (code, cell.row, cell.column)
            by_address[(code, cell.address)] = figures[key]
    return lambda form, field: by_address[(form, field.name)]


def entries(target: FormTarget, code: str, **changes: int) -> dict[str, object]:
    fill = filler(target, **changes)
    return {
        cell.address: fill(code, WebField(cell.address, "", "", "integer")) for cell in form_layout(target, code).inputs
    }


def web_result(target: FormTarget, **changes: int) -> FormResult:
    result = validate_entries(target, "PL1", entries(target, "PL1", **changes))  # type: ignore[arg-type]
    result += validate_entries(target, "PL3", entries(target, "PL3", **changes))  # type: ignore[arg-type]
    return result + check_across(target, result)


def address(target: FormTarget, code: str, row: str, column: str | None = None) -> str:
    return next(
        c.address
        for c in form_layout(target, code).inputs
        if (c.element == row if column is None else (c.row, c.column) == (row, column))
    )


def test_figures_that_agree_across_the_forms_pass(plan: Plan) -> None:
    result = web_result(target_of(plan))
    assert result.ok and result.warnings == ()


def test_a_rule_across_forms_refuses_and_names_the_cells_of_both_sheets(plan: Plan) -> None:
    target = target_of(plan)
    result = web_result(target, PL3__tre_duoi_5__nu=95)
    g, first, last = (
        address(target, "PL1", "tre_duoi_5"),
        address(target, "PL3", "tre_duoi_5", "nam"),
        address(target, "PL3", "tre_duoi_5", "nu"),
    )
    assert [str(p) for p in result.problems] == [
        f"Phụ lục I, ô {g}: Số trẻ dưới 5 tuổi ở Phụ lục I phải bằng tổng ở Phụ lục III "
        f"(Phụ lục I, ô {g}: 200; Phụ lục III, ô {first} đến {last}: 199)"
    ]
    # The same workbook, uploaded, says the same.
    workbook = filled_workbook(target, filler(target, PL3__tre_duoi_5__nu=95))
    assert [str(p) for p in parse_workbook(workbook, target).problems] == [str(p) for p in result.problems]


def test_a_rule_is_not_checked_until_every_cell_it_names_is_filled_in(plan: Plan) -> None:
    target = target_of(plan)
    typed = entries(target, "PL3", PL3__tre_duoi_5__nu=95)
    typed[address(target, "PL3", "tre_duoi_5", "nu")] = ""
    result = validate_entries(target, "PL1", entries(target, "PL1"))  # type: ignore[arg-type]
    result += validate_entries(target, "PL3", typed)  # type: ignore[arg-type]
    across = check_across(target, result)
    assert across.problems == () and across.warnings == ()


def test_rules_that_warn_accept_the_report_and_say_why(plan: Plan) -> None:
    target = target_of(plan)
    result = web_result(target, PL3__khai_sinh_qua_han__nam=100, PL3__khai_sinh_qua_han__nu=60)
    assert result.ok
    warnings = [str(w) for w in result.warnings]
    first = address(target, "PL3", "khai_sinh_qua_han", "nam")
    last = address(target, "PL3", "khai_sinh_qua_han", "nu")
    g = address(target, "PL1", "tre_duoi_5_khai_sinh")
    assert warnings == [
        f"Phụ lục III, ô {first}: Số trẻ đăng ký khai sinh quá hạn cao bất thường, đề nghị kiểm tra lại "
        "(tổng dòng «Trong đó: đăng ký khai sinh quá hạn»: 160; tổng dòng «10»: 10)",
        f"Phụ lục III, ô {first}: «Phụ lục III: Trong đó: đăng ký khai sinh quá hạn» phải nhỏ hơn hoặc bằng "
        f"«Phụ lục I: Trẻ dưới 5 tuổi được đăng ký khai sinh» (Phụ lục III, ô {first} đến {last}: 160; "
        f"Phụ lục I, ô {g}: 150)",
    ]


def test_plan_check_names_the_line_of_a_bad_rule(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.yaml"
    shutil.copy(RULES_PLAN, path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - left: PL1.tre_duoi_5\n", "  - left: PL9.tre_duoi_5\n", 1)
    text = text.replace("    right: PL1.tre_duoi_5_khai_sinh\n", "    right: tre_duoi_5_khai_sinh\n", 1)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    result = CliRunner().invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code != 0
    output = " ".join(result.output.split())
    bad_form = lines.index("  - left: PL9.tre_duoi_5") + 1
    no_form = lines.index("    right: tre_duoi_5_khai_sinh") + 1
    assert f"dòng {bad_form}, trường «rules[0].left»: Quy tắc nhắc đến biểu mẫu «PL9»" in output
    assert (
        f"dòng {no_form}, trường «rules[1].right»: Mỗi ô của quy tắc giữa các biểu mẫu phải ghi cả mã biểu mẫu"
        in output
    )


def test_plan_check_refuses_a_rule_no_report_can_meet(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.yaml"
    shutil.copy(RULES_PLAN, path)
    text = path.read_text(encoding="utf-8").replace("    forms: [PL1, PL3]\n", "    forms: [PL1]\n", 1)
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "200"})
    output = " ".join(result.output.split())
    assert result.exit_code != 0
    assert "Không báo cáo nào có đủ các biểu mẫu PL1, PL3" in output


def page_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_a_warned_report_is_accepted_and_the_unit_and_the_office_see_the_warning(
    engine: Engine, tmp_path: Path
) -> None:
    with open_site(engine, RULES_PLAN, tmp_path) as site:
        token = site.token("xa-a")
        obligation = site.obligation("xa-a", "bao-cao-6-thang")
        target = site.target("xa-a", "bao-cao-6-thang")
        workbook = filled_workbook(target, filler(target, PL3__khai_sinh_qua_han__nam=11, PL3__khai_sinh_qua_han__nu=1))
        response = upload(site, token, obligation.id, workbook)
        assert response.status_code == 200, response.text
        warning = "Số trẻ đăng ký khai sinh quá hạn cao bất thường, đề nghị kiểm tra lại"
        assert "Biên nhận" in response.text and warning in page_text(response.text)
        assert site.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.ACCEPTED
        with session_scope(engine) as session:
            submission = session.scalars(select(SubmissionRow)).one()
            assert submission.status == SubmissionStatus.ACCEPTED and submission.reasons == []
            assert len(submission.warnings) == 1 and warning in submission.warnings[0]
            session.expunge(submission)
        [receipt] = site.outbox.sent
        assert "Lưu ý: báo cáo vẫn được tiếp nhận" in " ".join(receipt.text.split())
        assert warning in " ".join(receipt.text.split()) and warning in (receipt.html or "")
        stored = submission.warnings[0]
        assert stored.startswith("Phụ lục III, ô ")
        assert f"Lưu ý: {stored}" in page_text(site.client.get(f"/u/{token}").text)
        login(site)
        csrf_of(site)
        assert f"Lưu ý: {stored}" in page_text(site.client.get("/van-phong/bao-cao").text)

        # A rule that refuses still returns the report, with the cells of both sheets.
        returned = upload(site, token, obligation.id, filled_workbook(target, filler(target, PL1__tre_duoi_5=201)))
        assert returned.status_code == 422 and "Phụ lục III, ô" in page_text(returned.text)


def test_a_commune_of_the_bundled_plan_that_counts_more_than_itself_is_warned() -> None:
    plan = load_plan(BUNDLED_PLAN)
    commune = next(u for u in plan.units if u.kind == "commune")
    target = FormTarget(plan, commune.code, "bao-cao-6-thang", "2025", "6 tháng đầu năm 2025")
    typed = {field.name: sensible("PL1", field) for field in web_fields(target, "PL1")}
    cell = next(c.address for c in form_layout(target, "PL1").inputs if c.element == "so_xa_thi_tran")

    def at_cell(found: Sequence[Problem]) -> list[str]:
        return [str(p) for p in found if p.cell == cell]

    sound = validate_entries(target, "PL1", typed)  # the tests' filler puts 1, as a commune would
    assert at_cell(sound.problems) == [] and at_cell(sound.warnings) == []
    result = validate_entries(target, "PL1", typed | {cell: 2})
    assert at_cell(result.problems) == []  # a warning: the report is taken, the office looks at it
    assert at_cell(result.warnings) == [
        f"Phụ lục I, ô {cell}: Mỗi xã, thị trấn chỉ báo cáo chính đơn vị mình (số xã, thị trấn là 1) (ô {cell}: 2; 1)"
    ]
