"""From a plan to obligations (unit × deliverable × period), and how each one stands on a day.

Pure: the plan and a calendar in, plain values out. The store persists what `expand_obligations`
returns; `standing` classifies one obligation for the status table and the chase.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from dutyflow.calendar import WorkingCalendar
from dutyflow.plan import DeadlineRule, Plan, Unit
from dutyflow.plan.periods import expand_periods
from dutyflow.states import ObligationState

State = ObligationState
"""The obligation states, under the name the rest of the code used before `dutyflow.states`."""


@dataclass(frozen=True)
class ObligationSpec:
    unit: str
    deliverable: str
    period: str
    period_label: str
    due: dt.date
    rule: DeadlineRule
    last_day: dt.date
    cutoff: dt.date | None
    covers: tuple[str, ...]
    """The units whose duty this is: the owner, and any closed unit it succeeded."""


def expand_obligations(plan: Plan, calendar: WorkingCalendar) -> list[ObligationSpec]:
    """Every obligation of the plan, in plan order of deliverables, periods and units."""
    by_code = {u.code: u for u in plan.units}
    specs: dict[tuple[str, str, str], ObligationSpec] = {}
    for deliverable in plan.deliverables:
        for period in expand_periods(deliverable, plan.plan.year):
            last_day = calendar.last_day(period.due, period.rule, period.last_day_off)
            for unit in plan.expand_units(deliverable.units):
                owner = responsible_unit(unit, last_day, by_code)
                if owner is None:
                    continue
                key = (owner.code, deliverable.code, period.code)
                previous = specs.get(key)
                # The owner first, then every unit whose duty it carries, each once.
                covers = tuple(dict.fromkeys((owner.code, *(previous.covers if previous else ()), unit.code)))
                specs[key] = ObligationSpec(
                    unit=owner.code,
                    deliverable=deliverable.code,
                    period=period.code,
                    period_label=period.label,
                    due=period.due,
                    rule=period.rule,
                    last_day=last_day,
                    cutoff=period.cutoff,
                    covers=covers,
                )
    return list(specs.values())


def responsible_unit(unit: Unit, last_day: dt.date, by_code: dict[str, Unit]) -> Unit | None:
    """Who owes `unit`'s report due on `last_day`.

    The unit itself while it is open on the last day; after it closes, its successor (following
    the chain); nobody when it closed without a successor or opened after the period ended.
    """
    if unit.opens is not None and unit.opens > last_day:
        return None
    current: Unit | None = unit
    seen: set[str] = set()
    while current is not None and not current.is_open_on(last_day):
        if current.code in seen or current.successor is None:
            return None
        seen.add(current.code)
        current = by_code.get(current.successor)
    return current


Key = tuple[str, str, str]
"""(unit, deliverable, period): what the store keeps one obligation for."""


def owners_on(
    plan: Plan, specs: list[ObligationSpec], today: dt.date, handed_in: Collection[Key]
) -> list[ObligationSpec]:
    """`specs` (from `expand_obligations`) as they are owed on `today`, given which obligations the
    store holds as handed in (`handed_in`).

    What a unit closed by `today` still owes passes to the unit that carries its duties today
    (its successor, following the chain), with the duty's history: the carrier owes each
    deliverable and period once, covering every unit it carries. A report a unit already handed
    in stays its own and counts: the carrier no longer covers that unit. What a unit that closed
    with no successor still owes is owed by nobody (it is withdrawn): nobody is left to hand it in.
    """
    by_code = {u.code: u for u in plan.units}
    owed: dict[Key, ObligationSpec] = {}

    def put(spec: ObligationSpec, owner: str, covers: tuple[str, ...]) -> None:
        key = (owner, spec.deliverable, spec.period)
        previous = owed.get(key)
        merged = tuple(dict.fromkeys((owner, *(previous.covers if previous else ()), *covers)))
        owed[key] = replace(previous or spec, unit=owner, covers=merged)

    for spec in specs:
        owner = by_code[spec.unit]
        if (owner.code, spec.deliverable, spec.period) in handed_in:
            put(spec, owner.code, spec.covers)  # its report stands for every unit it covered
            continue
        carrier = carrier_on(owner, today, by_code)
        for code in spec.covers:
            if code != owner.code and (code, spec.deliverable, spec.period) in handed_in:
                put(spec, code, (code,))
            elif carrier is not None:
                put(spec, carrier.code, (code,))
    return list(owed.values())


def carrier_on(unit: Unit, day: dt.date, by_code: dict[str, Unit]) -> Unit | None:
    """The unit that carries `unit`'s duties on `day`: itself unless it has closed by then, else
    its successor (following the chain); None when a unit of the chain closed with no successor."""
    current: Unit | None = unit
    seen: set[str] = set()
    while current is not None and current.closes is not None and current.closes <= day:
        if current.code in seen or current.successor is None:
            return None
        seen.add(current.code)
        current = by_code.get(current.successor)
    return current


class Standing(StrEnum):
    """How an obligation looks on a given day, for people (status) and for the chase."""

    NOT_YET = "not_yet"
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


DUE_SOON_DAYS = 5


def effective_last_day(last_day: dt.date, extended_until: dt.date | None) -> dt.date:
    return max(last_day, extended_until) if extended_until else last_day


def standing(
    state: State,
    last_day: dt.date,
    today: dt.date,
    *,
    extended_until: dt.date | None = None,
    paused: bool = False,
    announced_from: dt.date | None = None,
) -> tuple[Standing, int]:
    """The standing of one obligation on `today`, and days left (negative: days overdue)."""
    deadline = effective_last_day(last_day, extended_until)
    days_left = (deadline - today).days
    if state is State.WITHDRAWN:
        return Standing.WITHDRAWN, days_left
    if state is State.ACCEPTED:
        return Standing.ACCEPTED, days_left
    if state is State.SUBMITTED:
        return Standing.SUBMITTED, days_left
    if paused:
        return Standing.PAUSED, days_left
    if days_left < 0:
        return Standing.OVERDUE, days_left
    if state is State.RETURNED:
        return Standing.RETURNED, days_left
    if days_left == 0:
        return Standing.DUE_TODAY, days_left
    if announced_from is not None and today < announced_from:
        return Standing.NOT_YET, days_left
    if days_left <= DUE_SOON_DAYS:
        return Standing.DUE_SOON, days_left
    return Standing.ON_TRACK, days_left
