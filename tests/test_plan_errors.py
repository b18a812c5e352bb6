"""Every kind of plan error names the file, the line and the field, in Vietnamese."""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.messages import t
from dutyflow.plan import MAX_ISSUES, Plan, PlanError, load_plan, parse_plan
from dutyflow.plan.source import SourceMap, load_yaml_with_lines
from tests.conftest import MINI_PLAN


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


# --------------------------------------------------------------------------- the bad-plan corpus
# Each case builds one bad plan file and says which line(s) the answer must name and which words
# it must contain. `dutyflow plan check` must answer every one in Vietnamese, with the file and the
# line, without a traceback or a word of English, in under a few seconds.

MINI_TEXT = MINI_PLAN.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Bad:
    """A bad plan: the file's bytes (or None to leave `path` as `make` set it up), the lines the
    answer must name, and words it must contain."""

    id: str
    content: bytes | None
    lines: tuple[int, ...]
    words: str
    make: Callable[[Path], None] | None = None


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th `fragment` in `text`."""
    index = -1
    for _ in range(occurrence):
        index = text.index(fragment, index + 1)
    return text.count("\n", 0, index) + 1


def mutated(old: str, new: str, fragment: str | None = None, occurrence: int = 1) -> tuple[bytes, int]:
    """The mini plan with `old` replaced by `new`, and the line of `fragment` (default: `new`)."""
    assert old in MINI_TEXT, old
    text = MINI_TEXT.replace(old, new, 1)
    return text.encode("utf-8"), line_of(text, fragment or new, occurrence)


def _case(id: str, old: str, new: str, words: str, fragment: str | None = None) -> Bad:
    content, line = mutated(old, new, fragment)
    return Bad(id, content, (line,), words)


def _alias_bomb() -> bytes:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n").encode("ascii")


def _sparse(size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("wb") as handle:
            handle.truncate(size)

    return make


_TARGET_BLOCK = "    measure: percent\n    numerator: tre_duoi_5_khai_sinh\n    denominator: tre_duoi_5\n    direction: reach_100\n    target: 100\n"


def _indicator(measure: str, direction: str, tail: str, denominator: bool = True) -> str:
    den = "    denominator: tre_duoi_5\n" if denominator else ""
    return f"    measure: {measure}\n    numerator: tre_duoi_5_khai_sinh\n{den}    direction: {direction}\n{tail}"


BAD_PLANS: list[Bad] = [
    # the file itself
    Bad("missing-file", None, (1,), "Không tìm thấy tệp kế hoạch"),
    Bad("directory", None, (1,), "là một thư mục", make=lambda p: p.mkdir()),
    Bad("too-large", None, (1,), "vượt giới hạn 8 MB", make=_sparse(9 * 1024 * 1024)),
    Bad("empty", b"", (1,), "tệp kế hoạch rỗng"),
    Bad("only-comments", b"# k\xe1\xba\xbf ho\xe1\xba\xa1ch\n\n# tr\xe1\xbb\x91ng\n", (1,), "tệp kế hoạch rỗng"),
    Bad("top-level-list", b"- plan\n- units\n", (1,), "không phải một danh sách"),
    Bad("top-level-scalar", "kế hoạch năm 2025\n".encode(), (1,), "không phải một giá trị đơn"),
    Bad("binary-png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", (1,), "không phải văn bản UTF-8"),
    Bad("nul-byte", MINI_TEXT.replace("  year: 2025\n", "  year: 20\x0025\n").encode(), (4,), "không phải văn bản UTF-8"),
    Bad("latin-1", MINI_TEXT.replace("Kế hoạch thử nghiệm", "Plan café").encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xe9"), (5,), "không phải văn bản UTF-8"),
    Bad("utf-16", MINI_TEXT.encode("utf-16"), (1,), "không phải văn bản UTF-8"),
    Bad("cp1258-bytes", b"plan:\n  code: x\n  title: \"K\xd2 ho\xf2ch\"\n", (3,), "không phải văn bản UTF-8"),
    Bad("escape-character", MINI_TEXT.replace("Phòng Tư pháp\"", "Phòng Tư pháp\x1b[31m\"").encode(), (25,), "ký tự điều khiển U+001B"),
    # YAML
    Bad("alias-bomb", _alias_bomb(), (6,), "vượt quá 100.000 giá trị"),
    Bad("recursive-alias", b"plan: &p\n  code: x\n  self: *p\n", (3,), "trỏ vào chính khối"),
    Bad("undefined-alias", MINI_TEXT.replace("  office: vp\n", "  office: *vp\n").encode(), (14,), "chưa được khai báo"),
    _case("duplicate-key", "  title: \"Kế hoạch", "  title: \"Bản nháp\"\n  title: \"Kế hoạch", "xuất hiện hai lần", "  title: \"Kế hoạch"),
    _case("duplicate-section", "groups:\n", "units:\n  - code: vp2\ngroups:\n", "«units» xuất hiện hai lần", "units:\n  - code: vp2"),
    _case("tab-indentation", "  year: 2025\n", "\tyear: 2025\n", "ký tự tab"),
    _case("unclosed-list", "  year: 2025\n", "  year: [2025\n", "thiếu dấu phẩy «,» hoặc dấu đóng «]»"),
    _case("unclosed-quote", '  title: "Kế hoạch thử nghiệm năm 2025"\n', '  title: "Kế hoạch thử nghiệm năm 2025\n', "thiếu dấu nháy kép đóng ở dòng", '  title: "Kế'),
    _case("bad-indentation", "    kind: office\n", "      kind: office\n", "cú pháp YAML", "      kind: office"),
    _case("colon-in-value", '  title: "Kế hoạch thử nghiệm năm 2025"\n', "  title: Kế hoạch: thử nghiệm\n", "dấu hai chấm"),
    Bad("two-documents", MINI_TEXT.encode() + b"---\nplan: {}\n", (2, MINI_TEXT.count("\n") + 1), "nhiều hơn một tài liệu YAML"),
    _case("python-tag", "  office: vp\n", "  office: !!python/object/apply:os.system [ls]\n", "!!python/object/apply:os.system"),
    _case("binary-tag", "  office: vp\n", "  office: !!binary dnA=\n", "«!!binary»"),
    _case("complex-key", "  office: vp\n", "  ? [office]\n  : vp\n", "khoá phải là một tên đơn", "  ? [office]"),
    _case("deep-nesting", "  office: vp\n", "  office: " + "[" * 1200 + "]" * 1200 + "\n", "lồng nhau quá sâu", "  office: ["),
    # the model
    _case("unknown-section", "groups:\n", "nhom:\n  - a\ngroups:\n", "không được chấp nhận", "nhom:"),
    _case("percent-150", _TARGET_BLOCK, _indicator("percent", "at_least", "    target: 150\n"), "từ 0 đến 100", "    target: 150"),
    _case("percent-negative", _TARGET_BLOCK, _indicator("percent", "at_most", "    target: -5\n"), "từ 0 đến 100", "    target: -5"),
    _case("permille-1200", _TARGET_BLOCK, _indicator("permille", "at_most", "    target: 1200\n"), "từ 0 đến 1.000", "    target: 1200"),
    _case("per-100000", _TARGET_BLOCK, _indicator("per_100000", "at_most", "    target: 250000\n"), "từ 0 đến 100.000", "    target: 250000"),
    _case("count-negative", _TARGET_BLOCK, _indicator("count", "at_least", "    target: -1\n", False), "không được âm", "    target: -1"),
    _case("baseline-negative", _TARGET_BLOCK, _indicator("percent", "reduce", "    baseline: -0.5\n"), "giá trị năm trước (baseline) -0.5", "    baseline"),
    _case("target-not-a-number", "    target: 100\n", "    target: .nan\n", "cần một số hữu hạn"),
    _case("target-text", "    target: 100\n", "    target: một trăm\n", "cần một số; đã nhận «một trăm»"),
    _case("unit-kind", "    kind: office\n", "    kind: ministry\n", "«town» hoặc «special_zone»"),
    _case("deadline-rule", "    rule: before\n    cutoff: 2025-05-15", "    rule: truoc\n    cutoff: 2025-05-15", "«before» hoặc «by»", "    rule: truoc"),
    _case("rich-markup-in-value", "    kind: office\n", '    kind: "[/bold]"\n', "«[/bold]»", "    kind: \"["),
    _case("recurrence-far", "end: 2025-06-30", "end: 9999-12-31", "lịch lặp", "    recurrence:"),
    _case("year-is-a-list", "  year: 2025\n", "  year: [2025]\n", "cần một số nguyên; đã nhận «một danh sách»"),
    _case("impossible-date", "    due: 2025-05-20\n", "    due: 2025-02-29\n", "ngày không có thật"),
    _case("units-not-a-list", "    units: [vp]\n    inputs", "    units: vp\n    inputs", "cần một danh sách", "    units: vp"),
    _case("long-key-twice", "groups:\n", "k" * 1000 + ": 1\n" + "k" * 1000 + ": 2\ngroups:\n", "k" * 59 + "…", "k" * 1000 + ": 2"),
    _case("overlong-key", "groups:\n", "k" * 100_000 + ": 1\ngroups:\n", "thiếu dấu hai chấm «:» sau tên khoá", "k" * 100_000),
    _case("very-long-email", '"vhxh@xa-a.thunghiem.example"', '"' + "v" * 100_000 + '@x"', "thư điện tử không hợp lệ: «vvvv", "v" * 1000),
    _case("contact-name-too-long", 'focal: {name: "Cán bộ Tư pháp"', 'focal: {name: "' + "Cán bộ Tư pháp " * 12 + '"', "dài quá 150 ký tự", 'focal: {name: "Cán bộ Tư pháp Cán'),
    _case("contact-not-a-mapping", '    focal: {name: "Cán bộ Văn phòng", email: "vanthu@vp.thunghiem.example"}\n', "    focal: vanthu@vp\n", "cần một bảng khoá–giá trị"),
]

ENGLISH = re.compile(
    r"\b(Traceback|Error|Exception|error|expected|found|while|or|not|Input should|Field required|allowed|"
    r"line|column|position|could|did|Value|value is|Invalid|invalid)\b"
)


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(BAD_PLANS) >= 30
    assert len({bad.id for bad in BAD_PLANS}) == len(BAD_PLANS)


@pytest.mark.parametrize("bad", BAD_PLANS, ids=[bad.id for bad in BAD_PLANS])
def test_plan_check_answers_every_bad_plan_in_vietnamese(tmp_path: Path, bad: Bad) -> None:
    path = tmp_path / "ke-hoach.yaml"
    if bad.make is not None:
        bad.make(path)
    elif bad.content is not None:
        path.write_bytes(bad.content)
    started = time.perf_counter()
    result = CliRunner().invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "100000"})
    elapsed = time.perf_counter() - started
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert result.exit_code == 1, output
    assert elapsed < 3, elapsed
    assert "Traceback" not in output
    assert str(path) in output
    for line in bad.lines:
        assert re.search(rf"dòng {line}\b", output), (line, output)
    assert bad.words in output, output
    assert "Lỗi:" in output and "Tệp " in output
    assert len(output) < 20_000 + len(bad.words)  # what the file holds is quoted short
    english = ENGLISH.findall(output.replace(str(path), ""))
    assert not english, (english, output)


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    content, second = mutated("  title: \"Kế hoạch", "  title: \"Bản nháp\"\n  title: \"Kế hoạch", "  title: \"Kế hoạch")
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    issue = only_issue(path)
    assert (issue.line, issue.field) == (second, "plan.title")
    assert f"ở dòng {second - 1} và ở dòng {second}" in issue.message


def test_a_syntax_error_names_where_the_construct_starts_and_where_the_parser_stopped(tmp_path: Path) -> None:
    content, start = mutated("  year: 2025\n", "  year: [2025\n")
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    issue = only_issue(path)
    assert issue.line == start
    assert f"phát hiện ở dòng {start + 1}" in issue.message
    assert f"danh sách trong ngoặc vuông «[ ]» bắt đầu ở dòng {start}" in issue.message


def test_an_unclosed_quote_is_pointed_at(tmp_path: Path) -> None:
    content, quote = mutated('  title: "Kế hoạch thử nghiệm năm 2025"\n', '  title: "Kế hoạch thử nghiệm năm 2025\n', '  title: "Kế')
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    assert f"thiếu dấu nháy kép đóng ở dòng {quote}" in only_issue(path).message


def test_bad_plans_answer_every_error_at_once(tmp_path: Path) -> None:
    duplicate = MINI_TEXT.replace("  title: \"Kế hoạch", "  title: \"Bản nháp\"\n  title: \"Kế hoạch", 1)
    path = tmp_path / "plan.yaml"
    # a duplicate key with the model's own errors
    path.write_text(duplicate.replace("    kind: office\n", "    kind: ministry\n", 1).replace("2025-05-20", "2025-02-30", 1))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert {i.field for i in caught.value.issues} == {"plan.title", "units[0].kind", "deliverables[0].due"}
    # a duplicate key with the cross-checks (ranges, references)
    text = duplicate.replace(_TARGET_BLOCK, _indicator("percent", "at_least", "    target: 150\n    baseline: 101\n"), 1)
    path.write_text(text.replace("  office: vp\n", "  office: vp-khong-co\n", 1))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert {i.field for i in caught.value.issues} == {
        "plan.title",
        "plan.office",
        "indicators[0].target",
        "indicators[0].baseline",
    }


def test_benign_aliases_are_read(tmp_path: Path) -> None:
    text = MINI_TEXT.replace(
        '    head: {name: "Chánh Văn phòng", email: "chanh@vp.thunghiem.example"}\n',
        '    head: &chanh {name: "Chánh Văn phòng", email: "chanh@vp.thunghiem.example"}\n',
        1,
    ).replace(
        '    head: {name: "Trưởng phòng Tư pháp", email: "truongphong@tuphap.thunghiem.example"}\n', "    head: *chanh\n", 1
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    assert plan.unit("tu-phap").head.email == "chanh@vp.thunghiem.example"


@pytest.mark.parametrize(
    ("measure", "target"), [("percent", "0"), ("percent", "100"), ("permille", "1000"), ("per_100000", "100000")]
)
def test_targets_at_the_edges_of_their_range_are_accepted(tmp_path: Path, measure: str, target: str) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(MINI_TEXT.replace(_TARGET_BLOCK, _indicator(measure, "at_most", f"    target: {target}\n")), "utf-8")
    assert load_plan(path).indicators[0].target == Decimal(target)


# --------------------------------------------------------------------------- every pydantic error, in Vietnamese
# Every field of the model (the mini plan, with every optional section filled in) gets every kind
# of wrong value, is deleted, and gets an unknown neighbour; every message that comes back must be
# one of the catalogue's own (not the catch-all) and hold no English.

SWEEP_EXTRAS = """
chase:
  steps:
    - {code: nhac, offset: -2, template: reminder, to: focal, cc: [head]}
  digest:
    weekday: 0
    recipients: [{name: "Phó Chủ tịch", title: "Phó Chủ tịch", email: "pct@huyen.thunghiem.example", phone: "0206 3826 123"}]
  send_on_non_working_days: false
calendar:
  country: VN
  timezone: Asia/Ho_Chi_Minh
  extra_holidays: [{date: 2025-09-01, name: "Nghỉ bù"}]
  extra_working_days: [{date: 2025-04-26, name: "Làm bù"}]
"""

HOSTILE_VALUES: list[Any] = [
    None, "", "   ", "chữ", "x" * 300, "a\x07b", -1, 0, 10**30, 1.5, True, [], {}, ["chữ"], {"chữ": 1},
    "2025-02-30", "2025-13-01", float("nan"), float("inf"),
]  # fmt: skip


def _sweep_base() -> dict[str, Any]:
    data, _ = load_yaml_with_lines(MINI_PLAN)
    extras = yaml.safe_load(SWEEP_EXTRAS)
    data["chase"] = extras["chase"]
    data["calendar"] = extras["calendar"]
    unit = data["units"][2]
    unit.update(short_name="Xã A", parent="vp", opens="2025-01-01", closes="2025-10-01", successor="xa-b")
    unit["focal"].update(title="Công chức", phone="0206 3826 124")
    data["indicators"][0].update(factor=100, strict=False, baseline=None, note="Ghi chú")
    data["forms"].append(
        {
            "code": "PL2",
            "name": "Phụ lục II",
            "title": "Biểu bảng",
            "kind": "table",
            "rows": [{"code": "a", "label": "Dòng a"}, {"code": "b", "label": "Dòng b"}],
            "columns": [{"code": "c", "label": "Cột c"}],
            "value_type": "integer",
            "rules": [{"left": "a", "op": "<=", "right": "b", "column_wise": True, "message": "a ≤ b"}],
            "version": "1.2",
        }
    )
    data["data_elements"][0]["nature"] = "stock"
    data["deliverables"][0].update(period_start="2025-01-01", period_end="2025-04-30", requires_acceptance=True)
    return data


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key of every mapping, and the first item of every list, below `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*here, key)
            yield from _paths(value, (*here, key))
    elif isinstance(node, list) and node:
        yield (*here, 0)
        yield from _paths(node[0], (*here, 0))


def _variants(base: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in _paths(base):
        for value in [*HOSTILE_VALUES, DELETE]:
            data = copy.deepcopy(base)
            parent = data
            for part in path[:-1]:
                parent = parent[part]
            if value is DELETE:
                if isinstance(parent, dict):
                    del parent[path[-1]]
            else:
                parent[path[-1]] = value
            yield data
        data = copy.deepcopy(base)
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict):
            parent["truong_la"] = 1
            yield data


DELETE = object()


def test_every_error_a_plan_can_hold_reads_in_vietnamese(tmp_path: Path) -> None:
    base = _sweep_base()
    source = SourceMap(tmp_path / "plan.yaml")
    parse_plan(base, source)  # the base itself is valid
    catch_all = t("validation.invalid_value", value="@@").split("@@")[1]
    types: set[str] = set()
    messages: set[str] = set()
    for data in _variants(base):
        try:
            Plan.model_validate(data)
        except ValidationError as exc:
            types.update(error["type"] for error in exc.errors())
        try:
            parse_plan(data, source)
        except PlanError as exc:
            messages.update(issue.message for issue in exc.issues)
    for message in messages:
        assert not message.endswith(catch_all), message
        assert not ENGLISH.findall(message), message
    # The sweep reached every family of error a plan can hold.
    reached = {kind.split("_")[0] for kind in types}
    assert {"missing", "extra", "string", "date", "int", "decimal", "bool", "list", "model", "literal", "enum"} <= reached
    assert {"greater", "less", "too", "finite", "value"} <= reached, sorted(types)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8-with-bom", "crlf"],
)
def test_plain_utf8_variants_are_read_with_their_lines(tmp_path: Path, encode: Callable[[str], bytes]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_bytes(encode(MINI_TEXT))
    assert load_plan(path).plan.code == "mini-2025"
    path.write_bytes(encode(MINI_TEXT.replace("    kind: office\n", "    kind: ministry\n", 1)))
    assert only_issue(path).line == line_of(MINI_TEXT, "    kind: office")


def test_a_flood_of_errors_is_counted_beyond_the_first_ones(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    flood = "".join(f"  - {n}\n" for n in range(MAX_ISSUES + 50))
    text = MINI_TEXT.replace("groups:\n", "nhom:\n" + flood + "groups:\n", 1)
    path.write_text(text.replace("units:\n  - code: vp\n", "units:\n" + flood + "  - code: vp\n", 1), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    error = caught.value
    assert len(error.issues) == MAX_ISSUES
    assert error.more == (MAX_ISSUES + 50) + 1 - MAX_ISSUES  # each wrong unit, and the unknown section
    rendered = error.render()
    assert rendered.startswith(f"Tệp {path} có {MAX_ISSUES + 51} lỗi:")
    assert rendered.endswith(f"… và {error.more} lỗi khác; hãy sửa các lỗi trên rồi kiểm tra lại")
