"""The plan the demo plays: the short plan of `--quick`, and the span of days it simulates."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import yaml

from dutyflow.calendar import WorkingCalendar
from dutyflow.obligations import expand_obligations
from dutyflow.plan import Plan, UnitKind, load_plan


def quick_plan(plan: Plan, communes: int = 3) -> Plan:
    """A plan cut down to the office, two departments and a few communes (CI's short mode).

    Departments are a district's (phòng) or a province's (sở); communes are xã first, then the
    plan's other commune-level units (phường, thị trấn, đặc khu) if it has too few xã."""
    kept: list[str] = [plan.plan.office]
    department_kinds = {UnitKind.DEPARTMENT, UnitKind.PROVINCE_DEPARTMENT}
    kept += [u.code for u in plan.units if u.kind in department_kinds][:2]
    commune_level = sorted(
        (u for u in plan.units if u.kind.is_commune_level), key=lambda u: u.kind is not UnitKind.COMMUNE
    )
    kept += [u.code for u in commune_level][:communes]
    return plan_of_units(plan, set(kept))


def plan_of_units(plan: Plan, keep: set[str]) -> Plan:
    """`plan` cut down to the units `keep` (the office always stays): groups, duties, indicators
    and deliverables lose the others; a duty or indicator left with no unit is dropped, a
    deliverable left with none falls to the office."""
    keep = keep | {plan.plan.office}
    data = plan.model_dump(mode="json")
    data["units"] = [u for u in data["units"] if u["code"] in keep]
    groups = []
    for group in data["groups"]:
        group["members"] = [m for m in group["members"] if m in keep]
        if group["members"] or group["kinds"]:
            groups.append(group)
    data["groups"] = groups
    names = keep | {g["code"] for g in groups}
    duties = []
    for duty in data["duties"]:
        duty["units"] = [u for u in duty["units"] if u in names]
        duty["partners"] = [u for u in duty["partners"] if u in names]
        if duty["units"]:
            duties.append(duty)
    data["duties"] = duties
    indicators = []
    for indicator in data["indicators"]:
        indicator["reported_by"] = [u for u in indicator["reported_by"] if u in names]
        if indicator["reported_by"]:
            indicators.append(indicator)
    data["indicators"] = indicators
    for deliverable in data["deliverables"]:
        deliverable["units"] = [u for u in deliverable["units"] if u in names] or [plan.plan.office]
    return Plan.model_validate(data)


def demo_span(plan: Plan) -> tuple[dt.date, dt.date]:
    """The simulated part of the plan's own year: from the assignment to the final report."""
    from dutyflow.consolidate import final_from

    calendar = WorkingCalendar.from_config(plan.calendar)
    specs = expand_obligations(plan, calendar)
    consolidated = next(
        s for s in specs if any(d.code == s.deliverable and d.kind == "consolidated" for d in plan.deliverables)
    )
    return calendar.next_working_day(dt.date(plan.plan.year, 4, 21)), final_from(consolidated.last_day, calendar)


def prepare(out_dir: Path, plan_path: Path, *, quick: bool) -> Path:
    """Empty the demo folder of a previous run's store, mail, reports and uploads; return the plan
    to play (with `quick`, the short plan written into the folder)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("dutyflow.db", "dutyflow.db-wal", "dutyflow.db-shm"):
        (out_dir / stale).unlink(missing_ok=True)
    for folder in ("mail", "reports", "prefect", "uploads"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    plan_path = plan_path.resolve()
    if not quick:
        return plan_path
    reduced = quick_plan(load_plan(plan_path))
    short = out_dir / "ke-hoach-rut-gon.yaml"
    short.write_text(yaml.safe_dump(reduced.model_dump(mode="json"), allow_unicode=True, sort_keys=False), "utf-8")
    return short
