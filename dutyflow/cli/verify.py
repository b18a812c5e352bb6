"""`dutyflow report verify FILE.pdf`: who signed the report, when, changed or not, trusted or not."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from dutyflow.cli.common import console, refusing
from dutyflow.messages import t
from dutyflow.plan import PlanError, load_plan
from dutyflow.resources import utcnow
from dutyflow.settings import load_settings
from dutyflow.signing import SigningError, TrustStore, describe, verify_pdf

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def report_verify(
    file: Annotated[Path, typer.Argument(help=t("help.report_verify_file"), show_default=False)],
    trust: Annotated[
        Path | None, typer.Option("--trust", help=t("help.report_verify_trust"), show_default=False)
    ] = None,
) -> None:
    """Print each signature of `file`; exit 1 unless every one is unchanged and trusted."""
    with refusing():
        settings = load_settings()
        folder = trust or settings.signing_trust_store
        if folder is None:
            raise SigningError(t("cli.no_trust_store"))
        verification = verify_pdf(file, TrustStore.from_folder(folder), now=utcnow())
    tz = ZoneInfo(_timezone(settings.plan))
    console.print(t("cli.verify_file", file=file), soft_wrap=True)
    for line in describe(verification, tz=tz):
        console.print(f"  {line}", soft_wrap=True)
    if not verification.ok:
        raise typer.Exit(1)


def _timezone(plan: Path) -> str:
    """The plan's timezone, or Vietnam's when the plan cannot be read (verifying needs no plan)."""
    try:
        return load_plan(plan).calendar.timezone
    except PlanError:
        return DEFAULT_TIMEZONE
