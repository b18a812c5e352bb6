"""The register's commands under `dutyflow plan`: `units` and `reform`, and `plan check`'s
register warnings. Thin: parses, calls dutyflow/register.py and its neighbours, prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from dutyflow import register
from dutyflow.cli.common import DAY, errors, parse_day, refusing
from dutyflow.messages import t
from dutyflow.plan import Plan
from dutyflow.plan_units import draft_units, render_units
from dutyflow.reform import reform_plan
from dutyflow.register_check import register_warnings_of_file, render_warnings

__all__ = ["plan_reform", "plan_units", "print_register_warnings"]


def _day(value: str | None, default: dt.date) -> dt.date:
    return default if value is None else parse_day(value)


def print_register_warnings(path: Path, plan: Plan) -> None:
    """`plan check`: what the register says against the plan's units (never an error)."""
    warnings = register_warnings_of_file(path, plan)
    if warnings:
        errors.print(render_warnings(path, warnings), style="yellow", soft_wrap=True)


def plan_units(
    province: Annotated[str, typer.Option("--province", help=t("register.help_province"), show_default=False)],
    on: Annotated[str | None, typer.Option("--on", metavar=DAY, help=t("register.help_on"), show_default=False)] = None,
) -> None:
    day = _day(on, dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date())
    with refusing():
        home = register.province(province, day)
        units = register.units_of_province(home.code, day)
    typer.echo(render_units(home, day, draft_units(units)), nl=False)


def plan_reform(
    path: Annotated[Path, typer.Argument(help=t("help.path"), show_default=False)],
    on: Annotated[str | None, typer.Option("--on", metavar=DAY, help=t("register.help_reform_on"), show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help=t("register.help_reform_out"), show_default=False)] = None,
) -> None:
    day = _day(on, register.REFORM_DAY)
    with refusing():
        result = reform_plan(path, day)
    for code, reason in result.skipped:
        errors.print(t("register.reform_skipped", code=code, reason=reason), style="yellow")
    if out is None:
        typer.echo(result.text, nl=False)
    else:
        out.write_text(result.text, encoding="utf-8")
    if not result.closed:
        errors.print(t("register.reform_nothing", day=day.strftime("%d/%m/%Y")))
        return
    summary = [
        t("register.reform_summary", day=day.strftime("%d/%m/%Y"), closed=len(result.closed), opened=len(result.opened))
    ]
    for old, new in result.closed:
        summary.append(
            t("register.reform_closed", old=old, new=new) if new else t("register.reform_closed_none", old=old)
        )
    if out is not None:
        summary.append(t("register.reform_written", path=out))
    errors.print("\n".join(summary), soft_wrap=True)
