"""`dutyflow plan`: check, show, load and draft a plan; the register's `units` and `reform`."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import typer

from dutyflow.calendar import WorkingCalendar
from dutyflow.cli.common import JsonFlag, PathArg, acting_person, console, read_plan, refusing, runtime
from dutyflow.cli.draft import plan_draft
from dutyflow.cli.register import plan_reform, plan_units, print_register_warnings
from dutyflow.cli.usage import VietnameseGroup
from dutyflow.lifetimes import lifetime_text
from dutyflow.messages import t
from dutyflow.obligations import expand_obligations
from dutyflow.plan import Plan
from dutyflow.plan.periods import expand_periods
from dutyflow.resources import utcnow
from dutyflow.store.db import ensure_ready, session_scope
from dutyflow.store.sync import load_plan_into_store

plan_app = typer.Typer(cls=VietnameseGroup, help=t("help.plan"), no_args_is_help=True)
plan_app.command("units", help=t("register.help_units"))(plan_units)
plan_app.command("reform", help=t("register.help_reform"))(plan_reform)


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


def _deliverables(plan: Plan) -> list[dict[str, Any]]:
    """`plan show --json`'s deliverables, each with every one of its periods."""
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
                "last_day": calendar.last_day(first.due, first.rule, first.last_day_off).isoformat(),
                "cutoff": d.cutoff.isoformat() if d.cutoff else None,
                "forms": d.forms,
                "units": [u.code for u in plan.expand_units(d.units)],
                "periods": [
                    {
                        "code": p.code,
                        "label": p.label,
                        "due": p.due.isoformat(),
                        "last_day": calendar.last_day(p.due, p.rule, p.last_day_off).isoformat(),
                        "last_day_off": not calendar.is_working_day(calendar.last_day(p.due, p.rule, p.last_day_off)),
                        "cutoff": p.cutoff.isoformat() if p.cutoff else None,
                    }
                    for p in periods
                ],
            }
        )
    return deliverables


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The plan as one JSON object (the `plan show --json` contract)."""
    return {
        "plan": plan.plan.model_dump(mode="json"),
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind.value,
                "gso_code": u.gso_code,
                "email": u.focal.email,
                "opens": u.opens.isoformat() if u.opens else None,
                "closes": u.closes.isoformat() if u.closes else None,
                "successor": u.successor,
                "lifetime": lifetime_text(plan, u),
            }
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
                "group": i.group,
                "number": i.number,
                "name": i.name,
                "measure": i.measure.value,
                "direction": i.direction.value,
                "strict": i.strict,
                "target": float(i.target) if i.target is not None else None,
                "targets": {str(y.year): float(y.target) for y in i.targets},
                "reduction": i.reduction.model_dump(mode="json") if i.reduction else None,
                "baseline": float(i.baseline) if i.baseline is not None else None,
                "split": [p.model_dump(mode="json") for p in i.split],
                "numerator": i.numerator,
                "denominator": i.denominator,
                "reported_by": [u.code for u in plan.expand_units(i.reported_by)],
            }
            for i in plan.indicators
        ],
        "forms": [{"code": f.code, "name": f.name, "title": f.title, "kind": f.kind} for f in plan.forms],
        "deliverables": _deliverables(plan),
    }


# `plan draft` lives in its own module (dutyflow/cli/draft.py).
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
    periods = [{"deliverable": d["code"], **_off_noted(p)} for d in summary["deliverables"] for p in d["periods"]]
    return [
        ("units", summary["units"], ("code", "name", "kind", "gso_code", "lifetime")),
        ("groups", summary["groups"], ("code", "name", "units")),
        ("duties", summary["duties"], ("code", "section", "title", "units")),
        ("indicators", summary["indicators"], ("code", "name", "measure", "direction", "target")),
        ("forms", summary["forms"], ("code", "name", "title")),
        ("deliverables", summary["deliverables"], ("code", "name", "due", "rule", "last_day")),
        ("periods", periods, ("deliverable", "code", "label", "due", "last_day")),
    ]


def _off_noted(period: dict[str, Any]) -> dict[str, Any]:
    """A last day that is not a working day says so ("trước ngày X" keeps the day before X)."""
    if not period["last_day_off"]:
        return period
    day = dt.date.fromisoformat(period["last_day"])
    return {**period, "last_day": t("targets.last_day_off", day=f"{day:%d/%m/%Y}")}


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
    with refusing():
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            report = load_plan_into_store(
                session, plan, source.resolve(), now=utcnow(), actor=acting_person(session)
            )
    console.print(report.describe())
    for line in report.contact_lines():
        console.line(line)


