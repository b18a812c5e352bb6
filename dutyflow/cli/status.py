"""`dutyflow status`: where every obligation stands on a day, and the latest administrative changes."""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import Annotated

import typer
from rich.text import Text
from sqlalchemy.orm import Session

from dutyflow import admin
from dutyflow.cli.common import AsOf, JsonFlag, console, fail, parse_day, refusing, runtime
from dutyflow.cli.output import Cell
from dutyflow.lifetimes import dated_name
from dutyflow.messages import t
from dutyflow.obligations import Standing, State, effective_last_day
from dutyflow.plan import Plan
from dutyflow.resources import Resources
from dutyflow.states import Withdrawal
from dutyflow.store.db import ensure_ready, session_scope
from dutyflow.store.models import UnitRow
from dutyflow.store.queries import StatusLine, current_plan, plan_calendar, plan_of, status_lines
from dutyflow.store.withdrawals import withdrawals

STANDING_STYLE = {
    Standing.OVERDUE: "bold red",
    Standing.DUE_TODAY: "bold yellow",
    Standing.DUE_SOON: "yellow",
    Standing.RETURNED: "magenta",
    Standing.SUBMITTED: "cyan",
    Standing.ACCEPTED: "green",
    Standing.PAUSED: "dim",
    Standing.NOT_YET: "dim",
    Standing.WITHDRAWN: "dim strike",
    Standing.ON_TRACK: "",
}

STATUS_COLUMNS = ("unit", "deliverable", "period", "last_day", "standing", "days", "last_notice", "note")


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


def status_rows(lines: list[StatusLine], tz: dt.tzinfo, units: UnitLabels | None = None) -> list[list[Cell]]:
    """The status table's rows; with `units`, units named with their lifetimes and withdrawn
    obligations with where they went."""
    rows: list[list[Cell]] = []
    for line in lines:
        note = Text(line.problem or "", style="red")
        if not line.problem and line.report_state is not None:
            note = Text(report_note(line))
        if units is not None and line.obligation_id in units.withdrawn:
            note = Text(units.withdrawn[line.obligation_id], style="dim")
        last_day = line.last_day.strftime("%d/%m/%Y")
        if line.extended_until:
            last_day += f" → {line.extended_until.strftime('%d/%m/%Y')}"
        rows.append(
            [
                units.names.get(line.unit, line.unit_name) if units is not None else line.unit_name,
                line.deliverable_name,
                line.period_label,
                last_day,
                Text(t(f"standing.{line.standing.value}"), style=STANDING_STYLE[line.standing]),
                days_text(line, tz),
                line.last_notice or "",
                note,
            ]
        )
    return rows


def report_note(line: StatusLine) -> str:
    """Where the office's consolidated report is on its way, for its obligation's line."""
    if line.report_state is None:
        return ""
    return t("issue_once.report_on_its_way", state=t(f"approval.state.{line.report_state.value}"))


@dataclass(frozen=True)
class UnitLabels:
    """How the status names units and explains withdrawn obligations."""

    names: dict[str, str]
    """Unit code → its name with its lifetime (`lifetimes.dated_name`), or marked removed."""
    lifetimes: dict[str, dict[str, str | None]]
    """Unit code → opens, closes, successor (ISO dates, code), for `--json`."""
    withdrawn: dict[int, str]
    """Obligation id → where it went."""


def unit_labels(session: Session, plan: Plan, lines: list[StatusLine]) -> UnitLabels:
    by_code = {u.code: u for u in plan.units}
    names: dict[str, str] = {}
    spans: dict[str, dict[str, str | None]] = {}
    for line in lines:
        unit = by_code.get(line.unit)
        names[line.unit] = dated_name(unit) if unit else t("lifetimes.removed_name", name=line.unit_name)
        spans[line.unit] = {
            "opens": unit.opens.isoformat() if unit and unit.opens else None,
            "closes": unit.closes.isoformat() if unit and unit.closes else None,
            "successor": unit.successor if unit else None,
        }
    gone = [line for line in lines if line.state is State.WITHDRAWN]
    why = withdrawals(session, (f"{line.unit}/{line.deliverable}/{line.period}" for line in gone))
    notes: dict[int, str] = {}
    for line in gone:
        found = why.get(f"{line.unit}/{line.deliverable}/{line.period}")
        successor = by_code.get(found[1]) if found and found[1] else None
        if found and found[0] is Withdrawal.PASSED and successor:
            notes[line.obligation_id] = t("lifetimes.status_passed", successor=successor.name)
        else:
            closed = found is not None and found[0] is Withdrawal.CLOSED
            notes[line.obligation_id] = t("lifetimes.status_closed" if closed else "lifetimes.status_removed")
    return UnitLabels(names, spans, notes)


def status_json(lines: list[StatusLine], units: UnitLabels | None = None) -> str:
    """The lines as `status --json` writes them."""
    payload = [
        {
            "unit": line.unit,
            "unit_name": line.unit_name,
            **({"unit_" + key: value for key, value in units.lifetimes[line.unit].items()} if units else {}),
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
            "report_state": line.report_state.value if line.report_state else None,
        }
        for line in lines
    ]
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def print_recent_changes(rt: Resources, until: dt.datetime, tz: dt.tzinfo, limit: int = 10) -> None:
    """The latest administrative changes made by `until` (extensions, pauses, schedules)."""
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
    with refusing():
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            calendar = plan_calendar(plan)
            until = calendar.start_of_day(today + dt.timedelta(days=1))  # what had happened by the end of `today`
            lines = status_lines(session, plan.id, today, unit=unit, deliverable=deliverable, history_until=until)
            labels = unit_labels(session, plan_of(plan), lines)
    if standing_filter:
        lines = [line for line in lines if line.standing.value == standing_filter]
    if unit and not lines:
        with session_scope(rt.engine) as session:
            if session.query(UnitRow).filter_by(code=unit).first() is None:
                raise fail(t("cli.unknown_unit", code=unit))
    if as_json:
        sys.stdout.write(status_json(lines, labels))
        return
    if not lines:
        console.print(t("cli.status_empty"))
        return
    title = t("cli.status_title", as_of=today.strftime("%d/%m/%Y"))
    console.table(title, [t(f"columns.{key}") for key in STATUS_COLUMNS], status_rows(lines, calendar.tz, labels))
    print_recent_changes(rt, until, calendar.tz)
