"""A plan's units held to the official register: warnings, never errors.

`register_warnings(plan, source)` returns, for each unit with an administrative code
(`gso_code`), what the register says against it over the plan's year (1/1 to 31/12, within the
unit's own `opens`/`closes`):

- the code is not in the register on a day the unit exists (a legacy commune in a 2026 plan);
- the unit's name or kind is not the register's for that code;
- the unit lives across 1 July 2025 although every legacy district and commune-level unit ended
  that day (the new units that reuse old codes are other units), with the successor the 2025
  conversion table names.

A plan may be right where the register lags behind a later decision, so these never refuse a
plan: `plan check` prints them and succeeds. Units without a code are checked only for kinds
that no longer exist from 1 July 2025 (districts, towns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from dutyflow import register
from dutyflow.messages import t
from dutyflow.plan import Plan, PlanIssue, Unit, UnitKind
from dutyflow.plan.source import Location, SourceMap, load_yaml_with_lines
from dutyflow.register import REFORM_DAY, AdminKind, RegisteredUnit, RegisterError

__all__ = ["register_warnings", "register_warnings_of_file", "render_warnings"]

ADMIN_KINDS: dict[UnitKind, frozenset[AdminKind]] = {
    UnitKind.PROVINCE: frozenset({AdminKind.PROVINCE, AdminKind.CENTRAL_CITY}),
    UnitKind.DISTRICT: frozenset(
        {AdminKind.RURAL_DISTRICT, AdminKind.URBAN_DISTRICT, AdminKind.DISTRICT_TOWN, AdminKind.PROVINCIAL_CITY}
    ),
    UnitKind.COMMUNE: frozenset({AdminKind.COMMUNE}),
    UnitKind.WARD: frozenset({AdminKind.WARD}),
    UnitKind.TOWN: frozenset({AdminKind.TOWN}),
    UnitKind.SPECIAL_ZONE: frozenset({AdminKind.SPECIAL_ZONE}),
}
"""Which register types each plan kind of administrative unit stands for."""

_ENDED_BY_REFORM = frozenset({UnitKind.DISTRICT, UnitKind.TOWN})


def register_warnings_of_file(path: Path, plan: Plan) -> list[PlanIssue]:
    """`register_warnings` for a plan already loaded from `path`; the file is read again for
    its lines only when there is something to warn about."""
    found = list(_warnings(plan, path))
    if not found:
        return []
    _, source = load_yaml_with_lines(path)
    return [PlanIssue(source.path, source.line_of(loc), _field(loc), message) for loc, message in found]


def register_warnings(plan: Plan, source: SourceMap) -> list[PlanIssue]:
    return [
        PlanIssue(source.path, source.line_of(loc), _field(loc), message)
        for loc, message in _warnings(plan, source.path)
    ]


def _warnings(plan: Plan, path: Path) -> Iterator[tuple[Location, str]]:
    for i, unit in enumerate(plan.units):
        yield from _unit_warnings(plan, unit, ("units", i), path)


def render_warnings(path: Path, warnings: list[PlanIssue]) -> str:
    head = t("register.warnings", path=path, count=len(warnings))
    return "\n".join([head, *(f"  - {w}" for w in warnings)])


def _field(loc: Location) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if n else str(p)) for n, p in enumerate(loc))


def _lifetime_in_year(plan: Plan, unit: Unit) -> tuple[dt.date, dt.date] | None:
    """First and last day the unit exists within the plan's year, or None if it never does."""
    first = max(unit.opens or dt.date.min, dt.date(plan.plan.year, 1, 1))
    last = min(unit.closes - dt.timedelta(days=1) if unit.closes else dt.date.max, dt.date(plan.plan.year, 12, 31))
    return (first, last) if first <= last else None


def _day(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _unit_warnings(plan: Plan, unit: Unit, loc: Location, path: Path) -> Iterator[tuple[Location, str]]:
    span = _lifetime_in_year(plan, unit)
    if span is None or unit.kind not in ADMIN_KINDS:
        return
    first, last = span
    crosses_reform = first < REFORM_DAY <= last
    if unit.gso_code is None:
        if unit.kind in _ENDED_BY_REFORM and last >= REFORM_DAY:
            yield (*loc, "kind"), t("register.kind_ended", name=unit.name, kind=t(f"unit_kind.{unit.kind.value}"))
        return
    code = unit.gso_code
    before = register.lookup(code, first) if first < REFORM_DAY else None
    if crosses_reform and before is not None and before.level > 1:
        yield from _held_to(unit, before, first, loc)
        yield (*loc, "closes" if unit.closes else "gso_code"), _ended_by_reform(unit, before, last, path)
        return
    days = [first, REFORM_DAY] if crosses_reform else [first]
    for day in days:
        found = register.lookup(code, day)
        if found is None:
            yield (*loc, "gso_code"), _not_in_register(unit, code, day, first, last, path)
            return
        yield from _held_to(unit, found, day, loc)


def _held_to(unit: Unit, found: RegisteredUnit, day: dt.date, loc: Location) -> Iterator[tuple[Location, str]]:
    names = [unit.name, *([unit.short_name] if unit.short_name else [])]
    if not any(register.same_name(name, found) for name in names):
        yield (
            (*loc, "name"),
            t("register.name_mismatch", name=unit.name, code=found.code, official=found.name, day=_day(day)),
        )
    if found.kind not in ADMIN_KINDS[unit.kind]:
        yield (
            (*loc, "kind"),
            t(
                "register.kind_mismatch",
                name=unit.name,
                kind=t(f"unit_kind.{unit.kind.value}"),
                code=found.code,
                official=found.name,
                day=_day(day),
            ),
        )


def _not_in_register(unit: Unit, code: str, day: dt.date, first: dt.date, last: dt.date, path: Path) -> str:
    message = t(
        "register.not_in_register", name=unit.name, code=code, day=_day(day), first=_day(first), last=_day(last)
    )
    if day >= REFORM_DAY and register.lookup(code, REFORM_DAY - dt.timedelta(days=1)) is not None:
        message += " " + _successor_hint(code, path)
    return message


def _ended_by_reform(unit: Unit, legacy: RegisteredUnit, last: dt.date, path: Path) -> str:
    message = t("register.ended_by_reform", name=unit.name, official=legacy.name, code=legacy.code, last=_day(last))
    return f"{message} {_successor_hint(legacy.code, path)}"


def _successor_hint(code: str, path: Path) -> str:
    try:
        default, others = register.successors(code)
    except RegisterError:
        return t("register.hint_no_successor")
    names = [_name_and_code(c) for c in (default, *others)]
    if others:
        return t("register.hint_divided", successor=names[0], others=", ".join(names[1:]), path=path)
    return t("register.hint_successor", successor=names[0], path=path)


def _name_and_code(code: str) -> str:
    unit = register.lookup(code, REFORM_DAY)
    return f"{unit.name} ({code})" if unit else code
