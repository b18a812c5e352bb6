"""The `dutyflow` command (Typer + Rich). Thin: parses, calls the core, prints."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from dutyflow import admin
from dutyflow.calendar import WorkingCalendar
from dutyflow.cli_errors import VietnameseGroup
from dutyflow.cli_output import Cell, Output
from dutyflow.cli_register import add_register_commands, print_register_warnings
from dutyflow.cli_signing import report_verify
from dutyflow.messages import t
from dutyflow.obligations import Standing, effective_last_day, expand_obligations
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import CalendarConfig, Plan, PlanError, load_plan
from dutyflow.plan.periods import expand_periods
from dutyflow.plandraft.command import plan_draft
from dutyflow.resources import Resources, actor, utcnow
from dutyflow.settings import SettingsError
from dutyflow.states import ObligationState, SubmissionChannel
from dutyflow.store.db import StoreNotReady, ensure_ready, session_scope, upgrade
from dutyflow.store.queries import NoPlanLoaded, StatusLine, current_plan, plan_of, status_lines
from dutyflow.store.sync import PlanLoadRefused, load_plan_into_store

app = typer.Typer(cls=VietnameseGroup, help=t("help.app"), no_args_is_help=True, add_completion=False)
plan_app = typer.Typer(cls=VietnameseGroup, help=t("help.plan"), no_args_is_help=True)
db_app = typer.Typer(cls=VietnameseGroup, help=t("help.db"), no_args_is_help=True)
run_app = typer.Typer(cls=VietnameseGroup, help=t("help.run"), no_args_is_help=True)
token_app = typer.Typer(cls=VietnameseGroup, help=t("help.token"), no_args_is_help=True)
report_app = typer.Typer(cls=VietnameseGroup, help=t("help.report"), no_args_is_help=True)
schedule_app = typer.Typer(cls=VietnameseGroup, help=t("help.schedule"), no_args_is_help=True)
app.add_typer(plan_app, name="plan")
app.add_typer(db_app, name="db")
app.add_typer(run_app, name="run")
app.add_typer(schedule_app, name="schedule")
app.add_typer(token_app, name="token")
app.add_typer(report_app, name="report")
add_register_commands(plan_app)

console = Output()
errors = Output(stderr=True)

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
    errors.print(Text.assemble((t("usage.error"), "bold red"), " ", message))
    return typer.Exit(code)


def runtime() -> Resources:
    try:
        return Resources.from_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None


def parse_day(value: str | None, rt: Resources | None = None) -> dt.date:
    if value is None:
        return utcnow().astimezone(WorkingCalendar().tz).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(t("cli.bad_date", value=value), 2) from None


def plan_calendar(plan: Any) -> WorkingCalendar:
    """The working calendar of a stored plan (its timezone, holidays and make-up days)."""
    return WorkingCalendar.from_config(CalendarConfig.model_validate(plan.document.get("calendar", {})))


def read_plan(path: Path) -> Plan:
    try:
        return load_plan(path)
    except PlanError as exc:
        raise fail(exc.render()) from None  # fail() prints plain text: the file's own words are never markup


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


# `plan draft` lives in its own module (dutyflow/plandraft/command.py).
plan_app.command("draft", help=t("plandraft.help"))(plan_draft)


@plan_app.command("show", help=t("help.plan_show"))
def plan_show(path: PathArg = None, as_json: JsonFlag = False) -> None:
    plan = read_plan(path or runtime().settings.plan)
    summary = plan_summary(plan)
    if as_json:
        sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        return
    console.rule(plan.plan.title)
    for key, rows, columns in plan_tables(summary):
        console.table(
            t(f"plan_show.title_{key}"),
            [t(f"plan_show.col_{c}") for c in columns],
            [[_plan_cell(row[c]) for c in columns] for row in rows],
        )


def plan_tables(summary: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]], tuple[str, ...]]]:
    """The tables of `plan show`: (title key, rows, columns), every period of every deliverable included."""
    periods = [{"deliverable": d["code"], **p} for d in summary["deliverables"] for p in d["periods"]]
    return [
        ("units", summary["units"], ("code", "name", "kind", "gso_code")),
        ("groups", summary["groups"], ("code", "name", "units")),
        ("duties", summary["duties"], ("code", "section", "title", "units")),
        ("indicators", summary["indicators"], ("code", "name", "measure", "direction", "target")),
        ("forms", summary["forms"], ("code", "name", "title")),
        ("deliverables", summary["deliverables"], ("code", "name", "due", "rule", "last_day")),
        ("periods", periods, ("deliverable", "code", "label", "due", "last_day")),
    ]


def _plan_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{dt.date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return str(value)


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
    console.print(report.describe())


# --------------------------------------------------------------------------- db


@db_app.command("upgrade", help=t("help.db_upgrade"))
def db_upgrade() -> None:
    rt = runtime()
    revision = upgrade(rt.engine)
    console.print(t("db.upgraded", revision=revision))


# --------------------------------------------------------------------------- status


def days_text(line: StatusLine, tz: dt.tzinfo) -> str:
    """Days left or overdue; for a report handed in, whether it came on time (never "quá N ngày")."""
    if line.submitted_at is not None and line.standing in {Standing.ACCEPTED, Standing.SUBMITTED}:
        deadline = effective_last_day(line.last_day, line.extended_until)
        late = (line.submitted_at.astimezone(tz).date() - deadline).days
        return t("delivery.late", n=late) if late > 0 else t("delivery.on_time")
    if line.days_left > 0:
        return t("days.left", n=line.days_left)
    if line.days_left == 0:
        return t("days.today")
    return t("days.overdue", n=-line.days_left)


def status_rows(lines: list[StatusLine], tz: dt.tzinfo) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for line in lines:
        last_day = line.last_day.strftime("%d/%m/%Y")
        if line.extended_until:
            last_day += f" → {line.extended_until.strftime('%d/%m/%Y')}"
        rows.append(
            [
                line.unit_name,
                line.deliverable_name,
                line.period_label,
                last_day,
                Text(t(f"standing.{line.standing.value}"), style=STANDING_STYLE[line.standing]),
                days_text(line, tz),
                line.last_notice or "",
                Text(line.problem or "", style="red"),
            ]
        )
    return rows


STATUS_COLUMNS = ("unit", "deliverable", "period", "last_day", "standing", "days", "last_notice", "note")


def print_recent_changes(until: dt.datetime, tz: dt.tzinfo, limit: int = 10) -> None:
    """The latest administrative changes made by `until` (extensions, pauses, schedules)."""
    rt = runtime()
    with session_scope(rt.engine) as session:
        events = admin.recent_changes(session, limit, until=until)
    if not events:
        return
    rows: list[list[Cell]] = [
        [
            f"{event.at.astimezone(tz):%d/%m/%Y %H:%M}",
            event.actor,
            t(
                f"audit.{event.action}",
                code=event.code,
                **{k: v for k, v in event.detail.items() if k in {"before", "after"}},
            ),
            event.reason or "",
        ]
        for event in events
    ]
    console.table(t("cli.changes_title"), [t(f"columns.{key}") for key in ("when", "who", "what", "reason")], rows)


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
    standings = [kind.value for kind in Standing]
    if standing_filter is not None and standing_filter not in standings:
        raise fail(t("cli.unknown_standing", value=standing_filter, known=", ".join(standings)), 2)
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            calendar = plan_calendar(plan)
            until = calendar.start_of_day(today + dt.timedelta(days=1))  # what had happened by the end of `today`
            lines = status_lines(session, plan.id, today, unit=unit, deliverable=deliverable, history_until=until)
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
                "submitted_at": line.submitted_at.isoformat() if line.submitted_at else None,
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
    title = t("cli.status_title", as_of=today.strftime("%d/%m/%Y"))
    console.table(title, [t(f"columns.{key}") for key in STATUS_COLUMNS], status_rows(lines, calendar.tz))
    print_recent_changes(until, calendar.tz)


# --------------------------------------------------------------------------- flows


def _require_plan(rt: Resources) -> None:
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
    from flows._common import override
    from flows.assign import assign
    from flows.chase import chase

    flow = {"assign": assign, "chase": chase}[name]
    with override(rt):  # the flows run on the CLI's resources
        result = flow(as_of=day)
    console.print(t("cli.flow_done", flow=name, units=result["units"], sent=result["sent"]))


@run_app.command("consolidate", help=t("help.run_consolidate"))
def run_consolidate(
    as_of: AsOf = None,
    final: Annotated[bool | None, typer.Option("--final/--draft", help=t("help.final"), show_default=False)] = None,
) -> None:
    rt = runtime()
    day = parse_day(as_of) if as_of else None
    _require_plan(rt)
    from flows._common import override
    from flows.consolidate import consolidate_flow

    with override(rt):
        result = consolidate_flow(as_of=day, final=final)
    console.print(t("cli.report_final" if result["final"] else "cli.report_draft"))
    for path in result["files"]:  # type: ignore[attr-defined]
        console.line(f"  {path}")
    for note in result["notes"]:  # type: ignore[attr-defined]
        errors.print(Text(str(note), style="yellow"))


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
            console.line(str(path))


report_app.command("verify", help=t("help.report_verify"))(report_verify)


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
    from flows._common import override
    from flows.intake_mail import intake_mail

    with override(rt):
        done = intake_mail(as_of=day)
    console.print(t("mailin.done", **done), highlight=False)
    from dutyflow.mailin.ledger import review_queue

    with session_scope(rt.engine) as session:
        for row in review_queue(session):
            console.print(t("mailin.review_line", sender=row.sender, subject=row.subject, reason=row.reason), highlight=False)


@app.command("serve", help=t("help.serve"))
def serve_command(
    host: Annotated[str, typer.Option("--host", help=t("help.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=t("help.port"), min=1, max=65535)] = 8000,
    portal: Annotated[bool, typer.Option("--portal/--no-portal", help=t("help.serve_portal"))] = True,
) -> None:
    from dutyflow.portal.server import background_server

    rt = runtime()
    try:
        ensure_ready(rt.engine)
        application = rt.portal_app() if portal else None
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    from flows.serve import serve_all

    # A service manager stops us with SIGTERM: shut down as on Ctrl-C (the runner, then the portal).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if application is None:
        serve_all(rt)
        return
    with background_server(application, port, host) as url:
        console.print(t("portal.started", url=url))
        serve_all(rt)


# --------------------------------------------------------------------------- administration


def acting_moment(
    calendar: WorkingCalendar, day: dt.date | None, future_key: str = "dates.as_of_in_future"
) -> dt.datetime:
    """When an action given a day (--as-of, --received) takes effect: now for today, noon of that day
    in the plan's timezone for a past one; a day still to come is refused."""
    real = utcnow()
    if day is None:
        return real
    today = calendar.local_date(real)
    if day > today:
        raise admin.AdminError(t(future_key, day=f"{day:%d/%m/%Y}", today=f"{today:%d/%m/%Y}"))
    return real if day == today else calendar.start_of_day(day) + dt.timedelta(hours=12)


def _admin(action: Any, day: dt.date | None = None, future_key: str = "dates.as_of_in_future") -> Any:
    """Run `action(session, plan, now, actor)` in one transaction, `now` being the moment of `day`
    (see `acting_moment`); print AdminError as a clean failure."""
    rt = runtime()
    try:
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            return action(session, plan, acting_moment(plan_calendar(plan), day, future_key), actor())
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    except admin.AdminError as exc:
        raise fail(str(exc)) from None


Reason = Annotated[str, typer.Option("--reason", help=t("help.reason"))]
ActingDay = Annotated[str | None, typer.Option("--as-of", help=t("help.acting_day"), show_default=False)]


@app.command("extend", help=t("help.extend"))
def extend_command(
    unit: Annotated[str, typer.Argument(help=t("help.unit"))],
    deliverable: Annotated[str, typer.Argument(help=t("help.deliverable"))],
    until: Annotated[str, typer.Option("--until", help=t("help.until"))],
    reason: Reason,
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
    as_of: ActingDay = None,
) -> None:
    day = parse_day(until)
    periods = _admin(
        lambda s, p, now, who: admin.extend(s, p.id, unit, deliverable, day, reason, now=now, actor=who, period=period),
        parse_day(as_of) if as_of else None,
    )
    console.print(
        t("admin.extended", unit=unit, deliverable=deliverable, until=f"{day:%d/%m/%Y}", periods=", ".join(periods)),
    )


@app.command("pause", help=t("help.pause"))
def pause_command(
    unit: Annotated[str, typer.Argument(help=t("help.unit"))], reason: Reason, as_of: ActingDay = None
) -> None:
    _admin(
        lambda s, p, now, who: admin.pause(s, p.id, unit, reason, now=now, actor=who),
        parse_day(as_of) if as_of else None,
    )
    console.print(t("admin.paused", unit=unit))


@app.command("resume", help=t("help.resume"))
def resume_command(
    unit: Annotated[str, typer.Argument(help=t("help.unit"))],
    reason: Annotated[str, typer.Option("--reason", help=t("help.reason"))] = "",
    as_of: ActingDay = None,
) -> None:
    _admin(
        lambda s, p, now, who: admin.resume(s, p.id, unit, reason, now=now, actor=who),
        parse_day(as_of) if as_of else None,
    )
    console.print(t("admin.resumed", unit=unit))


@schedule_app.command("show", help=t("help.schedule_show"))
def schedule_show() -> None:
    rows = _admin(
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
    console.print(t("admin.schedule_set", flow=flow, cron=saved, timezone=timezone))
    pushed = False
    if os.environ.get("PREFECT_API_URL"):  # a served deployment lives on a Prefect server
        try:
            pushed = push_schedule(flow, saved, timezone)
        except Exception as exc:  # the server did not answer: the schedule applies at the next `serve`
            errors.print(Text(str(exc), style="yellow"))
    console.print(t("admin.schedule_pushed") if pushed else t("admin.schedule_not_served"))


# --------------------------------------------------------------------------- portal and intake


@app.command("portal", help=t("help.portal"))
def portal_command(
    host: Annotated[str, typer.Option("--host", help=t("help.host"))] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=t("help.port"), min=1, max=65535)] = 8000,
) -> None:
    import uvicorn

    rt = runtime()
    try:
        ensure_ready(rt.engine)
        application = rt.portal_app()
    except StoreNotReady as exc:
        raise fail(str(exc)) from None
    except NoPlanLoaded:
        raise fail(t("load.no_plan_loaded")) from None
    console.print(t("portal.started", url=f"http://{host}:{port}"))
    # The app decides whose X-Forwarded-* to believe (DUTYFLOW_TRUSTED_PROXY), not uvicorn's default.
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)


@token_app.command("reissue", help=t("help.token_reissue"))
def token_reissue(unit: Annotated[str, typer.Argument(help=t("help.unit"))]) -> None:
    from dutyflow.tokens import expiry_for, issue, load_secret

    rt = runtime()
    secret = load_secret(rt.settings.secret_key.get_secret_value(), rt.settings.data_dir)

    def reissue(s: Any, p: Any, now: dt.datetime, who: str) -> tuple[str, int]:
        from dutyflow.store.models import UnitRow, UnitTokenRow

        row = s.query(UnitRow).filter_by(plan_id=p.id, code=unit).first()
        if row is None:
            raise admin.AdminError(t("cli.unknown_unit", code=unit))
        tz = WorkingCalendar.from_config(plan_of(p).calendar).tz
        token = issue(s, secret, p.code, row, now=now, expires_at=expiry_for(p.year, tz))
        generation = s.query(UnitTokenRow).filter_by(unit_id=row.id, revoked_at=None).one().generation
        admin.audit_token(s, now, who, unit, generation)
        return token, generation

    token, generation = _admin(reissue)
    url = f"{rt.settings.portal_url.rstrip('/')}/u/{token}"
    now = utcnow()
    notifier = rt.notifier()
    notifier.send_link(unit, url, notifier.calendar.local_date(now), now, generation_key=f"{unit}-{generation}")
    console.print(t("portal.token_reissued", unit=unit, url=url))


def read_input(path: Path) -> bytes:
    """The bytes of a file named on the command line, or a clean failure saying what is wrong with it."""
    if path.is_dir():
        raise fail(t("files.is_directory", path=path), 2)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise fail(t("files.missing", path=path), 2) from None
    except OSError as exc:
        raise fail(t("files.unreadable", path=path, reason=exc.strerror or exc.__class__.__name__), 2) from None


@app.command("import", help=t("help.import"))
def import_command(
    file: Annotated[Path, typer.Argument(help=t("help.import_file"), show_default=False)],
    unit: Annotated[str, typer.Option("--unit", help=t("help.unit"))],
    deliverable: Annotated[str, typer.Option("--deliverable", help=t("help.deliverable"))],
    period: Annotated[str | None, typer.Option("--period", help=t("help.period"))] = None,
    received: Annotated[str | None, typer.Option("--received", help=t("help.received"))] = None,
) -> None:
    from dutyflow.intake import IntakeRefused, Limits, check_received_year, submit_file

    rt = runtime()
    data = read_input(file)
    received_on = parse_day(received) if received else None

    def record(s: Any, p: Any, now: dt.datetime, who: str) -> Any:
        from sqlalchemy import select

        from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow

        if received_on is not None:
            try:
                check_received_year(received_on, p.year)
            except IntakeRefused as exc:
                raise admin.AdminError(str(exc)) from None
        if s.scalars(select(UnitRow.id).where(UnitRow.plan_id == p.id, UnitRow.code == unit)).first() is None:
            raise admin.AdminError(t("cli.unknown_unit", code=unit))
        found = select(DeliverableRow.id).where(DeliverableRow.plan_id == p.id, DeliverableRow.code == deliverable)
        if s.scalars(found).first() is None:
            raise admin.AdminError(t("admin.unknown_deliverable", code=deliverable))
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
            which = t("import.unknown_period", period=period) if period else ""
            raise admin.AdminError(t("import.unknown_obligation", unit=unit, deliverable=deliverable, period=which))
        obligation = next((o for o in obligations if o.state != ObligationState.ACCEPTED), obligations[-1])
        try:
            result = submit_file(
                s,
                rt.files,
                plan_of(p),
                obligation,
                data,
                file.name,
                channel=SubmissionChannel.IMPORT,
                actor=who,
                now=now,
                limits=Limits(max_bytes=int(rt.settings.max_upload_mb * 1024 * 1024), max_per_day=10_000),
            )
        except IntakeRefused as exc:
            raise admin.AdminError(str(exc)) from None
        return result, now

    result, when = _admin(record, received_on, "dates.received_in_future")
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
    notifier = rt.notifier()
    # The receipt is written on the day the report was received, not on the day it was typed in.
    notifier.acknowledge(result.submission_id, notifier.calendar.local_date(when), when)
    if not result.ok:
        raise typer.Exit(1)


# --------------------------------------------------------------------------- demo


@app.command("demo", help=t("help.demo"))
def demo(
    out: Annotated[Path | None, typer.Option("--out", help=t("help.out"))] = None,
    seed: Annotated[int, typer.Option("--seed", help=t("help.seed"))] = 2025,
    quick: Annotated[bool, typer.Option("--quick", help=t("help.quick"))] = False,
    plan_path: Annotated[Path | None, typer.Option("--plan", help=t("help.demo_plan"), show_default=False)] = None,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.simulate import demo_span, run_demo

    plan_path = (plan_path or BUNDLED_PLAN).resolve()
    first, last = demo_span(read_plan(plan_path))
    data_dir = (out or Path(tempfile.mkdtemp(prefix="dutyflow-demo-"))).resolve()
    console.print(t("demo.data_dir", path=data_dir))
    start, end = first.toordinal(), last.toordinal()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[day]}"),
        TimeElapsedColumn(),
        console=console.console,
    ) as bar:
        task = bar.add_task(t("demo.progress"), total=end - start, day="")

        def advance(day: dt.date, _: str) -> None:
            bar.update(task, completed=min(day.toordinal() - start, end - start), day=day.strftime("%d/%m/%Y"))

        try:
            result = run_demo(data_dir, plan_path=plan_path, seed=seed, quick=quick, progress=advance)
        except Exception as exc:  # any failure ends with a sentence, never a traceback
            raise fail(t("demo.failed", reason=str(exc) or type(exc).__name__, path=data_dir)) from None
        bar.update(task, completed=end - start)
    console.table(
        t("demo.summary_title"),
        [t("demo.col_what"), t("demo.col_count")],
        [[t(f"demo.template.{template}"), str(count)] for template, count in sorted(result.messages.items())]
        + [[t(f"demo.state.{state.replace(' ', '_')}"), str(count)] for state, count in sorted(result.states.items())],
        justify=("left", "right"),
    )
    console.print(t("demo.cast", never=result.cast.get("never", ""), corrects=result.cast.get("corrects", "")))
    if result.cast.get("email"):
        console.print(t("mailin.demo_email", units=result.cast["email"]), highlight=False)
    for key in ("pdf", "docx", "html", "status", "mail"):
        if key in result.files:
            console.print(t(f"demo.file.{key}", path=result.files[key]))
    console.print(t("demo.eml", path=data_dir / "mail"))
    console.print(t("demo.prefect_ui", home=data_dir / "prefect"))
    for note in result.notes:
        errors.print(Text(str(note), style="yellow"))
    console.print(t("demo.done_in", seconds=round(result.seconds), days=result.days))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
