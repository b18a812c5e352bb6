"""Cross-checks of a plan's units: codes, lifetimes and successions, administrative codes and
their reuse (part of `dutyflow.plan.checks`)."""

from __future__ import annotations

from collections.abc import Iterator

from dutyflow.messages import t
from dutyflow.plan.model import Plan, Unit
from dutyflow.plan.source import Location, Problem, SourceMap


def check_units(plan: Plan, unit_codes: set[str]) -> Iterator[Problem]:
    by_code = {u.code: u for u in plan.units}
    for i, unit in enumerate(plan.units):
        loc: Location = ("units", i)
        if unit.parent is not None and unit.parent not in unit_codes:
            yield (*loc, "parent"), t("plan.unknown_unit_only", code=unit.parent)
        if unit.successor is not None:
            if unit.successor not in unit_codes:
                yield (*loc, "successor"), t("plan.unknown_unit_only", code=unit.successor)
            elif unit.successor == unit.code:
                yield (*loc, "successor"), t("plan.successor_self")
            if unit.closes is None:
                yield (*loc, "successor"), t("plan.successor_without_close")
            else:
                yield from _check_succession(unit, by_code.get(unit.successor), loc)
        yield from _check_gso_code(unit, loc)
        if unit.opens and unit.closes and unit.closes <= unit.opens:
            yield (
                (*loc, "closes"),
                t("plan.closes_before_opens", closes=unit.closes.isoformat(), opens=unit.opens.isoformat()),
            )
        for attr, message_key in (("successor", "plan.successor_cycle"), ("parent", "plan.parent_cycle")):
            chain = [unit.code]
            current = getattr(unit, attr)
            while current is not None and current in by_code and current not in chain:
                chain.append(current)
                current = getattr(by_code[current], attr)
            if current is not None and current == unit.code and len(chain) > 1:
                yield (*loc, attr), t(message_key, chain=" → ".join([*chain, current]))


def _check_succession(unit: Unit, successor: Unit | None, loc: Location) -> Iterator[Problem]:
    """What a unit owes from its `closes` on passes to its successor, which must exist that day:
    opening later leaves a gap owed by nobody, closing by then leaves the duty nowhere."""
    if successor is None or successor.code == unit.code or unit.closes is None:
        return
    day = unit.closes.isoformat()
    if successor.opens is not None and successor.opens > unit.closes:
        yield (
            (*loc, "successor"),
            t("plan.successor_gap", successor=successor.code, opens=successor.opens.isoformat(), closes=day),
        )
    if successor.closes is not None and successor.closes <= unit.closes:
        yield (
            (*loc, "successor"),
            t(
                "plan.successor_closed",
                successor=successor.code,
                successor_closes=successor.closes.isoformat(),
                closes=day,
            ),
        )


def _check_gso_code(unit: Unit, loc: Location) -> Iterator[Problem]:
    if unit.gso_code is None:
        return
    kind = t(f"unit_kind.{unit.kind.value}")
    length = unit.kind.gso_code_length
    if length is None:
        yield (*loc, "gso_code"), t("plan.gso_code_forbidden", kind=kind)
    elif len(unit.gso_code) != length:
        yield (*loc, "gso_code"), t("plan.gso_code_length", kind=kind, digits=length, code=unit.gso_code)


def check_gso_code_reuse(plan: Plan, source: SourceMap) -> Iterator[Problem]:
    """An administrative code names one unit at a time: the new communes of 1/7/2025 reuse old
    codes, so a code may repeat in a plan, for units whose lifetimes do not overlap."""
    holders: dict[str, list[int]] = {}
    for i, unit in enumerate(plan.units):
        if unit.gso_code is not None:
            holders.setdefault(unit.gso_code, []).append(i)
    for code, indexes in holders.items():
        for n, i in enumerate(indexes):
            unit = plan.units[i]
            for j in indexes[:n]:
                other = plan.units[j]
                if _lifetimes_overlap(unit, other):
                    yield (
                        ("units", i, "gso_code"),
                        t(
                            "plan.gso_code_overlap",
                            code=code,
                            other=other.code,
                            line=source.line_of(("units", j, "gso_code")),
                        ),
                    )
                    break


def _lifetimes_overlap(a: Unit, b: Unit) -> bool:
    starts_before_b_ends = b.closes is None or a.opens is None or a.opens < b.closes
    starts_before_a_ends = a.closes is None or b.opens is None or b.opens < a.closes
    return starts_before_b_ends and starts_before_a_ends
