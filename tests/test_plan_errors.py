"""Every kind of plan error names the file, the line and the field, in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutyflow.plan import PlanError, load_plan


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` by `new` in the plan file; return the line `new` starts on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def only_issue(path: Path):
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert len(caught.value.issues) == 1, caught.value.render()
    return caught.value.issues[0]


def test_it_accepts_the_mini_plan(mini_plan_path: Path) -> None:
    plan = load_plan(mini_plan_path)
    assert plan.plan.code == "mini-2025"


CASES = [
    # (old, new, expected field, words the message must contain)
    ("  year: 2025\n", "  year: 2025\n  yeer: 2024\n", "plan.yeer", "không được chấp nhận"),
    ("    due: 2025-05-20\n", "    due: 2025-02-30\n", "deliverables[0].due", "ngày không có thật"),
    (
        "    units: [cac-xa]\n    partners",
        "    units: [cac-xa, phong-khong-co]\n    partners",
        "duties[1].units[1]",
        "phong-khong-co",
    ),
    ("  - code: xa-b\n", "  - code: xa-a\n", "units[3].code", "bị trùng"),
    ("    cutoff: 2025-05-15\n", "    cutoff: 2025-05-25\n", "deliverables[0].cutoff", "ngày chốt số liệu"),
    ("    due: 2025-11-25\n", "    due: 2025-11-10\n", "deliverables[3].inputs[1]", "phải sau hạn cuối"),
    ('email: "vhxh@xa-a.thunghiem.example"', 'email: "vhxh@@xa-a"', "units[2].focal.email", "thư điện tử không hợp lệ"),
    ('name: "Phòng Tư pháp"', 'name: "Phòng Tư pháp\\r\\nBcc: x@y.example"', "units[1].name", "ký tự điều khiển"),
    (
        "    numerator: tre_duoi_5_khai_sinh\n",
        "    numerator: tre_khong_co\n",
        "indicators[0].numerator",
        "tre_khong_co",
    ),
    (
        "    forms: [PL1]\n    due: 2025-05-20",
        "    forms: [PL9]\n    due: 2025-05-20",
        "deliverables[0].forms[0]",
        "PL9",
    ),
    (
        "    rule: before\n    cutoff: 2025-05-15",
        "    rule: truoc\n    cutoff: 2025-05-15",
        "deliverables[0].rule",
        "«before» hoặc «by»",
    ),
    ('    gso_code: "00001"\n', '    gso_code: "1"\n', "units[2].gso_code", "5 chữ số"),
    ("  office: vp\n", "  office: vp-khong-co\n", "plan.office", "vp-khong-co"),
    (
        "    direction: reach_100\n    target: 100",
        "    direction: reach_100\n    target: 95",
        "indicators[0].target",
        "reach_100",
    ),
    ("    kind: office\n", "    kind: ministry\n", "units[0].kind", "ministry"),
]


@pytest.mark.parametrize(("old", "new", "field", "words"), CASES, ids=[c[2] for c in CASES])
def test_it_names_the_line_and_field_of_each_error(
    mini_plan_path: Path, old: str, new: str, field: str, words: str
) -> None:
    line = edit(mini_plan_path, old, new)
    issue = only_issue(mini_plan_path)
    assert issue.field == field
    assert words in issue.message
    rendered = str(issue)
    assert f"dòng {issue.line}" in rendered and str(mini_plan_path) in rendered
    # The line given is where the edit was made, or the line of the entry holding the faulty reference.
    assert abs(issue.line - line) <= 1 or field.endswith("inputs[1]"), (issue.line, line)


def test_it_reports_the_missing_field_on_its_parent_line(mini_plan_path: Path) -> None:
    line = edit(
        mini_plan_path, '    head: {name: "Trưởng phòng Tư pháp", email: "truongphong@tuphap.thunghiem.example"}\n', ""
    )
    issue = only_issue(mini_plan_path)
    assert issue.field == "units[1].head"
    assert "thiếu trường bắt buộc" in issue.message
    assert issue.line == line - 4  # the "- code: tu-phap" line of that unit


def test_it_reports_all_errors_of_a_file_at_once(mini_plan_path: Path) -> None:
    edit(mini_plan_path, "  year: 2025\n", "  year: 2025\n  yeer: 1\n")
    edit(mini_plan_path, "    due: 2025-05-20\n", "    due: 2025-13-01\n")
    edit(mini_plan_path, "    kind: office\n", "    kind: palace\n")
    with pytest.raises(PlanError) as caught:
        load_plan(mini_plan_path)
    fields = {issue.field for issue in caught.value.issues}
    assert fields == {"plan.yeer", "deliverables[0].due", "units[0].kind"}
    assert caught.value.render().startswith(f"Tệp {mini_plan_path} có 3 lỗi:")


def test_it_reports_all_cross_reference_errors_at_once(mini_plan_path: Path) -> None:
    edit(mini_plan_path, "  office: vp\n", "  office: khong-co\n")
    edit(mini_plan_path, "    forms: [PL1]\n    due: 2025-05-20", "    forms: [PL7]\n    due: 2025-05-20")
    with pytest.raises(PlanError) as caught:
        load_plan(mini_plan_path)
    assert {i.field for i in caught.value.issues} == {"plan.office", "deliverables[0].forms[0]"}


def test_it_gives_the_line_of_a_yaml_syntax_error(mini_plan_path: Path) -> None:
    line = edit(mini_plan_path, "  year: 2025\n", "  year: [2025\n")
    issue = only_issue(mini_plan_path)
    assert "cú pháp YAML" in issue.message
    assert line <= issue.line <= line + 2


def test_it_says_when_the_file_does_not_exist(tmp_path: Path) -> None:
    issue = only_issue(tmp_path / "khong-co.yaml")
    assert "Không tìm thấy tệp kế hoạch" in issue.message


def test_it_refuses_a_successor_cycle(mini_plan_path: Path) -> None:
    edit(
        mini_plan_path,
        '    gso_code: "00001"\n',
        '    gso_code: "00001"\n    closes: 2025-07-01\n    successor: xa-b\n',
    )
    edit(
        mini_plan_path,
        '    gso_code: "00002"\n',
        '    gso_code: "00002"\n    closes: 2025-08-01\n    successor: xa-a\n',
    )
    with pytest.raises(PlanError) as caught:
        load_plan(mini_plan_path)
    assert any("vòng lặp" in i.message and i.field.endswith("successor") for i in caught.value.issues)


def test_it_refuses_a_successor_without_a_closing_date(mini_plan_path: Path) -> None:
    edit(mini_plan_path, '    gso_code: "00001"\n', '    gso_code: "00001"\n    successor: xa-b\n')
    issue = only_issue(mini_plan_path)
    assert issue.field == "units[2].successor"
    assert "ngày đóng" in issue.message
