"""The office's actions on the current plan: `extend`, `pause`, `resume`, `schedule`, `token reissue`,
`import` and `db upgrade`. Thin: each parses, calls one service of dutyflow/ on the current plan
(`on_plan`), and prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from dutyflow import admin, schedules
from dutyflow.cli.common import DAY, console, errors, on_plan, optional_day, parse_day, read_input, runtime
from dutyflow.cli.usage import VietnameseGroup
from dutyflow.messages import t
from dutyflow.office import ImportRequest, link_url, reissue_token
from dutyflow.office_import import import_limits, import_received, send_receipt
from dutyflow.resources import utcnow
from dutyflow.store.db import upgrade

db_app = typer.Typer(cls=VietnameseGroup, help=t("help.db"), no_args_is_help=True)
schedule_app = typer.Typer(cls=VietnameseGroup, help=t("help.schedule"), no_args_is_help=True)
token_app = typer.Typer(cls=VietnameseGroup, help=t("help.token"), no_args_is_help=True)

Unit = Annotated[str, typer.Argument(help=t("help.unit"))]
Reason = Annotated[str, typer.Option("--reason", help=t("help.reason"))]

ActingDay = Annotated[str | None, typer.Option("--as-of", metavar=DAY, help=t("help.acting_day"), show_default=False)]


@db_app.command("upgrade", help=t("help.db_upgrade"))
def db_upgrade() -> None:
    revision = upgrade(runtime().engine)
    console.print(t("db.upgraded", revision=revision))


def extend_command(
    unit: Unit,
    deliverable: Annotated[str, typer.Argument(help=t("help.deliverable"))],
    until: Annotated[str, typer.Option("--until", metavar=DAY, help=t("help.until"))],
    reason: Reason,
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
    as_of: ActingDay = None,
) -> None:
    day = parse_day(until)
    periods = on_plan(
        lambda s, p, now, who: admin.extend(s, p.id, unit, deliverable, day, reason, now=now, actor=who, period=period),
        optional_day(as_of),
    )
    console.print(
        t("admin.extended", unit=unit, deliverable=deliverable, until=f"{day:%d/%m/%Y}", periods=", ".join(periods)),
    )


def pause_command(unit: Unit, reason: Reason, as_of: ActingDay = None) -> None:
    on_plan(lambda s, p, now, who: admin.pause(s, p.id, unit, reason, now=now, actor=who), optional_day(as_of))
    console.print(t("admin.paused", unit=unit))


def resume_command(unit: Unit, reason: Reason = "", as_of: ActingDay = None) -> None:
    on_plan(lambda s, p, now, who: admin.resume(s, p.id, unit, reason, now=now, actor=who), optional_day(as_of))
    console.print(t("admin.resumed", unit=unit))


@schedule_app.command("show", help=t("help.schedule_show"))
def schedule_show() -> None:
    rows = on_plan(
        lambda s, p, now, who: [
            (r.flow, r.cron, r.timezone, r.updated_by, r.updated_at)
            for r in admin.schedules(s, p.document["calendar"]["timezone"]).values()
        ]
    )
    console.table(
        t("admin.schedule_title"),
        [t(f"admin.schedule_col_{column}") for column in ("flow", "cron", "timezone", "updated_by", "updated_at")],
        [[flow, cron, timezone, who, f"{when:%d/%m/%Y %H:%M} UTC"] for flow, cron, timezone, who, when in rows],
    )


@schedule_app.command("set", help=t("help.schedule_set"))
def schedule_set(
    flow: Annotated[str, typer.Argument(help=t("help.flow"))],
    cron: Annotated[str, typer.Option("--cron", help=t("help.cron"))],
    reason: Reason = "",
) -> None:
    from dutyflow.run_now import Pushed
    from flows.launcher import PrefectLauncher

    rt = runtime()
    saved = on_plan(lambda s, p, now, who: schedules.change(s, p, flow, cron, reason, now=now, actor=who), rt=rt)
    console.print(t("admin.schedule_set", flow=flow, cron=saved.cron, timezone=saved.timezone))
    pushed, problem = PrefectLauncher(rt).push_schedule(flow, saved.cron, saved.timezone)
    if problem:
        errors.print(Text(problem, style="yellow"))
    console.print(t("admin.schedule_pushed") if pushed is Pushed.PUSHED else t("admin.schedule_not_served"))


@token_app.command("reissue", help=t("help.token_reissue"))
def token_reissue(unit: Unit) -> None:
    from dutyflow.tokens import load_secret

    rt = runtime()
    secret = load_secret(rt.settings.secret_key.get_secret_value(), rt.settings.data_dir)
    reissued = on_plan(lambda s, p, now, who: reissue_token(s, secret, p, unit, now=now, actor=who), rt=rt)
    url = link_url(rt.settings.portal_url, reissued.token)
    now = utcnow()
    notifier = rt.notifier()
    notifier.send_link(unit, url, notifier.calendar.local_date(now), now, generation_key=f"{unit}-{reissued.generation}")
    console.print(t("portal.token_reissued", unit=unit, url=url))


def import_command(
    file: Annotated[Path, typer.Argument(help=t("help.import_file"), show_default=False)],
    unit: Annotated[str, typer.Option("--unit", help=t("help.unit"))],
    deliverable: Annotated[str, typer.Option("--deliverable", help=t("help.deliverable"))],
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
    received: Annotated[str | None, typer.Option("--received", metavar=DAY, help=t("help.received"))] = None,
) -> None:
    rt = runtime()
    request = ImportRequest(unit, deliverable, period, read_input(file), file.name, optional_day(received))
    limits = import_limits(int(rt.settings.max_upload_mb * 1024 * 1024))
    files = rt.files
    imported = on_plan(
        lambda s, p, now, who: import_received(s, files, p, request, now=now, actor=who, limits=limits), rt=rt
    )
    result = imported.result
    console.print(
        t(
            "intake.imported",
            file=file.name,
            unit=unit,
            deliverable=deliverable,
            period=period or "",
            status=t(f"intake.status.{result.status}"),
        ),
    )
    for reason in result.reasons:
        console.line(f"  - {reason}")
    send_receipt(rt.notifier(), imported)
    if not result.ok:
        raise typer.Exit(1)
