"""The `dutyflow` command (Typer + Rich). Thin: parses, calls the core, prints."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dutyflow import admin
from dutyflow.calendar import WorkingCalendar
from dutyflow.cli_register import add_register_commands, print_register_warnings
from dutyflow.messages import t
from dutyflow.obligations import Standing, expand_obligations
from dutyflow.periods import expand_periods
from dutyflow.plan import Plan, PlanError, load_plan
from dutyflow.runtime import Runtime, actor, utcnow
from dutyflow.settings import SettingsError
from dutyflow.store.db import StoreNotReady, ensure_ready, session_scope, upgrade
from dutyflow.store.queries import NoPlanLoaded, StatusLine, current_plan, status_lines
from dutyflow.store.sync import PlanLoadRefused, load_plan_into_store

app = typer.Typer(help=t("help.app"), no_args_is_help=True, add_completion=False)
plan_app = typer.Typer(help=t("help.plan"), no_args_is_help=True)
db_app = typer.Typer(help=t("help.db"), no_args_is_help=True)
run_app = typer.Typer(help=t("help.run"), no_args_is_help=True)
token_app = typer.Typer(help=t("help.token"), no_args_is_help=True)
report_app = typer.Typer(help=t("help.report"), no_args_is_help=True)
schedule_app = typer.Typer(help=t("help.schedule"), no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(db_app, name="db")
app.add_typer(run_app, name="run")
app.add_typer(schedule_app, name="schedule")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
add_register_commands(plan_app)

console = Console()
errors = Console(stderr=True)

STANDING_STYLE = {
    Standing.OVERDUE: "bold red",
    Standing.DUE_TODAY: "bold yellow",
    Standing.DUE_SOON: "yellow",
    Standing.RETURNED: "magenta",
    Standing.SUBMITTED: "cyan",
    Standing.ACCEPTED: "green",
    Standing.PAUSED: "dim",
    Standing.NOT_YET: "dim",
    Standing.ON_TRACK: "",
}

PathArg = Annotated[Path | None, typer.Argument(help=t("help.path"), show_default=False)]
AsOf = Annotated[str | None, typer.Option("--as-of", help=t("help.as_of"), show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help=t("help.json"))]


def fail(message: str, code: int = 1) -> typer.Exit:
    errors.print(f"[bold red]Lỗi:[/] {message}", highlight=False)
    return typer.Exit(code)


def runtime() -> Runtime:
    try:
        return Runtime.from_environment()
    except SettingsError as exc:
        raise fail(str(exc)) from None


def parse_day(value: str | None, rt: Runtime | None = None) -> dt.date:
    if value is None:
        return utcnow().astimezone(WorkingCalendar().tz).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(t("cli.bad_date", value=value), 2) from None


def read_plan(path: Path) -> Plan:
    try:
        return load_plan(path)
    except PlanError as exc:
        raise fail(exc.render()) from None


# --------------------------------------------------------------------------- plan


@plan_app.command("check", help=t("help.plan_check"))
def plan_check(path: PathArg = None) -> None:
    path = path or runtime().settings.plan
    plan = read_plan(path)
    print_register_warnings(path, plan)
    obligations = expand_obligations(plan, WorkingCalendar.from_config(plan.calendar))
    console.print(
        t(
            "cli.plan_ok",
            units=len(plan.units),
            duties=len(plan.duties),
            indicators=len(plan.indicators),
            forms=len(plan.forms),
            deliverables=len(plan.deliverables),
            obligations=len(obligations),
        ),
        highlight=False,
    )


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The plan as one JSON object (the `plan show --json` contract)."""
    calendar = WorkingCalendar.from_config(plan.calendar)
    deliverables = []
    for d in plan.deliverables:
        periods = expand_periods(d, plan.plan.year)
        first = periods[0]
        deliverables.append(
            {
                "code": d.code,
                "name": d.name,
                "kind": d.kind,
                "due": (d.due or first.due).isoformat(),
                "rule": first.rule.value,
                "last_day": calendar.last_day(first.due, first.rule).isoformat(),
                "cutoff": d.cutoff.isoformat() if d.cutoff else None,
                "forms": d.forms,
                "units": [u.code for u in plan.expand_units(d.units)],
                "periods": [
                    {
                        "code": p.code,
                        "label": p.label,
                        "due": p.due.isoformat(),
                        "last_day": calendar.last_day(p.due, p.rule).isoformat(),
                    }
                    for p in periods
                ],
            }
        )
    return {
        "plan": plan.plan.model_dump(mode="json"),
        "units": [
            {"code": u.code, "name": u.name, "kind": u.kind.value, "gso_code": u.gso_code, "email": u.focal.email}
            for u in plan.units
        ],
        "groups": [
            {"code": g.code, "name": g.name, "units": [u.code for u in plan.expand_units([g.code])]}
            for g in plan.groups
        ],
        "duties": [
            {
                "code": d.code,
                "section": d.section,
                "title": d.title,
                "units": [u.code for u in plan.expand_units(d.units)],
            }
            for d in plan.duties
        ],
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "measure": i.measure.value,
                "direction": i.direction.value,
                "strict": i.strict,
                "target": float(i.target) if i.target is not None else None,
                "numerator": i.numerator,
                "denominator": i.denominator,
                "reported_by": [u.code for u in plan.expand_units(i.reported_by)],
            }
            for i in plan.indicators
        ],
        "forms": [{"code": f.code, "name": f.name, "title": f.title, "kind": f.kind} for f in plan.forms],
        "deliverables": deliverables,
    }


@plan_app.command("show", help=t("help.plan_show"))
def plan_show(path: PathArg = None, as_json: JsonFlag = False) -> None:
    plan = read_plan(path or runtime().settings.plan)
    summary = plan_summary(plan)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return
    console.rule(f"[bold]{plan.plan.title}")
    for title, rows, columns in (
        ("Đơn vị", summary["units"], ("code", "name", "kind", "gso_code")),
        ("Chỉ tiêu", summary["indicators"], ("code", "name", "measure", "direction", "target")),
        ("Biểu mẫu", summary["forms"], ("code", "name", "title")),
        ("Sản phẩm báo cáo", summary["deliverables"], ("code", "name", "due", "rule", "last_day")),
    ):
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if row[c] is None else str(row[c]) for c in columns))
        console.print(table)


@plan_app.command("load", help=t("help.plan_load"))
def plan_load(path: PathArg = None) -> None:
    rt = runtime()
    source = path or rt.settings.plan
    plan = read_plan(source)
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            report = load_plan_into_store(session, plan, source.resolve(), now=utcnow(), actor=actor())
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except PlanLoadRefused as exc:
        raise fail("\n".join(exc.reasons)) from None
    console.print(report.describe(), highlight=False)


# --------------------------------------------------------------------------- db


@db_app.command("upgrade", help=t("help.db_upgrade"))
def db_upgrade() -> None:
    rt = runtime()
    revision = upgrade(rt.engine)
    console.print(t("db.upgraded", revision=revision))


# --------------------------------------------------------------------------- status


def days_text(line: StatusLine) -> str:
    if line.days_left > 0:
        return t("days.left", n=line.days_left)
    if line.days_left == 0:
        return t("days.today")
    return t("days.overdue", n=-line.days_left)


def status_table(lines: list[StatusLine], as_of: dt.date) -> Table:
    table = Table(title=t("cli.status_title", as_of=as_of.strftime("%d/%m/%Y")), title_justify="left")
    for key in ("unit", "deliverable", "period", "last_day", "standing", "days", "last_notice", "note"):
        table.add_column(t(f"columns.{key}"))
    for line in lines:
        style = STANDING_STYLE[line.standing]
        last_day = line.last_day.strftime("%d/%m/%Y")
        if line.extended_until:
            last_day += f" → {line.extended_until.strftime('%d/%m/%Y')}"
        table.add_row(
            line.unit_name,
            line.deliverable_name,
            line.period_label,
            last_day,
            f"[{style}]{t(f'standing.{line.standing.value}')}[/]" if style else t(f"standing.{line.standing.value}"),
            days_text(line),
            line.last_notice or "",
            f"[red]{line.problem}[/]" if line.problem else "",
        )
    return table


def recent_changes(limit: int = 10) -> Table | None:
    """The latest administrative changes (extensions, pauses, schedules), for the status page."""
    rt = runtime()
    with session_scope(rt.engine) as session:
        events = admin.recent_changes(session, limit)
    if not events:
        return None
    table = Table(title=t("cli.changes_title"), title_justify="left")
    for key in ("when", "who", "what", "reason"):
        table.add_column(t(f"columns.{key}"))
    for event in events:
        table.add_row(
            f"{event.at:%d/%m/%Y %H:%M}",
            event.actor,
            t(
                f"audit.{event.action}",
                code=event.code,
                **{k: v for k, v in event.detail.items() if k in {"before", "after"}},
            ),
            event.reason or "",
        )
    return table


@app.command("status", help=t("help.status"))
def status(
    as_of: AsOf = None,
    unit: Annotated[str | None, typer.Option("--unit", help=t("help.unit"))] = None,
    deliverable: Annotated[str | None, typer.Option("--deliverable", help=t("help.deliverable"))] = None,
    standing_filter: Annotated[str | None, typer.Option("--standing", help=t("help.standing"))] = None,
    as_json: JsonFlag = False,
) -> None:
    rt = runtime()
    today = parse_day(as_of)
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            lines = status_lines(session, plan.id, today, unit=unit, deliverable=deliverable)
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    if standing_filter:
        lines = [line for line in lines if line.standing.value == standing_filter]
    if unit and not lines:
        with session_scope(rt.engine) as session:
            from dutyflow.store.models import UnitRow

            if session.query(UnitRow).filter_by(code=unit).first() is None:
                raise fail(t("cli.unknown_unit", code=unit))
    if as_json:
        payload = [
            {
                "unit": line.unit,
                "unit_name": line.unit_name,
                "deliverable": line.deliverable,
                "period": line.period,
                "last_day": line.last_day.isoformat(),
                "extended_until": line.extended_until.isoformat() if line.extended_until else None,
                "state": line.state.value,
                "standing": line.standing.value,
                "days_left": line.days_left,
                "last_notice": line.last_notice,
                "problem": line.problem,
            }
            for line in lines
        ]
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    if not lines:
        console.print(t("cli.status_empty"))
        return
    console.print(status_table(lines, today))
    changes = recent_changes()
    if changes is not None:
        console.print(changes)


# --------------------------------------------------------------------------- flows


def _require_plan(rt: Runtime) -> None:
    """Fail with a clear message unless the store is migrated and holds a plan."""
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            current_plan(session)
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None


def _run_flow(name: str, as_of: str | None) -> None:
    rt = runtime()
    day = parse_day(as_of) if as_of else None
    _require_plan(rt)
    from flows.assign import assign
    from flows.chase import chase

    flow = {"assign": assign, "chase": chase}[name]
    result = flow(as_of=day)
    console.print(t("cli.flow_done", flow=name, units=result["units"], sent=result["sent"]), highlight=False)


@run_app.command("consolidate", help=t("help.run_consolidate"))
def run_consolidate(
    as_of: AsOf = None,
    final: Annotated[bool | None, typer.Option("--final/--draft", help=t("help.final"), show_default=False)] = None,
) -> None:
    rt = runtime()
    day = parse_day(as_of) if as_of else None
    _require_plan(rt)
    from flows.consolidate import consolidate_flow

    result = consolidate_flow(as_of=day, final=final)
    console.print(t("cli.report_final" if result["final"] else "cli.report_draft"), highlight=False)
    for path in result["files"]:  # type: ignore[union-attr]
        console.print(f"  {path}", highlight=False)
    for note in result["notes"]:  # type: ignore[union-attr]
        errors.print(f"[yellow]{note}[/]", highlight=False)


@report_app.command("open", help=t("help.report_open"))
def report_open() -> None:
    rt = runtime()
    root = rt.settings.data_dir / "reports"
    folders = (
        sorted((p for p in root.glob("*/*") if p.is_dir()), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
    )
    if not folders:
        raise fail(t("cli.no_report"))
    latest = folders[-1]
    for path in sorted(latest.iterdir()):
        if path.suffix in {".docx", ".pdf", ".html"}:
            console.print(str(path), highlight=False)


@run_app.command("assign", help=t("help.run_assign"))
def run_assign(as_of: AsOf = None) -> None:
    _run_flow("assign", as_of)


@run_app.command("chase", help=t("help.run_chase"))
def run_chase(as_of: AsOf = None) -> None:
    _run_flow("chase", as_of)


@run_app.command("intake-mail", help=t("mailin.help"))
def run_intake_mail(as_of: AsOf = None) -> None:
    rt = runtime()
    day = parse_day(as_of) if as_of else None
    _require_plan(rt)
    from flows.intake_mail import intake_mail

    console.print(t("mailin.done", **intake_mail(as_of=day)), highlight=False)
    from dutyflow.mailin.ledger import review_queue

    with session_scope(rt.engine) as session:
        for row in review_queue(session):
            console.print(t("mailin.review_line", sender=row.sender, subject=row.subject, reason=row.reason), highlight=False)


@app.command("serve", help=t("help.serve"))
def serve_command(
    host: Annotated[str, typer.Option("--host", help=t("help.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=t("help.port"))] = 8000,
    portal: Annotated[bool, typer.Option("--portal/--no-portal", help=t("help.serve_portal"))] = True,
) -> None:
    from dutyflow.portal.server import background_server
    from dutyflow.wiring import portal_app

    rt = runtime()
    try:
        ensure_ready(rt.engine)
        application = portal_app(rt) if portal else None
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    from flows.serve import serve_all

    if application is None:
        serve_all()
        return
    with background_server(application, port, host) as url:
        console.print(t("portal.started", url=url), highlight=False)
        serve_all()


# --------------------------------------------------------------------------- administration


def _admin(action: Any) -> Any:
    """Run `action(session, plan_id, now, actor)` in one transaction; print AdminError as a clean failure."""
    rt = runtime()
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            return action(session, plan, utcnow(), actor())
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    except admin.AdminError as exc:
        raise fail(str(exc)) from None


Reason = Annotated[str, typer.Option("--reason", help=t("help.reason"))]


@app.command("extend", help=t("help.extend"))
def extend_command(
    unit: Annotated[str, typer.Argument(help=t("help.unit"))],
    deliverable: Annotated[str, typer.Argument(help=t("help.deliverable"))],
    until: Annotated[str, typer.Option("--until", help=t("help.until"))],
    reason: Reason,
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
) -> None:
    day = parse_day(until)
    periods = _admin(
        lambda s, p, now, who: admin.extend(s, p.id, unit, deliverable, day, reason, now=now, actor=who, period=period)
    )
    console.print(
        t("admin.extended", unit=unit, deliverable=deliverable, until=f"{day:%d/%m/%Y}", periods=", ".join(periods)),
        highlight=False,
    )


@app.command("pause", help=t("help.pause"))
def pause_command(unit: Annotated[str, typer.Argument(help=t("help.unit"))], reason: Reason) -> None:
    _admin(lambda s, p, now, who: admin.pause(s, p.id, unit, reason, now=now, actor=who))
    console.print(t("admin.paused", unit=unit), highlight=False)


@app.command("resume", help=t("help.resume"))
def resume_command(
    unit: Annotated[str, typer.Argument(help=t("help.unit"))],
    reason: Annotated[str, typer.Option("--reason", help=t("help.reason"))] = "",
) -> None:
    _admin(lambda s, p, now, who: admin.resume(s, p.id, unit, reason, now=now, actor=who))
    console.print(t("admin.resumed", unit=unit), highlight=False)


@schedule_app.command("show", help=t("help.schedule_show"))
def schedule_show() -> None:
    rows = _admin(
        lambda s, p, now, who: [
            (r.flow, r.cron, r.timezone, r.updated_by, r.updated_at)
            for r in admin.schedules(s, p.document["calendar"]["timezone"]).values()
        ]
    )
    table = Table(title=t("admin.schedule_title"), title_justify="left")
    for column in ("flow", "cron", "timezone", "updated_by", "updated_at"):
        table.add_column(column)
    for flow, cron, timezone, who, when in rows:
        table.add_row(flow, cron, timezone, who, f"{when:%d/%m/%Y %H:%M} UTC")
    console.print(table)


@schedule_app.command("set", help=t("help.schedule_set"))
def schedule_set(
    flow: Annotated[str, typer.Argument(help=t("help.flow"))],
    cron: Annotated[str, typer.Option("--cron", help=t("help.cron"))],
    reason: Annotated[str, typer.Option("--reason", help=t("help.reason"))] = "",
) -> None:
    from flows._prefect_api import check_cron, push_schedule

    def change(s: Any, p: Any, now: dt.datetime, who: str) -> tuple[str, str]:
        timezone = p.document["calendar"]["timezone"]
        try:
            check_cron(cron, timezone)
        except ValueError:
            raise admin.AdminError(t("admin.bad_cron", cron=cron)) from None
        row = admin.set_schedule(s, flow, cron, timezone, now=now, actor=who, reason=reason or None)
        return row.cron, row.timezone

    saved, timezone = _admin(change)
    console.print(t("admin.schedule_set", flow=flow, cron=saved, timezone=timezone), highlight=False)
    pushed = False
    if os.environ.get("PREFECT_API_URL"):  # a served deployment lives on a Prefect server
        try:
            pushed = push_schedule(flow, saved, timezone)
        except Exception as exc:  # the server did not answer: the schedule applies at the next `serve`
            errors.print(f"[yellow]{exc}[/]", highlight=False)
    console.print(t("admin.schedule_pushed") if pushed else t("admin.schedule_not_served"), highlight=False)


# --------------------------------------------------------------------------- portal and intake


@app.command("portal", help=t("help.portal"))
def portal_command(
    host: Annotated[str, typer.Option("--host", help=t("help.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=t("help.port"))] = 8000,
) -> None:
    import uvicorn

    from dutyflow.wiring import portal_app

    rt = runtime()
    try:
        ensure_ready(rt.engine)
        application = portal_app(rt)
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    console.print(t("portal.started", url=f"http://{host}:{port}"), highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@token_app.command("reissue", help=t("help.token_reissue"))
def token_reissue(unit: Annotated[str, typer.Argument(help=t("help.unit"))]) -> None:
    from dutyflow.tokens import expiry_for, issue, load_secret
    from dutyflow.wiring import notifier_for

    rt = runtime()
    secret = load_secret(rt.settings.secret_key.get_secret_value(), rt.settings.data_dir)

    def reissue(s: Any, p: Any, now: dt.datetime, who: str) -> tuple[str, int]:
        from dutyflow.store.models import UnitRow, UnitTokenRow

        row = s.query(UnitRow).filter_by(plan_id=p.id, code=unit).first()
        if row is None:
            raise admin.AdminError(t("cli.unknown_unit", code=unit))
        tz = WorkingCalendar.from_config(Plan.model_validate(p.document).calendar).tz
        token = issue(s, secret, p.code, row, now=now, expires_at=expiry_for(p.year, tz))
        generation = s.query(UnitTokenRow).filter_by(unit_id=row.id, revoked_at=None).one().generation
        admin.audit_token(s, now, who, unit, generation)
        return token, generation

    token, generation = _admin(reissue)
    url = f"{rt.settings.portal_url.rstrip('/')}/u/{token}"
    now = utcnow()
    notifier = notifier_for(rt)
    notifier.send_link(unit, url, notifier.calendar.local_date(now), now, generation_key=f"{unit}-{generation}")
    console.print(t("portal.token_reissued", unit=unit, url=url), highlight=False)


@app.command("import", help=t("help.import"))
def import_command(
    file: Annotated[Path, typer.Argument(help=t("help.import_file"), exists=True, dir_okay=False, readable=True)],
    unit: Annotated[str, typer.Option("--unit", help=t("help.unit"))],
    deliverable: Annotated[str, typer.Option("--deliverable", help=t("help.deliverable"))],
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
    received: Annotated[str | None, typer.Option("--received", help=t("help.received"))] = None,
) -> None:
    from dutyflow.intake import IntakeRefused, Limits, submit_file
    from dutyflow.wiring import file_store, notifier_for

    rt = runtime()
    data = file.read_bytes()
    when = utcnow() if received is None else WorkingCalendar().start_of_day(parse_day(received)).replace(hour=12)

    def record(s: Any, p: Any, now: dt.datetime, who: str) -> Any:
        from sqlalchemy import select

        from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow

        query = (
            select(ObligationRow)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(UnitRow.code == unit, DeliverableRow.code == deliverable, ObligationRow.plan_id == p.id)
            .order_by(ObligationRow.last_day)
        )
        if period:
            query = query.where(ObligationRow.period == period)
        obligations = s.scalars(query).all()
        if not obligations:
            raise admin.AdminError(t("admin.nothing_to_extend", unit=unit, deliverable=deliverable))
        obligation = next((o for o in obligations if o.state != "accepted"), obligations[-1])
        try:
            return submit_file(
                s,
                file_store(rt.settings),
                Plan.model_validate(p.document),
                obligation,
                data,
                file.name,
                channel="import",
                actor=who,
                now=when,
                limits=Limits(max_bytes=int(rt.settings.max_upload_mb * 1024 * 1024), max_per_day=10_000),
            )
        except IntakeRefused as exc:
            raise admin.AdminError(str(exc)) from None

    result = _admin(record)
    console.print(
        t(
            "intake.imported",
            file=file.name,
            unit=unit,
            deliverable=deliverable,
            period=period or "",
            status=t(f"intake.status.{result.status}"),
        ),
        highlight=False,
    )
    for reason in result.reasons:
        console.print(f"  - {reason}", highlight=False)
    notifier = notifier_for(rt)
    now = utcnow()
    notifier.acknowledge(result.submission_id, notifier.calendar.local_date(now), now)
    if not result.ok:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- demo


@app.command("demo", help=t("help.demo"))
def demo(
    out: Annotated[Path | None, typer.Option("--out", help=t("help.out"))] = None,
    seed: Annotated[int, typer.Option("--seed", help=t("help.seed"))] = 2025,
    quick: Annotated[bool, typer.Option("--quick", help=t("help.quick"))] = False,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.simulate import run_demo

    data_dir = (out or Path(tempfile.mkdtemp(prefix="dutyflow-demo-"))).resolve()
    console.print(t("demo.data_dir", path=data_dir), highlight=False)
    start, end = dt.date(2025, 4, 21).toordinal(), dt.date(2025, 11, 21).toordinal()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[day]}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(t("demo.progress"), total=end - start, day="")

        def advance(day: dt.date, _: str) -> None:
            bar.update(task, completed=min(day.toordinal() - start, end - start), day=day.strftime("%d/%m/%Y"))

        result = run_demo(data_dir, seed=seed, quick=quick, progress=advance)
        bar.update(task, completed=end - start)
    summary = Table(title=t("demo.summary_title"), title_justify="left")
    summary.add_column(t("demo.col_what"))
    summary.add_column(t("demo.col_count"), justify="right")
    for template, count in sorted(result.messages.items()):
        summary.add_row(t(f"demo.template.{template}"), str(count))
    for state, count in sorted(result.states.items()):
        summary.add_row(t(f"demo.state.{state.replace(' ', '_')}"), str(count))
    console.print(summary)
    console.print(
        t("demo.cast", never=result.cast.get("never", ""), corrects=result.cast.get("corrects", "")), highlight=False
    )
    if result.cast.get("email"):
        console.print(t("mailin.demo_email", units=result.cast["email"]), highlight=False)
    for key in ("pdf", "docx", "html", "status", "mail"):
        if key in result.files:
            console.print(t(f"demo.file.{key}", path=result.files[key]), highlight=False)
    console.print(t("demo.eml", path=data_dir / "mail"), highlight=False)
    console.print(t("demo.prefect_ui", home=data_dir / "prefect"), highlight=False)
    for note in result.notes:
        errors.print(f"[yellow]{note}[/]", highlight=False)
    console.print(t("demo.done_in", seconds=round(result.seconds), days=result.days), highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
