"""District indicators from the units' figures, their attainment, and how they read in Vietnamese.

Pure. The rule is DHIS2's (docs/decisions.md, "District rates and completeness are DHIS2's"):
a district rate is the sum of the numerators over the sum of the denominators, times the factor, over the units that reported both figures; never
an average of the units' rates. 0/0, or nothing reported, is "no data" (value None), never 0.

A value is rounded to the digits the report prints, and attainment is judged on that printed
figure: a table never shows "15,1%" as met against a target of "dưới 15,1%".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Literal

from dutyflow.formatting import vn_number
from dutyflow.messages import t
from dutyflow.plan import Direction, Indicator, Measure, Plan, Reduction, indicator_rows, reduction_size, target_of_year

DISPLAY_DIGITS: Mapping[Measure, int] = {
    Measure.PERCENT: 2,
    Measure.PERMILLE: 2,
    Measure.PER_100000: 2,
    Measure.COUNT: 0,
}
"""At most this many decimals for a computed value of each measure (15,1%; 6,85‰; 512,35/100.000;
1.234); trailing zeros are never printed (decision "One way to write a number")."""

_HUNDRED = Decimal(100)


class Attainment(StrEnum):
    DAT = "dat"
    KHONG_DAT = "khong_dat"
    NO_BASELINE = "chua_co_so_lieu_ky_truoc"
    """A "reduce" target without last year's value: nothing to compare with."""
    NO_DATA = "chua_co_so_lieu"
    NOT_DUE = "chua_den_nam_danh_gia"
    """Only targets for later years ("đến năm 2030"): the figure is shown, not judged yet."""


@dataclass(frozen=True)
class IndicatorResult:
    code: str
    group: str
    name: str
    measure: Measure
    target: Decimal | None
    direction: Direction
    strict: bool
    numerator: Decimal | None
    """Σ numerators over the units counted; None when no unit counts."""
    denominator: Decimal | None
    """Σ denominators over the same units; None for counts and when no unit counts."""
    value: Decimal | None
    """The district figure, rounded to DISPLAY_DIGITS; None means "chưa có số liệu"."""
    attainment: Attainment
    units_reported: int
    """Units that reported the numerator (and the denominator, for a rate)."""
    units_expected: int
    baseline: Decimal | None = None
    number: str = ""
    """As the report prints it: the plan's "3a", the row's place, or "" for a part."""
    part_of: str | None = None
    """The code of the split indicator this row is a part of (thành thị / nông thôn)."""
    targets: tuple[tuple[int, Decimal], ...] = ()
    """The plan's targets for named years, in year order."""
    own_target: Decimal | None = None
    """The plan's target without a year, beside named years' (`target` is the one judged)."""
    reduction: Reduction | None = None


# --------------------------------------------------------------------------- aggregation


@dataclass(frozen=True)
class IndicatorSums:
    """What the district figure of one indicator is made of, over the units that count for it."""

    numerator: Decimal = Decimal(0)
    """Σ numerators over the units counted."""
    denominator: Decimal = Decimal(0)
    """Σ denominators over the same units (0 for a count)."""
    reported: int = 0
    """Units counted: those that reported the numerator (and the denominator, for a rate)."""
    expected: int = 0
    """Units that owed the figures."""


def aggregate(
    plan: Plan,
    values: Mapping[str, Mapping[str, Decimal]],
    *,
    expected: Collection[str] | None = None,
) -> list[IndicatorResult]:
    """Every indicator of `plan`, in plan order, from `values` (unit code → data element → value,
    already combined over periods; see `combine_periods`).

    Only the units an indicator is `reported_by` count for it, so a figure a unit sends for
    another unit's indicator is not added twice. `expected` is the set of unit codes that owed
    the figures (the units open in the period); by default every unit of the plan.
    """
    return results_from_sums(plan, sums_from_values(plan, values, expected=expected))


def sums_from_values(
    plan: Plan,
    values: Mapping[str, Mapping[str, Decimal]],
    *,
    expected: Collection[str] | None = None,
) -> dict[str, IndicatorSums]:
    """Each indicator's sums from per-unit values (the store computes the same in SQL:
    `report.figures.indicator_sums`)."""
    out = {}
    for row in indicator_rows(plan):
        indicator = row.indicator
        reporters = [u.code for u in plan.expand_units(indicator.reported_by)]
        if expected is not None:
            reporters = [code for code in reporters if code in expected]
        out[indicator.code] = indicator_sums(indicator, reporters, values)
    return out


def results_from_sums(plan: Plan, sums: Mapping[str, IndicatorSums]) -> list[IndicatorResult]:
    """Every indicator of `plan` and every part of a split one, in plan order, judged against the
    plan's year; one without sums has no data."""
    return [
        indicator_result(
            row.indicator,
            sums.get(row.indicator.code, IndicatorSums()),
            year=plan.plan.year,
            number=row.number,
            part_of=row.part_of,
        )
        for row in indicator_rows(plan)
    ]


def indicator_sums(
    indicator: Indicator,
    reporters: Iterable[str],
    values: Mapping[str, Mapping[str, Decimal]],
) -> IndicatorSums:
    """One indicator's sums over the units `reporters`."""
    numerator = Decimal(0)
    denominator = Decimal(0)
    reported = 0
    expected = 0
    for unit in reporters:
        expected += 1
        figures = values.get(unit, {})
        top = figures.get(indicator.numerator)
        if top is None:
            continue
        if indicator.denominator is not None:
            bottom = figures.get(indicator.denominator)
            if bottom is None:
                continue  # a rate counts only units that reported both figures
            denominator += bottom
        numerator += top
        reported += 1
    return IndicatorSums(numerator, denominator, reported, expected)


def indicator_result(
    indicator: Indicator,
    sums: IndicatorSums,
    *,
    year: int | None = None,
    number: str = "",
    part_of: str | None = None,
) -> IndicatorResult:
    """The district figure from its sums: Σ numerators / Σ denominators × factor, rounded as
    printed, and its attainment against the target of `year` (`target_of_year`); 0/0 or no
    unit counted is "chưa có số liệu"."""
    reported = sums.reported
    value: Decimal | None = None
    if reported and indicator.measure is Measure.COUNT:
        value = sums.numerator
    elif reported and sums.denominator != 0:
        value = sums.numerator / sums.denominator * indicator.effective_factor
    if value is not None:
        value = round_for_display(value, indicator.measure)
    is_rate = indicator.measure is not Measure.COUNT
    target, due = target_of_year(indicator, year)
    judged = (
        attainment(
            indicator.direction,
            value,
            target,
            strict=indicator.strict,
            baseline=indicator.baseline,
            reduction=indicator.reduction,
        )
        if due or value is None
        else Attainment.NOT_DUE
    )
    return IndicatorResult(
        code=indicator.code,
        group=indicator.group,
        name=indicator.name,
        measure=indicator.measure,
        target=target,
        direction=indicator.direction,
        strict=indicator.strict,
        numerator=sums.numerator if reported else None,
        denominator=sums.denominator if reported and is_rate else None,
        value=value,
        attainment=judged,
        units_reported=reported,
        units_expected=sums.expected,
        baseline=indicator.baseline,
        number=number,
        part_of=part_of,
        targets=tuple(sorted((named.year, named.target) for named in indicator.targets)),
        own_target=indicator.target,
        reduction=indicator.reduction,
    )


def round_for_display(value: Decimal, measure: Measure) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-DISPLAY_DIGITS[measure]), rounding=ROUND_HALF_UP)


def combine_periods(nature: Literal["event", "stock"], figures: Iterable[tuple[dt.date, Decimal]]) -> Decimal | None:
    """One unit's figure for a data element over several periods, given as (period end, value).

    An event (births, injuries, cases) happens in a period: the periods add up. A stock (children
    in a situation, schools) is a head count at a date: the latest period's count stands.
    None when no period has a figure.
    """
    items = list(figures)
    if not items:
        return None
    if nature == "stock":
        return max(items, key=lambda item: item[0])[1]
    return sum((value for _, value in items), Decimal(0))


def attainment(
    direction: Direction,
    value: Decimal | None,
    target: Decimal | None,
    *,
    strict: bool = False,
    baseline: Decimal | None = None,
    reduction: Reduction | None = None,
) -> Attainment:
    """Whether `value` meets the target. `strict`: "trên"/"dưới" (the boundary itself fails).
    A reduction by a size ("giảm 2–3%") is met by at least its lower end below `baseline`."""
    if value is None:
        return Attainment.NO_DATA
    if direction is Direction.REDUCE:
        if baseline is None:
            return Attainment.NO_BASELINE
        if reduction is not None:
            return _verdict(value <= reduction_limit(baseline, reduction))
        return _verdict(value < baseline)
    if direction is Direction.REACH_100:
        return _verdict(value == _HUNDRED)
    if direction is Direction.ELIMINATE:
        return _verdict(value == 0)
    if target is None:
        return Attainment.NO_DATA
    if direction is Direction.AT_LEAST:
        return _verdict(value > target if strict else value >= target)
    return _verdict(value < target if strict else value <= target)


def reduction_limit(baseline: Decimal, reduction: Reduction) -> Decimal:
    """The highest value that meets "giảm `low`–`high`%" from `baseline`."""
    return baseline * (_HUNDRED - reduction.low) / _HUNDRED


def _verdict(met: bool) -> Attainment:
    return Attainment.DAT if met else Attainment.KHONG_DAT


# --------------------------------------------------------------------------- Vietnamese formats


def format_number(value: Decimal | int, digits: int | None = None) -> str:
    """1.234 ; 15,1 : `forms.numbers.format_number`, rounded to at most `digits` decimals."""
    return vn_number(value, digits)


def format_measure(value: Decimal | None, measure: Measure, digits: int | None = None) -> str:
    """A figure with its unit: "15,1%", "7‰", "550/100.000", "1.234"; None → "Chưa có số liệu"."""
    if value is None:
        return t("report.no_data")
    return t(f"report.measure.{measure.value}", value=format_number(value, digits))


def format_value(result: IndicatorResult) -> str:
    """The district figure as printed: every rate rounded to DISPLAY_DIGITS decimals."""
    return format_measure(result.value, result.measure, DISPLAY_DIGITS[result.measure])


def format_plain(value: Decimal, measure: Measure) -> str:
    """A target or baseline as the plan writes it (87%, 9,5‰, 550/100.000)."""
    return format_measure(value, measure)


def format_target(result: IndicatorResult) -> str:
    """The "Mục tiêu" cell as the plan states it: "Đạt 87% trở lên", "Dưới 7‰", "Giảm so với năm
    trước", "Giảm 2–3% so với năm trước", "Đạt 87% trở lên; đến năm 2030: đạt 95% trở lên", …"""
    direction = result.direction
    if direction is Direction.REACH_100:
        return t("report.target.reach_100")
    if direction is Direction.ELIMINATE:
        return t("report.target.eliminate")
    if direction is Direction.REDUCE:
        return _reduce_text(result)
    if not result.targets:
        if result.target is None:
            return t("report.no_data")
        return _plain_target(result, result.target)
    parts = [_plain_target(result, result.own_target)] if result.own_target is not None else []
    for year, value in result.targets:
        text = _plain_target(result, value)
        parts.append(t("targets.by_year", year=year, target=text[:1].lower() + text[1:]))
    text = t("targets.joined").join(parts)
    return text[:1].upper() + text[1:]


def _plain_target(result: IndicatorResult, value: Decimal) -> str:
    key = result.direction.value + ("_strict" if result.strict else "")
    return t(f"report.target.{key}", target=format_plain(value, result.measure))


def _reduce_text(result: IndicatorResult) -> str:
    reduction = result.reduction
    if reduction is None:
        if result.baseline is None:
            return t("report.target.reduce")
        return t("report.target.reduce_baseline", baseline=format_plain(result.baseline, result.measure))
    size = reduction_size(reduction)
    if result.baseline is None:
        return t("targets.reduce_by", size=size)
    limit = round_for_display(reduction_limit(result.baseline, reduction), result.measure)
    return t(
        "targets.reduce_by_baseline",
        size=size,
        baseline=format_plain(result.baseline, result.measure),
        limit=format_measure(limit, result.measure, DISPLAY_DIGITS[result.measure]),
    )


def format_attainment(value: Attainment, *, short: bool = False) -> str:
    """ "Đạt", "Không đạt", "Chưa có số liệu", …; `short`: as the narrow "Đánh giá" column has it."""
    section = "attainment_short" if short else "attainment"
    if value is Attainment.NOT_DUE:
        return t(f"targets.{section}.not_due")
    return t(f"report.{section}.{value.value}")


def format_ratio(value: Decimal | None, digits: int = 2) -> str:
    """A ratio in [0, 1] as a percentage: 0.9048 → "90,48%"; None → "Chưa có số liệu"."""
    if value is None:
        return t("report.no_data")
    return format_measure(value * _HUNDRED, Measure.PERCENT, digits)
