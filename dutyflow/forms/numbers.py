"""Numbers as Vietnamese offices write them: "1.234" is one thousand two hundred and thirty-four,
"12,5" is twelve and a half. Parsing for input, and quoting a received value back; writing a
number for a person is `dutyflow.formatting.format_number`."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from dutyflow.formatting import format_number

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Thousands grouped with dots, optional decimal comma: 1.234 / 12.345.678 / 1.234,5.
# A first group starting with 0 ("0.500") is not a grouping: it reads as a decimal point.
_GROUPED_DOTS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
# Thousands grouped with spaces: 1 234 / 1 234,5.
_GROUPED_SPACES = re.compile(r"^[1-9]\d{0,2}(?: \d{3})+(?:,\d+)?$")
# Plain digits with an optional decimal comma: 12 / 12,5.
_DECIMAL_COMMA = re.compile(r"^\d+(?:,\d+)?$")
# Plain digits with a decimal point, as a browser's number input or a machine sends them: 12.5.
_DECIMAL_POINT = re.compile(r"^\d+\.\d+$")

ECHO_LIMIT = 40


def parse_number(raw: str) -> Decimal | None:
    """The number `raw` writes, or None when it is not a number ("abc", "12a", "1,2,3")."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    sign = 1
    if text[:1] in {"-", "\u2212"}:
        sign, text = -1, text[1:].strip()
    elif text[:1] == "+":
        text = text[1:].strip()
    if _GROUPED_DOTS.match(text):
        canonical = text.replace(".", "").replace(",", ".")
    elif _GROUPED_SPACES.match(text):
        canonical = text.replace(" ", "").replace(",", ".")
    elif _DECIMAL_COMMA.match(text):
        canonical = text.replace(",", ".")
    elif _DECIMAL_POINT.match(text):
        canonical = text
    else:
        return None
    try:
        return sign * Decimal(canonical)
    except InvalidOperation:  # pragma: no cover - the patterns only let digits through
        return None


def to_decimal(value: int | float | Decimal) -> Decimal | None:
    """A number read from a spreadsheet cell; None for NaN or infinity."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number if number.is_finite() else None


def echo(raw: object) -> str:
    """A received value as it may be quoted back in a message: numbers in Vietnamese style,
    text without control characters and cut to a readable length."""
    if isinstance(raw, bool):
        raw = str(raw).upper()
    if isinstance(raw, int | float | Decimal):
        number = to_decimal(raw)
        return format_number(number) if number is not None else str(raw)
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", str(raw))).strip()
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"
