"""Every help screen of the command line is Vietnamese, frame included: a sweep over every command
and group of the tree renders its `--help` (piped, as under a test runner or a script, and on a
terminal) and finds none of Typer's or Click's English ("Usage:", "[OPTIONS]", "Options",
"Show this message and exit.", "[default: …]", "<bool>"…), but the command's own description, the
Vietnamese frame, and each argument under its Vietnamese name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.core
import typer.main
from typer import rich_utils
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.messages import t

runner = CliRunner()

ENGLISH = re.compile(
    r"\b(Usage|Options?|Commands?|Arguments?|Show this message|default|required|Try|Aborted|Error|"
    r"COMMAND|ARGS|OPTIONS|TEXT|INTEGER|FLOAT|BOOLEAN|PATH|FILE|DIRECTORY|env var|deprecated|dynamic|"
    r"range)\b"
    r"|<(str|int|float|bool|path|file|dir|datetime)\b|\bx[<>]="
)
"""Words of Typer's and Click's help frame, their types and metavars included."""
OPTION_NAME = re.compile(r"--[\w-]+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOX = re.compile(r"[│╭╮╰╯─]")


def tree() -> Iterator[tuple[list[str], Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, child in sorted((getattr(command, "commands", None) or {}).items()):
            yield from walk(child, [*path, name])

    yield from walk(typer.main.get_command(app), [])


COMMANDS = list(tree())
IDS = [" ".join(path) or "dutyflow" for path, _ in COMMANDS]
COMMANDS_BY_PATH = [(" ".join(path), command) for path, command in COMMANDS]


def is_group(command: Any) -> bool:
    return bool(getattr(command, "commands", None))


def help_of(path: list[str]) -> str:
    result = runner.invoke(app, [*path, "--help"], prog_name="dutyflow", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    """The text without the panels' borders, on one line: a description wrapped by Rich reads whole."""
    return " ".join(BOX.sub(" ", text).split())


def assert_vietnamese_help(output: str, path: list[str], command: Any) -> None:
    english = ENGLISH.search(OPTION_NAME.sub("", output))
    assert english is None, f"{english[0]!r} in:\n{output}"
    usage = next(line for line in output.splitlines() if line.strip())
    assert usage.strip().startswith(f"Cách dùng: dutyflow {' '.join(path)}".rstrip()), output
    assert "[TÙY CHỌN]" in usage, output
    assert "╭─ Tùy chọn " in output and "Xem hướng dẫn này rồi thoát." in flat(output), output
    description = flat(command.help.partition("\n\n")[0])
    assert description in flat(output), output
    if is_group(command):
        assert "LỆNH [THAM SỐ]..." in usage and "╭─ Lệnh " in output, output
        for name in command.commands:
            assert re.search(rf"│ {re.escape(name)} ", output), output
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    if arguments:
        assert "╭─ Đối số " in output, output
    for argument in arguments:
        named = t(f"help_frame.argument.{argument.name}")  # every argument has a Vietnamese name
        assert named in usage, output
        assert f"│ *    {named} " in output or f"│   {named} " in output, output


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_help_is_vietnamese_when_piped(path: list[str], command: Any) -> None:
    output = help_of(path)
    assert "\x1b[" not in output  # piped: no colours
    assert_vietnamese_help(output, path, command)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_help_is_vietnamese_on_a_terminal(path: list[str], command: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rich_utils, "FORCE_TERMINAL", True)
    output = help_of(path)
    assert "\x1b[" in output  # a terminal: Rich styles it
    assert_vietnamese_help(ANSI.sub("", output), path, command)


@pytest.mark.parametrize("path", [["run"], ["extend"]], ids=["a group", "a command"])
def test_the_help_stays_vietnamese_when_typer_is_told_not_to_use_rich(
    path: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TYPER_USE_RICH=0 (read by Typer when imported) would give Click's plain help, framed in English."""
    monkeypatch.setattr(typer.core, "HAS_RICH", False)
    command = dict(COMMANDS_BY_PATH)[" ".join(path)]
    assert_vietnamese_help(help_of(path), path, command)


def test_the_sweep_reaches_every_kind_of_help() -> None:
    """Groups, commands with arguments, switches, pairs of switches, numbers with a range, defaults."""
    assert len([c for _, c in COMMANDS if is_group(c)]) >= 8
    params = [p for _, c in COMMANDS for p in c.params]
    assert any(p.param_type_name == "argument" and p.required for p in params)
    assert any(p.param_type_name == "argument" and not p.required for p in params)
    assert any(getattr(p, "is_flag", False) and not p.secondary_opts for p in params)
    assert any(getattr(p, "is_flag", False) and p.secondary_opts for p in params)
    assert any(getattr(p, "max", None) is not None for p in params)
    assert any(p.show_default and p.default is not None for p in params)


def test_types_ranges_defaults_and_switches_read_in_vietnamese() -> None:
    serve = help_of(["serve"])
    assert "<số nguyên> [từ 1" in serve and "65535]" in serve
    assert "[mặc định: 8000]" in serve and "[mặc định: --portal]" in serve
    assert re.search(r"│ --host +<chuỗi> ", serve), serve
    assert re.search(r"│ --help +Xem", serve), serve  # a switch takes no value: no type beside it
    extend = help_of(["extend"])
    assert "Cách dùng: dutyflow extend [TÙY CHỌN] MÃ-ĐƠN-VỊ MÃ-SẢN-PHẨM" in extend
    assert "[bắt buộc]" in extend
    check = help_of(["plan", "check"])
    assert "[TÙY CHỌN] [TỆP-KẾ-HOẠCH]" in check  # an optional argument, in brackets
    assert "<đường dẫn>" in check


def test_a_group_called_bare_shows_its_vietnamese_help() -> None:
    result = runner.invoke(app, ["plan"], prog_name="dutyflow", catch_exceptions=False)
    assert "Cách dùng: dutyflow plan [TÙY CHỌN] LỆNH [THAM SỐ]..." in result.output
    assert not ENGLISH.search(OPTION_NAME.sub("", result.output)), result.output


def test_a_refusal_names_the_argument_as_the_help_does() -> None:
    result = runner.invoke(app, ["import", "--unit", "tu-phap", "--deliverable", "x"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "Thiếu đối số TỆP" in result.output, result.output


def test_an_interrupted_prompt_says_so_in_vietnamese(tmp_path: Path) -> None:
    env = {"DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    result = runner.invoke(app, ["user", "add", "lan", "--role", "office"], input="", env=env)
    assert result.exit_code == 1
    assert "Đã hủy." in result.output and not ENGLISH.search(result.output), result.output
