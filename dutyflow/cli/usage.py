"""Typer's own refusals (a missing argument, an unknown option or command, a bad value) in Vietnamese.

Typer vendors Click as `typer._click`; its exceptions carry the kind of mistake and the parameter
involved, so each kind maps to one catalogue message (`usage.*`) instead of Click's English text.
`VietnameseGroup` is the `cls` of every `typer.Typer` of the CLI: the top one runs the command in
Click's non-standalone mode and prints the refusal itself; every group names an unknown
subcommand with its own exception (docs/decisions.md, "The CLI refuses in Vietnamese").
"""

from __future__ import annotations

import re
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.text import Text
from typer._click.core import Context
from typer._click.exceptions import (
    BadArgumentUsage,
    BadOptionUsage,
    BadParameter,
    ClickException,
    FileError,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit

from dutyflow.cli.help_frame import FramedGroup
from dutyflow.messages import t

_EXTRA_ARGUMENTS = re.compile(r"argument\(s\) \((?P<args>.*)\)\s*$", re.DOTALL)
"""Typer's "Got unexpected extra argument(s) (a b)": a bare UsageError whose only data is its text."""
_SUBCOMMAND = "dutyflow.subcommand"
"""`Context.meta` key: the subcommand a group resolved, to name it when its parsing fails."""


class UnknownCommand(UsageError):
    """A subcommand that does not exist (Click reports it as a bare UsageError)."""

    def __init__(self, name: str, choices: Sequence[str], ctx: Context) -> None:
        super().__init__(name, ctx)
        self.name = name
        self.choices = list(choices)


def _param_label(param: Any) -> str:
    """How the person wrote (or should write) the parameter: "--unit" for an option, FILE for an argument."""
    opts: list[str] = list(getattr(param, "opts", None) or [])
    if getattr(param, "param_type_name", "") == "option" and opts:
        return max(opts, key=len)
    metavar = getattr(param, "metavar", None)
    return str(metavar or param.name or "?").upper()


def _param_help(param: Any) -> str:
    """The parameter's help, after a dash, ending the sentence."""
    text = str(getattr(param, "help", None) or "").strip()
    return f" — {text}" if text.endswith((".", "?", "!")) else f" — {text}." if text else "."


def _expected(param: Any) -> str:
    """What a parameter's value must be, from its annotation."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
    choices = getattr(descriptor, "choices", None) if descriptor is not None else None
    if choices:
        return t("usage.expect_choice", choices=t("usage.or").join(str(getattr(c, "value", c)) for c in choices))
    if annotation is bool:
        return t("usage.expect_bool")
    info = getattr(descriptor, "parameter_info", None)
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if annotation in (int, float) and low is not None and high is not None:
        return t("usage.expect_range", low=low, high=high)
    if annotation is int:
        return t("usage.expect_int")
    if annotation is float:
        return t("usage.expect_number")
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return t("usage.expect_path")
    return t("usage.expect_text")


def describe(exc: ClickException) -> str:
    """The Vietnamese sentence for one of Click's refusals."""
    if isinstance(exc, UnknownCommand):
        return t("usage.unknown_command", name=exc.name, commands=", ".join(sorted(exc.choices)))
    if isinstance(exc, MissingParameter) and exc.param is not None:
        kind = "option" if exc.param.param_type_name == "option" else "argument"
        return t(f"usage.missing_{kind}", name=_param_label(exc.param), help=_param_help(exc.param))
    if isinstance(exc, BadParameter):
        if exc.param is None:
            return t("usage.bad_value_anonymous")
        return t("usage.bad_value", name=_param_label(exc.param), expected=_expected(exc.param))
    if isinstance(exc, NoSuchOption):
        known = sorted(exc.possibilities or ())
        hint = t("usage.did_you_mean", options=", ".join(known)) if known else ""
        return t("usage.unknown_option", name=exc.option_name, hint=hint)
    if isinstance(exc, BadOptionUsage):
        param = _find_option(exc.ctx, exc.option_name)
        flag = bool(getattr(param, "is_flag", False))
        return t("usage.flag_takes_no_value" if flag else "usage.option_needs_value", name=exc.option_name)
    if isinstance(exc, BadArgumentUsage):
        return t("usage.bad_arguments")
    if isinstance(exc, FileError):
        return t("usage.file_error", path=exc.ui_filename)
    if isinstance(exc, UsageError):
        match = _EXTRA_ARGUMENTS.search(exc.message)
        if match and exc.ctx is not None and not isinstance(exc.ctx.command, TyperGroup):
            return t("usage.extra_arguments", args=match["args"])
        if exc.ctx is not None and isinstance(exc.ctx.command, TyperGroup):
            commands = exc.ctx.command.list_commands(exc.ctx)
            return t("usage.missing_command", commands=", ".join(commands))
        return t("usage.bad_usage")
    return t("usage.failed")


def _find_option(ctx: Context | None, name: str) -> Any:
    if ctx is None:
        return None
    return next((p for p in ctx.command.params if name in (getattr(p, "opts", None) or [])), None)


def _help_hint(exc: ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return ""
    return t("usage.see_help", command=f"{ctx.command_path} --help")


def report(exc: ClickException, console: Console) -> None:
    """Print a refusal: what was wrong, and where the command's help is."""
    # What the person typed is in the message: never read it as markup.
    message = Text.assemble((t("usage.error"), "bold red"), " ", describe(exc))
    console.print(message, highlight=False, soft_wrap=True)
    hint = _help_hint(exc)
    if hint:
        console.print(hint, highlight=False, markup=False, soft_wrap=True)


class VietnameseGroup(FramedGroup):
    """A Typer group whose refusals (see the module docstring) and help (`cli.help_frame`) are
    Vietnamese."""

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise UnknownCommand(name, self.list_commands(ctx), ctx)
        ctx.meta[_SUBCOMMAND] = name
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            # The option parser raises some refusals without their command's context: give it
            # back, so that the refusal can name the option's kind and the command's help.
            name = ctx.meta.get(_SUBCOMMAND)
            command = self.get_command(ctx, name) if name else None
            if exc.ctx is None and command is not None:
                exc.ctx = Context(command, info_name=name, parent=ctx)
            raise

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        stderr = Console(stderr=True)
        try:
            result = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:  # a bare group: its help (Rich has printed it already)
            if exc.format_message().strip():
                print(exc.format_message())
            _exit(exc.exit_code)
        except ClickException as exc:
            report(exc, stderr)
            _exit(exc.exit_code)
        except Abort:
            stderr.print(t("usage.aborted"), highlight=False)
            _exit(1)
        except Exit as exc:
            _exit(exc.exit_code)
        _exit(result if isinstance(result, int) else 0)


def _exit(code: int) -> NoReturn:
    sys.exit(code)
