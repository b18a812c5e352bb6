"""The `dutyflow` command (Typer + Rich): one module per group of commands, each thin (parses, calls
the core, prints). What they share, the one mapping of the core's refusals to messages included, is
in `common`; Typer's own refusals in Vietnamese are in `usage`, the frame of its help screens in
`help_frame`, the output for terminals and scripts in `output`."""

from __future__ import annotations

from typing import Annotated

import typer

from dutyflow.cli import approval as _approval  # noqa: F401  (registers `report status|edit|approve|…`)
from dutyflow.cli import help_frame
from dutyflow.cli.common import acting_as
from dutyflow.cli.demo import demo
from dutyflow.cli.office import (
    db_app,
    extend_command,
    import_command,
    pause_command,
    resume_command,
    schedule_app,
    token_app,
)
from dutyflow.cli.plan import plan_app
from dutyflow.cli.run import report_app, run_app
from dutyflow.cli.serve import portal_command, serve_command
from dutyflow.cli.status import status
from dutyflow.cli.usage import VietnameseGroup
from dutyflow.cli.user import user_app
from dutyflow.messages import t

__all__ = ["app", "main"]

help_frame.install()
app = typer.Typer(cls=VietnameseGroup, help=t("help.app"), no_args_is_help=True, add_completion=False)
app.add_typer(plan_app, name="plan")
app.add_typer(db_app, name="db")
app.add_typer(run_app, name="run")
app.add_typer(schedule_app, name="schedule")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
app.add_typer(user_app, name="user")
app.command("status", help=t("help.status"))(status)
app.command("serve", help=t("help.serve"))(serve_command)
app.command("extend", help=t("help.extend"))(extend_command)
app.command("pause", help=t("help.pause"))(pause_command)
app.command("resume", help=t("help.resume"))(resume_command)
app.command("portal", help=t("help.portal"))(portal_command)
app.command("import", help=t("help.import"))(import_command)
app.command("demo", help=t("help.demo"))(demo)


@app.callback()
def options(
    by: Annotated[str | None, typer.Option("--by", help=t("accounts.help.by"), show_default=False)] = None,
) -> None:
    acting_as.set(by)


def main() -> None:
    app()
