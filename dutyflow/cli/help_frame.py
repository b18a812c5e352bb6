"""The frame of the help screens in Vietnamese: what Typer prints around our descriptions.

Typer (0.29) vendors Click as `typer._click` without gettext, so its help is framed in English:
"Usage:", "[OPTIONS]", "COMMAND [ARGS]...", the panels "Arguments", "Options", "Commands",
"[default: …]", "[required]", the `--help` option's "Show this message and exit." and a type beside
each parameter ("<str>", "<path>", "<bool>" even for a switch). Three seams put the catalogue's
`help_frame.*` wording in their place (docs/decisions.md, "The help screens are Vietnamese"):

- `install()` sets the labels `typer.rich_utils` reads at each help (panel titles, default,
  required) once, when the CLI is imported;
- `dress()` gives a command (a group dresses its own commands) the usage line and the `--help`
  option of `HelpFrame`, and its parameters the Vietnamese types and argument names of
  `VietnameseOption` and `VietnameseArgument`. Typer builds parameters and commands with its own
  classes and offers no hook for parameters, so `dress` moves Typer's objects into these
  subclasses, which only add how they are shown;
- an argument is named by `help_frame.argument.<name>` (its metavar), the same name in the usage
  line, the "Đối số" panel and the refusals of `cli.usage`.

The help is the same on a terminal and in a pipe (Rich draws it, with colours only on a terminal),
and Rich draws it even when TYPER_USE_RICH turns Typer's Rich help off: Click's plain help would
bring its English frame back.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from typer import rich_utils
from typer._click.core import Command, Context, Parameter
from typer._click.formatting import HelpFormatter
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from dutyflow.messages import t

__all__ = [
    "FramedGroup",
    "HelpFrame",
    "VietnameseArgument",
    "VietnameseCommand",
    "VietnameseOption",
    "argument_name",
    "dress",
    "install",
]

_CLICK_OPTIONS_METAVAR = "[OPTIONS]"
_CLICK_SUBCOMMAND_METAVAR = "COMMAND [ARGS]..."


def install() -> None:
    """Set the labels Typer's Rich help reads (module constants of `typer.rich_utils`)."""
    rich_utils.ARGUMENTS_PANEL_TITLE = t("help_frame.arguments_panel")
    rich_utils.OPTIONS_PANEL_TITLE = t("help_frame.options_panel")
    rich_utils.COMMANDS_PANEL_TITLE = t("help_frame.commands_panel")
    rich_utils.ERRORS_PANEL_TITLE = t("help_frame.errors_panel")
    # Typer fills these in with str.format: keep a "{}" where its value goes.
    rich_utils.DEFAULT_STRING = t("help_frame.default", value="{}")
    rich_utils.ENVVAR_STRING = t("help_frame.envvar", value="{}")
    rich_utils.REQUIRED_LONG_STRING = t("help_frame.required")
    rich_utils.DEPRECATED_STRING = t("help_frame.deprecated")
    rich_utils.ABORTED_TEXT = t("usage.aborted")
    rich_utils.RICH_HELP = t("usage.see_help", command="[blue]{command_path} {help_option}[/]")
    rich_utils.highlighter = _UsageHighlighter()


class _UsageHighlighter(rich_utils.OptionHighlighter):
    """Typer's highlighter, which styles the usage line by its English prefix, and ours."""

    highlights: typing.ClassVar[list[str]] = [
        *rich_utils.OptionHighlighter.highlights,
        rf"(?P<usage>{re.escape(t('help_frame.usage'))} )",
    ]


def argument_name(name: str) -> str:
    """How the help and the refusals name the argument `name` (a parameter's name)."""
    try:
        return t(f"help_frame.argument.{name}")
    except KeyError:  # an argument the catalogue does not name yet (tests/test_cli_help.py fails)
        return name.upper()


def _type_label(param: TyperOption | TyperArgument) -> str | None:
    """The kind of value a parameter takes, as "<…>"; None for a switch."""
    descriptor = param.type_descriptor
    choices = descriptor.choices
    if choices:
        return "<" + "|".join(str(getattr(c, "value", c)) for c in choices) + ">"
    annotation: Any = descriptor.annotation
    if descriptor.is_list:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), str)
    if descriptor.is_path:
        key = descriptor.path_type
    elif descriptor.is_datetime:
        key = "datetime"
    elif annotation is bool:
        return None
    elif annotation is int:
        key = "integer"
    elif annotation is float:
        key = "number"
    else:
        key = "text"
    label = f"<{t(f'help_frame.type.{key}')}>"
    return f"{label}..." if descriptor.is_list else label


def _range(low: float | None, high: float | None) -> str | None:
    if low is None and high is None:
        return None
    if high is None:
        return t("help_frame.at_least", low=low)
    if low is None:
        return t("help_frame.at_most", high=high)
    return t("help_frame.range", low=low, high=high)


class VietnameseOption(TyperOption):
    """An option shown with a Vietnamese type and range, and none for a switch."""

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.metavar is not None:
            return self.metavar
        if self.is_flag or self.count:
            return None
        return _type_label(self)

    def _get_default_string(self, *, ctx: Context, show_default_is_str: bool, default_value: Any) -> str:
        # Typer names the default of a pair of switches without its dashes ("portal"): name the switch.
        if self.is_bool_flag and self.secondary_opts and not show_default_is_str:
            return (self.opts if default_value else self.secondary_opts)[0]
        return super()._get_default_string(
            ctx=ctx, show_default_is_str=show_default_is_str, default_value=default_value
        )

    def _get_number_range_help_str(self) -> str | None:
        if self.count and self.min == 0 and self.max is None:
            return None
        return _range(self.min, self.max)


class VietnameseArgument(TyperArgument):
    """An argument shown with its Vietnamese name (its metavar) and type."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return _type_label(self)

    def get_usage_pieces(self, ctx: Context) -> list[str]:
        name = self.display_name_raw
        piece = name if self.required else f"[{name}]"
        return [f"{piece}..." if self.nargs != 1 else piece]

    def _get_number_range_help_str(self) -> str | None:
        return _range(self.min, self.max)


def _dress_param(param: Parameter) -> None:
    if type(param) is TyperOption:
        param.__class__ = VietnameseOption
    elif type(param) is TyperArgument:
        param.__class__ = VietnameseArgument
        if param.metavar is None and param.name:
            param.metavar = argument_name(param.name)


def dress(command: Command) -> None:
    """Give a command built by Typer the Vietnamese frame (see the module docstring); a command
    already dressed is left as it is."""
    if type(command) is TyperCommand:
        command.__class__ = VietnameseCommand
    if command.options_metavar == _CLICK_OPTIONS_METAVAR:
        command.options_metavar = t("help_frame.options_metavar")
    if isinstance(command, TyperGroup) and command.subcommand_metavar == _CLICK_SUBCOMMAND_METAVAR:
        command.subcommand_metavar = t("help_frame.subcommand_metavar")
    for param in command.params:
        _dress_param(param)


class HelpFrame(Command):
    """The usage line and the `--help` option of a command, in Vietnamese, and one way to draw its help."""

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        # Rich's help whatever TYPER_USE_RICH says: Click's plain help has its own English frame, and
        # the CLI prints with Rich anyway (`cli.output`).
        mode: rich_utils.MarkupModeStrict = getattr(self, "rich_markup_mode", None) or "rich"
        rich_utils.rich_format_help(obj=self, ctx=ctx, markup_mode=mode)

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=f"{t('help_frame.usage')} ")

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and type(option) is TyperOption:
            option.help = t("help_frame.help_option")
            _dress_param(option)
        return option


class VietnameseCommand(HelpFrame, TyperCommand):
    """A command (not a group) of the CLI; `dress` makes Typer's commands into these."""


class FramedGroup(HelpFrame, TyperGroup):
    """A group of the CLI, dressed with its commands when Typer builds it (children first)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        dress(self)
        for command in self.commands.values():
            dress(command)

    def add_command(self, cmd: Command, name: str | None = None) -> None:
        dress(cmd)
        super().add_command(cmd, name)
