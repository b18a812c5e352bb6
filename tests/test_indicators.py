"""District indicators: sums of numerators over sums of denominators, attainment, Vietnamese formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dutyflow.indicators import (
    Attainment,
    aggregate,
    attainment,
    combine_periods,
    format_attainment,
    format_measure,
    format_number,
    format_plain,
    format_ratio,
    format_target,
    format_value,
)
from dutyflow.plan import Direction, Measure, Plan

D = Decimal


def contact(name: str) -> dict[str, str]:
    return {"name": name, "email": f"{name}@test.example"}


def make_plan(*indicators: dict[str, Any], units: tuple[str, ...] = ("xa-a", "xa-b", "xa-c")) -> Plan:
    """A plan with communes `units` and the given indicators over elements num, den, cases."""
    return Plan.model_validate(
        {
            "plan": {
                "code": "test",
                "year": 2025,
                "title": "Kế hoạch thử",
                "issuer": {"name": "HUYỆN THỬ", "short_name": "UBND huyện Thử", "place": "Thử"},
                "signer": {"title": "CHỦ TỊCH", "name": "Nguyễn Văn A"},
                "office": "vp",
            },
            "units": [
                {"code": "vp", "name": "Văn phòng", "kind": "office", "focal": contact("vp"), "head": contact("vp")},
                *(
                    {"code": u, "name": f"UBND {u}", "kind": "commune", "focal": contact(u), "head": contact(u)}
                    for u in units
                ),
            ],
            "groups": [{"code": "cac-xa", "name": "Các xã", "kinds": ["commune"]}],
            "data_elements": [
                {"code": "num", "name": "Tử số"},
                {"code": "den", "name": "Mẫu số", "nature": "stock"},
                {"code": "cases", "name": "Số ca"},
            ],
            "indicators": [
                {
                    "code": "CT",
                    "group": "a",
                    "name": "Tỷ lệ thử",
                    "measure": "percent",
                    "numerator": "num",
                    "denominator": "den",
                    "direction": "at_least",
                    "target": 90,
                    "reported_by": ["cac-xa"],
                }
                | ind
                for ind in indicators
            ],
            "deliverables": [
                {
                    "code": "bao-cao",
                    "name": "Báo cáo",
                    "kind": "report",
                    "units": ["cac-xa"],
                    "forms": [],
                    "due": "2025-11-15",
                    "attachments": True,
                }
            ],
        }
    )


def figures(**units: tuple[int | None, int | None]) -> dict[str, dict[str, Decimal]]:
    """Unit → {num, den}; None leaves the figure out."""
    out: dict[str, dict[str, Decimal]] = {}
    for unit, (num, den) in units.items():
        out[unit.replace("_", "-")] = {k: D(v) for k, v in (("num", num), ("den", den)) if v is not None}
    return out


# --------------------------------------------------------------------------- aggregation


def test_a_rate_is_the_sum_of_numerators_over_the_sum_of_denominators() -> None:
    [result] = aggregate(make_plan({}), figures(xa_a=(1, 2), xa_b=(90, 100)))
    assert (result.numerator, result.denominator) == (D(91), D(102))
    assert result.value == D("89.22")  # 91/102, not the mean of 50% and 90% (70%)
    assert format_value(result) == "89,22%"
    assert result.attainment is Attainment.KHONG_DAT
    assert (result.units_reported, result.units_expected) == (2, 3)


def test_zero_over_zero_is_no_data_not_zero() -> None:
    [result] = aggregate(make_plan({}), figures(xa_a=(0, 0), xa_b=(0, 0)))
    assert result.value is None
    assert result.attainment is Attainment.NO_DATA
    assert format_value(result) == "Chưa có số liệu"
    assert result.units_reported == 2


def test_nothing_reported_is_no_data() -> None:
    [result] = aggregate(make_plan({}), {})
    assert (result.value, result.numerator, result.denominator) == (None, None, None)
    assert result.attainment is Attainment.NO_DATA
    assert result.units_reported == 0


def test_a_unit_missing_its_denominator_counts_for_neither_sum() -> None:
    [result] = aggregate(make_plan({}), figures(xa_a=(45, 50), xa_b=(30, None), xa_c=(None, 40)))
    assert (result.numerator, result.denominator) == (D(45), D(50))
    assert result.value == D("90.00")
    assert result.attainment is Attainment.DAT
    assert result.units_reported == 1


def test_only_the_units_an_indicator_is_reported_by_count() -> None:
    plan = make_plan({"reported_by": ["xa-a"]})
    [result] = aggregate(plan, figures(xa_a=(9, 10), xa_b=(1, 10)))
    assert result.value == D("90.00")
    assert result.units_expected == 1


def test_expected_units_leave_out_units_that_owed_nothing() -> None:
    [result] = aggregate(make_plan({}), figures(xa_a=(9, 10)), expected={"xa-a", "xa-b"})
    assert (result.units_reported, result.units_expected) == (1, 2)


def test_a_count_is_the_sum_of_numerators() -> None:
    plan = make_plan(
        {"measure": "count", "numerator": "cases", "denominator": None, "direction": "eliminate", "target": 0}
    )
    values = {"xa-a": {"cases": D(2)}, "xa-b": {"cases": D(0)}, "xa-c": {"cases": D(1234)}}
    [result] = aggregate(plan, values)
    assert result.value == D(1236) and result.denominator is None
    assert format_value(result) == "1.236"
    assert result.attainment is Attainment.KHONG_DAT


def test_a_permille_and_a_rate_per_100000_use_their_factor() -> None:
    plan = make_plan(
        {"code": "A", "measure": "permille", "direction": "at_most", "target": 7, "strict": True},
        {"code": "B", "measure": "per_100000", "direction": "at_most", "target": 550},
    )
    a, b = aggregate(plan, figures(xa_a=(7, 1000), xa_b=(0, 2000)))
    assert format_value(a) == "2,33‰"  # 7 / 3000 × 1000
    assert format_value(b) == "233,33/100.000"


def test_attainment_is_judged_on_the_printed_figure() -> None:
    plan = make_plan({"direction": "at_most", "strict": True, "target": D("15.10")})
    [result] = aggregate(plan, figures(xa_a=(15099, 100000)))  # 15,099% prints as 15,1%
    assert format_value(result) == "15,1%"
    assert result.attainment is Attainment.KHONG_DAT


# --------------------------------------------------------------------------- periods


def test_a_stock_takes_the_latest_period_and_an_event_sums_them() -> None:
    half, year = dt.date(2025, 5, 15), dt.date(2025, 11, 10)
    assert combine_periods("stock", [(year, D(120)), (half, D(100))]) == D(120)
    assert combine_periods("stock", [(half, D(100)), (year, D(80))]) == D(80)
    assert combine_periods("event", [(half, D(3)), (year, D(4))]) == D(7)
    assert combine_periods("event", []) is None
    assert combine_periods("stock", []) is None


# --------------------------------------------------------------------------- attainment at its boundaries


@pytest.mark.parametrize(
    ("direction", "strict", "value", "target", "expected"),
    [
        (Direction.AT_LEAST, False, "87", "87", Attainment.DAT),
        (Direction.AT_LEAST, False, "86.99", "87", Attainment.KHONG_DAT),
        (Direction.AT_LEAST, True, "90", "90", Attainment.KHONG_DAT),
        (Direction.AT_LEAST, True, "90.01", "90", Attainment.DAT),
        (Direction.AT_MOST, False, "12", "12", Attainment.DAT),
        (Direction.AT_MOST, False, "12.01", "12", Attainment.KHONG_DAT),
        (Direction.AT_MOST, True, "7", "7", Attainment.KHONG_DAT),
        (Direction.AT_MOST, True, "6.99", "7", Attainment.DAT),
        (Direction.REACH_100, False, "100", "100", Attainment.DAT),
        (Direction.REACH_100, False, "99.99", "100", Attainment.KHONG_DAT),
        (Direction.ELIMINATE, False, "0", "0", Attainment.DAT),
        (Direction.ELIMINATE, False, "1", "0", Attainment.KHONG_DAT),
    ],
)
def test_attainment_at_the_boundary(
    direction: Direction, strict: bool, value: str, target: str, expected: Attainment
) -> None:
    assert attainment(direction, D(value), D(target), strict=strict) is expected


def test_reduce_compares_with_last_year() -> None:
    assert attainment(Direction.REDUCE, D("0.9"), None, baseline=D("1.0")) is Attainment.DAT
    assert attainment(Direction.REDUCE, D("1.0"), None, baseline=D("1.0")) is Attainment.KHONG_DAT
    assert attainment(Direction.REDUCE, D("1.1"), None, baseline=D("1.0")) is Attainment.KHONG_DAT


def test_reduce_without_last_year_cannot_be_judged() -> None:
    assert attainment(Direction.REDUCE, D("0.9"), None) is Attainment.NO_BASELINE
    assert format_attainment(Attainment.NO_BASELINE) == "Chưa có số liệu năm trước để so sánh"


def test_no_value_is_no_data_whatever_the_direction() -> None:
    for direction in Direction:
        assert attainment(direction, None, D(1), baseline=D(1)) is Attainment.NO_DATA


# --------------------------------------------------------------------------- Vietnamese formats


def test_numbers_read_the_vietnamese_way() -> None:
    assert format_number(D(1234)) == "1.234"
    assert format_number(D("1234567.5"), 2) == "1.234.567,5"
    assert format_number(D("1234567.555"), 2) == "1.234.567,56"
    assert format_measure(D("15.1"), Measure.PERCENT, 2) == "15,1%"
    assert format_measure(D(7), Measure.PERMILLE) == "7‰"
    assert format_measure(D(550), Measure.PER_100000) == "550/100.000"
    assert format_measure(D(1234), Measure.COUNT) == "1.234"
    assert format_measure(None, Measure.PERCENT) == "Chưa có số liệu"
    assert format_ratio(D(19) / D(21)) == "90,48%"
    assert format_ratio(None) == "Chưa có số liệu"


def test_targets_read_as_the_plan_words_them() -> None:
    assert format_plain(D(87), Measure.PERCENT) == "87%"
    assert format_plain(D("20.0"), Measure.PERCENT) == "20%"
    assert format_plain(D("15.1"), Measure.PERCENT) == "15,1%"
    assert format_plain(D("0.1"), Measure.PERCENT) == "0,1%"
    assert format_plain(D("9.50"), Measure.PERMILLE) == "9,5‰"
    plan = make_plan(
        {"code": "A", "direction": "at_least", "target": 87},
        {"code": "B", "direction": "at_least", "strict": True, "target": 90},
        {"code": "C", "measure": "permille", "direction": "at_most", "strict": True, "target": 7},
        {"code": "D", "measure": "per_100000", "direction": "at_most", "target": 550},
        {"code": "E", "direction": "reach_100", "target": 100},
        {"code": "F", "direction": "reduce", "target": None},
        {"code": "G", "direction": "reduce", "target": None, "baseline": D("1.25")},
        {"code": "H", "measure": "count", "denominator": None, "direction": "eliminate", "target": 0},
    )
    assert [format_target(r) for r in aggregate(plan, {})] == [
        "Đạt 87% trở lên",
        "Trên 90%",
        "Dưới 7‰",
        "Không quá 550/100.000",
        "Đạt 100%",
        "Giảm so với năm trước",
        "Giảm so với năm trước (1,25%)",
        "Không còn trường hợp nào",
    ]
