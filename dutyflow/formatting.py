"""How values are written for a person: numbers, byte counts and dates, the way Vietnamese
administrative documents write them. These are the filters of every template (`FILTERS`: emails,
portal pages, the report) and the functions Python calls for the same text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from dutyflow.messages import t


def format_number(value: Decimal | int | float, digits: int | None = None) -> str:
    """The one way a number is written anywhere a person reads it (forms, messages, emails,
    pages, the report; decision "One way to write a number"): dots between thousands, a comma
    before decimals, and no trailing zeros ("1.234,5", "9,5", "90", never "9,50" or "90,00").

    With `digits`, rounds half up to at most that many decimals first ("86,2" for 86,2069…).
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise TypeError(f"format_number needs a number, got {value!r}")
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(f"format_number needs a finite number, got {value!r}")
    if number.adjusted() >= 27:  # beyond what quantize can hold: no grouping
        return str(number)
    if digits is not None:
        number = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    integral = number == number.to_integral_value()
    number = number.quantize(Decimal(1)) if integral else number.normalize()
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_size(size: int) -> str:
    """A byte count for people: "5 MB", "1,5 MB", "120 KB"."""
    if size >= 1024 * 1024:
        return f"{format_number(round(Decimal(size) / (1024 * 1024), 1))} MB"
    if size >= 1024:
        return f"{format_number(round(Decimal(size) / 1024, 1))} KB"
    return f"{size} byte"


def _require_date(value: object, filter_name: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise TypeError(f"filter {filter_name!r} needs a date, got {value!r}")
    return value


def ngay(value: dt.date) -> str:
    """Decree 30 long date: "ngày 19 tháng 5 năm 2025"; a leading zero for days 1-9 and for
    months 1 and 2 ("ngày 05 tháng 02 năm 2025"), so the date cannot be altered by hand."""
    day = _require_date(value, "ngay")
    if type(day) is dt.date:  # remembered for plain dates (a national run writes the same few)
        return _long_date(day)
    return _long_date.__wrapped__(day)


@lru_cache(maxsize=4096)
def _long_date(day: dt.date) -> str:
    """Not for datetimes: two equal aware instants may fall on different local days."""
    return t(
        "format.long_date",
        day=f"{day.day:02d}",
        month=f"{day.month:02d}" if day.month <= 2 else str(day.month),
        year=day.year,
    )


def dmy(value: dt.date) -> str:
    """Short date without leading zeros: "19/5/2025"."""
    day = _require_date(value, "dmy")
    return f"{day.day}/{day.month}/{day.year}"


DAY_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
"""How a day may be typed: as a browser's date field sends it (2025-06-30), or as people write it
(30/06/2025, 30-06-2025)."""


def read_day(text: str) -> dt.date | None:
    """The day `text` names (`DAY_PATTERNS`, surrounding spaces ignored), or None: the one reading
    of a typed day for the console's forms and the command line alike."""
    for pattern in DAY_PATTERNS:
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


vn_number = format_number
"""The `vn_number` filter: `format_number`, the one way a number is written."""


FILTERS: dict[str, Callable[..., str]] = {"ngay": ngay, "dmy": dmy, "vn_number": vn_number}
"""The formatting filters every Jinja environment has (`dutyflow.templating`)."""
