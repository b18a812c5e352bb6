"""The rows a plan's targets are judged by, and how they are numbered.

An indicator split by a disaggregation (thành thị / nông thôn) is judged as a whole and part by
part: each part becomes an indicator of its own, with its own figures, target and verdict, right
after the whole (see decisions.md, "A split target is a row per part"). Phụ lục I collects each
part's figures on its own line and the report prints each part's verdict.

The report numbers targets as the plan does ("3a", "3b") when the plan numbers them, and counts
targets, not rows: the sub-targets of target 3 and the parts of a split one are one target.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from dutyflow.formatting import format_number
from dutyflow.messages import t
from dutyflow.plan.model import Plan
from dutyflow.plan.target_model import Indicator, IndicatorPart, Reduction

_LEADING = re.compile(r"^\d+")


@dataclass(frozen=True)
class TargetRow:
    """One row of the targets: an indicator, or one part of a split one (`part_of` its code)."""

    indicator: Indicator
    part_of: str | None = None
    number: str = ""
    """As the report prints it: the plan's number, the row's place, or "" for a part."""


def part_code(indicator: Indicator, part: IndicatorPart) -> str:
    return f"{indicator.code}.{part.code}"


def part_indicator(indicator: Indicator, part: IndicatorPart) -> Indicator:
    """The part as an indicator of its own: the whole's measure, direction and reporters, the
    part's figures; the part's target, or else the whole's (with its named years)."""
    own_target = part.target is not None
    return indicator.model_copy(
        update={
            "code": part_code(indicator, part),
            "name": t("targets.part_name", name=indicator.name, part=part.label),
            "numerator": part.numerator,
            "denominator": part.denominator,
            "target": part.target if own_target else indicator.target,
            "targets": [] if own_target else indicator.targets,
            "baseline": part.baseline,
            "split": [],
            "number": None,
        }
    )


def indicator_rows(plan: Plan) -> list[TargetRow]:
    """Every indicator in plan order, each followed by its parts."""
    return list(_rows(plan))


def _rows(plan: Plan) -> Iterator[TargetRow]:
    numbered = any(indicator.number for indicator in plan.indicators)
    for place, indicator in enumerate(plan.indicators, start=1):
        number = (indicator.number or "") if numbered else str(place)
        yield TargetRow(indicator, None, number)
        for part in indicator.split:
            yield TargetRow(part_indicator(indicator, part), indicator.code, "")


def target_number(indicator: Indicator) -> str | None:
    """The number of the target an indicator belongs to: "3" for "3a"; None when unnumbered."""
    if indicator.number is None:
        return None
    found = _LEADING.match(indicator.number)
    return found.group(0) if found else None


def target_count(plan: Plan) -> int:
    """How many targets the plan sets: numbered targets count once with their sub-targets."""
    if not any(indicator.number for indicator in plan.indicators):
        return len(plan.indicators)
    return len({target_number(indicator) or indicator.code for indicator in plan.indicators})


def target_of_year(indicator: Indicator, year: int | None) -> tuple[Decimal | None, bool]:
    """The target a report of `year` judges by, and whether one is due that year (see
    decisions.md, "Targets for named years: judged against the report's year").

    The plan's target for that very year ("đến năm 2025"), else its target without a year (the
    plan's own year); a plan that names only later years ("đến năm 2030") has nothing due yet.
    Without a year: the target without one, else the earliest named.
    """
    named = {target.year: target.target for target in indicator.targets}
    if year is not None and year in named:
        return named[year], True
    if indicator.target is not None or not named:
        return indicator.target, True
    if year is None:
        return named[min(named)], True
    return None, False


def reduction_size(reduction: Reduction) -> str:
    """ "2–3" for "giảm 2–3%", "2" for "giảm 2%"."""
    size = format_number(reduction.low)
    if reduction.high is not None and reduction.high != reduction.low:
        size = t("targets.range", low=size, high=format_number(reduction.high))
    return size
