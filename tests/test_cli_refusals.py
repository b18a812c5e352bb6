"""Every refusal of the command line is Vietnamese: a sweep over every command of the command tree
with an unknown option, a missing argument, an extra argument, a bad date, a bad number and a
missing file. None of Typer's or Click's English may appear ("Usage:", "Try '--help'", "Missing
argument", "No such option", "Invalid value", "does not exist")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.signing.testca import TestAuthority

runner = CliRunner()

ENGLISH = re.compile(
    r"\b(Usage|Try|Error|Missing|Invalid|No such|does not|exist|unexpected|requires|Aborted|"
    r"[Oo]ptions?|[Aa]rguments?|[Cc]ommands?|value|for help)\b"
)
"""Words of Typer's and Click's own messages; none of them is in a Vietnamese sentence of ours."""


def leaf_commands() -> Iterator[tuple[list[str], Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        children = getattr(command, "commands", None)
        if children:
            for name, child in sorted(children.items()):
                yield from walk(child, [*path, name])
        else:
            yield path, command

    yield from walk(typer.main.get_command(app), [])


def groups() -> list[list[str]]:
    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        children = getattr(command, "commands", None)
        if children:
            yield path
            for name, child in sorted(children.items()):
                yield from walk(child, [*path, name])

    return list(walk(typer.main.get_command(app), []))


COMMANDS = list(leaf_commands())
IDS = [" ".join(path) for path, _ in COMMANDS]
PLACEHOLDERS = {
    "unit": "tu-phap",
    "deliverable": "bao-cao-6-thang",
    "until": "2025-05-26",
    "reason": "Bão lũ",
    "cron": "0 8 * * 1-5",
    "flow": "chase",
    "path": str(BUNDLED_PLAN),
    "province": "04",
    "name": "lan",
    "role": "office",
    "by": "lanhdao",
    "comment": "Bổ sung số liệu",
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'store.db'}",
    }


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    return path


def required_args(command: Any, a_file: Path, *, leave_out: str | None = None) -> list[str]:
    """Values for every required parameter of `command` (but `leave_out`), arguments first."""
    arguments, options = [], []
    for param in command.params:
        if not param.required or param.name == leave_out:
            continue
        value = str(a_file) if param.name == "file" else PLACEHOLDERS[param.name]
        if param.param_type_name == "argument":
            arguments.append(value)
        else:
            options += [param.opts[0], value]
    return arguments + options


def invoke(args: list[str], env: dict[str, str]) -> Any:
    result = runner.invoke(app, args, env=env, catch_exceptions=False)
    return result


def assert_vietnamese_refusal(result: Any, *needles: str) -> None:
    output = result.output
    assert result.exit_code != 0, output
    assert "Lỗi:" in output, output
    assert not ENGLISH.search(output), output
    for needle in needles:
        assert needle in output, output
    assert "Traceback" not in output


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_refuses_an_unknown_option(
    path: list[str], command: Any, env: dict[str, str], a_file: Path
) -> None:
    result = invoke([*path, *required_args(command, a_file), "--khong-co"], env)
    assert_vietnamese_refusal(result, "Không có tùy chọn «--khong-co»", f"{' '.join(path)} --help")
    assert result.exit_code == 2


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_refuses_an_extra_argument(
    path: list[str], command: Any, env: dict[str, str], a_file: Path
) -> None:
    result = invoke([*path, *required_args(command, a_file), "thua-1", "thua-2", "thua-3"], env)
    assert_vietnamese_refusal(result, "Thừa đối số")
    assert "thua-3" in result.output


def _required(command: Any) -> list[str]:
    """Each required option, and the last required argument (leaving out an earlier one would
    shift the later values into its place)."""
    options = [p.name for p in command.params if p.required and p.param_type_name == "option"]
    arguments = [p.name for p in command.params if p.required and p.param_type_name == "argument"]
    return options + arguments[-1:]


REQUIRED = [(path, command, name) for path, command in COMMANDS for name in _required(command)]


@pytest.mark.parametrize(
    ("path", "command", "missing"), REQUIRED, ids=[f"{' '.join(p)} without {m}" for p, _, m in REQUIRED]
)
def test_every_required_parameter_is_named_when_missing(
    path: list[str], command: Any, missing: str, env: dict[str, str], a_file: Path
) -> None:
    param = next(p for p in command.params if p.name == missing)
    label = param.opts[0] if param.param_type_name == "option" else param.metavar
    result = invoke([*path, *required_args(command, a_file, leave_out=missing)], env)
    assert_vietnamese_refusal(result, "Thiếu", label)
    assert result.exit_code == 2


DATED = [
    (path, command, param.opts[0])
    for path, command in COMMANDS
    for param in command.params
    if param.param_type_name == "option" and param.opts[0] in {"--as-of", "--until", "--received", "--on"}
]


@pytest.mark.parametrize(("path", "command", "option"), DATED, ids=[f"{' '.join(p)} {o}" for p, _, o in DATED])
def test_every_date_option_refuses_a_day_that_does_not_exist(
    path: list[str], command: Any, option: str, env: dict[str, str], a_file: Path
) -> None:
    args = required_args(command, a_file)
    if option in args:
        args[args.index(option) + 1] = "30/2/2025"
    else:
        args += [option, "30/2/2025"]
    result = invoke([*path, *args], env)
    assert_vietnamese_refusal(result, "30/2/2025", "ngày/tháng/năm")
    assert result.exit_code == 2


def test_the_sweep_reaches_every_date_option() -> None:
    assert {" ".join(p) for p, _, _ in DATED} >= {
        "status",
        "extend",
        "pause",
        "resume",
        "import",
        "run assign",
        "run chase",
        "run consolidate",
        "plan units",
        "plan reform",
    }


NUMBERS = [
    (path, param.opts[0]) for path, command in COMMANDS for param in command.params if param.name in {"port", "seed"}
]


@pytest.mark.parametrize(("path", "option"), NUMBERS, ids=[f"{' '.join(p)} {o}" for p, o in NUMBERS])
def test_a_number_option_refuses_a_word(path: list[str], option: str, env: dict[str, str]) -> None:
    result = invoke([*path, option, "tám-nghìn"], env)
    assert_vietnamese_refusal(result, option, "cần một số")


@pytest.mark.parametrize("command", ["serve", "portal"])
def test_a_port_out_of_range_is_refused_with_the_range(command: str, env: dict[str, str]) -> None:
    result = invoke([command, "--port", "99999"], env)
    assert_vietnamese_refusal(result, "--port", "từ 1 đến 65535")


FILES = [
    (path, command)
    for path, command in COMMANDS
    if any(param.name in {"file", "path"} and param.param_type_name == "argument" for param in command.params)
]


@pytest.mark.parametrize(("path", "command"), FILES, ids=[" ".join(p) for p, _ in FILES])
def test_every_command_taking_a_file_says_it_is_missing(
    path: list[str], command: Any, env: dict[str, str], a_file: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "khong-co.xlsx"
    placeholders = {str(a_file), PLACEHOLDERS["path"]}
    args = [str(missing) if a in placeholders else a for a in required_args(command, a_file)]
    if str(missing) not in args:
        args.insert(0, str(missing))
    if path == ["report", "verify"]:  # the trust store is checked first: give it a real one
        authority = TestAuthority.create(now=dt.datetime.now(dt.UTC))
        args += ["--trust", str(authority.write_trust_store(tmp_path / "trust"))]
    result = invoke([*path, *args], env)
    assert_vietnamese_refusal(result, str(missing))
    assert "Không" in result.output and "tệp" in result.output


def test_a_folder_given_for_a_file_is_named(env: dict[str, str]) -> None:
    result = invoke(["import", str(BUNDLED_PLAN.parent), "--unit", "tu-phap", "--deliverable", "x"], env)
    assert_vietnamese_refusal(result, "là một thư mục")


@pytest.mark.parametrize("path", groups(), ids=lambda p: " ".join(p) or "dutyflow")
def test_every_group_refuses_an_unknown_command(path: list[str], env: dict[str, str]) -> None:
    result = invoke([*path, "khong-co-lenh"], env)
    assert_vietnamese_refusal(result, "Không có lệnh «khong-co-lenh»", "Các lệnh có:")
    assert result.exit_code == 2


def test_a_switch_given_a_value_and_an_option_without_one_are_told_apart(env: dict[str, str]) -> None:
    switch = invoke(["plan", "show", "--json=yes"], env)
    assert_vietnamese_refusal(switch, "--json", "không nhận giá trị", "plan show --help")
    bare = invoke(["status", "--as-of"], env)
    assert_vietnamese_refusal(bare, "--as-of", "cần một giá trị")


def test_a_suggestion_names_the_option_meant(env: dict[str, str]) -> None:
    result = invoke(["status", "--unt", "tu-phap"], env)
    assert_vietnamese_refusal(result, "«--unt»", "--unit")


def test_an_unknown_standing_lists_the_known_ones(env: dict[str, str]) -> None:
    result = invoke(["status", "--standing", "tre-han"], env)
    assert_vietnamese_refusal(result, "«tre-han»", "overdue")


def test_a_message_with_brackets_is_printed_as_typed(env: dict[str, str]) -> None:
    """What a person typed is never read as Rich markup (it would vanish, or raise)."""
    result = invoke(["status", "--standing", "[bold]x[/]"], env)
    assert_vietnamese_refusal(result, "«[bold]x[/]»")


@pytest.mark.parametrize("typed", [["status", "[/]"], ["status", "--[bold]"], ["[red]lenh"]])
def test_what_was_typed_is_shown_as_typed_in_a_refusal(typed: list[str], env: dict[str, str]) -> None:
    result = invoke(typed, env)
    assert_vietnamese_refusal(result, typed[-1])
