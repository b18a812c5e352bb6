"""`dutyflow run`: run a flow now (assign, chase, consolidate), and `dutyflow report`: the latest report
and its signatures."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from dutyflow.cli.common import (
    AsOf,
    acting_person,
    console,
    errors,
    fail,
    optional_day,
    refusing,
    require_plan,
    runtime,
)
from dutyflow.cli.usage import VietnameseGroup
from dutyflow.cli.verify import report_verify
from dutyflow.messages import t
from dutyflow.resources import Resources
from dutyflow.run_now import ReportKind, RunFlow, RunRequest, record_request
from dutyflow.store.db import session_scope

run_app = typer.Typer(cls=VietnameseGroup, help=t("help.run"), no_args_is_help=True)
report_app = typer.Typer(cls=VietnameseGroup, help=t("help.report"), no_args_is_help=True)


@run_app.command("consolidate", help=t("help.run_consolidate"))
def run_consolidate(
    as_of: AsOf = None,
    final: Annotated[bool | None, typer.Option("--final/--draft", help=t("help.final"), show_default=False)] = None,
) -> None:
    rt = runtime()
    day = optional_day(as_of)
    require_plan(rt)
    from flows.launcher import run_in_process

    kind = ReportKind.AUTO if final is None else ReportKind.FINAL if final else ReportKind.DRAFT
    result = run_in_process(rt, _asked(rt, RunRequest(RunFlow.CONSOLIDATE, day, kind)))
    console.print(result.summary)
    for path in result.files:
        console.line(f"  {path}")
    for note in result.notes:
        errors.print(Text(note, style="yellow"))


@report_app.command("open", help=t("help.report_open"))
def report_open() -> None:
    root = runtime().settings.data_dir / "reports"
    folders = (
        sorted((p for p in root.glob("*/*") if p.is_dir()), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
    )
    if not folders:
        raise fail(t("cli.no_report"))
    latest = folders[-1]
    for path in sorted(latest.iterdir()):
        if path.suffix in {".docx", ".pdf", ".html"}:
            console.line(str(path))


report_app.command("verify", help=t("help.report_verify"))(report_verify)


def _mail_flow(flow: RunFlow, as_of: str | None) -> None:
    """Run flow `assign` or `chase` as of a day and say how many units it saw and messages it sent."""
    rt = runtime()
    day = optional_day(as_of)
    require_plan(rt)
    from flows.launcher import run_in_process

    console.print(run_in_process(rt, _asked(rt, RunRequest(flow, day))).summary)


@run_app.command("intake-mail", help=t("mailin.help"))
def run_intake_mail(as_of: AsOf = None) -> None:
    rt = runtime()
    day = optional_day(as_of)
    require_plan(rt)
    from flows.launcher import run_in_process

    result = run_in_process(rt, _asked(rt, RunRequest(RunFlow.INTAKE_MAIL, day)))
    console.print(result.summary)
    for line in result.notes:
        console.print(f"  {line}")


def _asked(rt: Resources, request: RunRequest) -> RunRequest:
    """`request`, its asking recorded in the audit under the command's person (`--by`, or the OS user)."""
    with refusing(), session_scope(rt.engine) as session:
        record_request(session, request, actor=acting_person(session), now=rt.clock())
    return request


@run_app.command("assign", help=t("help.run_assign"))
def run_assign(as_of: AsOf = None) -> None:
    _mail_flow(RunFlow.ASSIGN, as_of)


@run_app.command("chase", help=t("help.run_chase"))
def run_chase(as_of: AsOf = None) -> None:
    _mail_flow(RunFlow.CHASE, as_of)
