"""The plan's field types (single-line text, codes, e-mail addresses, administrative codes) and
its enums: what a value in a plan file may be, before the sections are put together."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

# --------------------------------------------------------------------------- field types

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_EMAIL = re.compile(
    r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+$"
)


def _no_control_chars(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control_chars")
    return value


def _email(value: str) -> str:
    if _CONTROL.search(value) or not _EMAIL.match(value):
        raise ValueError(f"email:{value}")
    local, _, domain = value.rpartition("@")
    if len(local) > 64 or ".." in value or local.startswith(".") or local.endswith("."):
        raise ValueError(f"email:{value}")
    return value.lower() if domain.lower() != domain else value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_no_control_chars)]
"""A single-line text (names, titles): may reach an email header, so no CR/LF ever."""
Name = Annotated[Text, StringConstraints(max_length=150)]
"""A person's or a unit's name: it becomes an email display name, which must fit on one header
line (150 characters of at most 3 bytes each stay under the mail layer's MAX_NAME_OCTETS, 450)."""
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Free text (duty paragraphs); may span lines."""
Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""Identifier used in URLs, file names and the CLI: letters, digits, dot, dash, underscore."""
Email = Annotated[str, AfterValidator(_email)]
GsoCode = Annotated[str, StringConstraints(pattern=r"^(\d{2}|\d{3}|\d{5})$")]
"""Mã đơn vị hành chính: 2 digits for a province, 3 for a district, 5 for a commune-level unit;
which one a unit has depends on its kind (`UnitKind.gso_code_length`)."""


class Measure(StrEnum):
    PERCENT = "percent"
    PERMILLE = "permille"
    PER_100000 = "per_100000"
    COUNT = "count"

    @property
    def default_factor(self) -> Decimal:
        return {
            Measure.PERCENT: Decimal(100),
            Measure.PERMILLE: Decimal(1000),
            Measure.PER_100000: Decimal(100000),
            Measure.COUNT: Decimal(1),
        }[self]


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    REDUCE = "reduce"
    ELIMINATE = "eliminate"
    REACH_100 = "reach_100"


class DeadlineRule(StrEnum):
    BEFORE = "before"
    """"trước ngày X": on time only if received strictly before X."""
    BY = "by"
    """"chậm nhất ngày X": on time if received on X; moves to the next working day."""


class RuleSeverity(StrEnum):
    """What a validation rule does when it fails (see decisions.md, "Rules across forms, and
    rules that warn")."""

    ERROR = "error"
    """The report is returned to the unit, as for any other mistake."""
    WARNING = "warning"
    """The report is accepted; the unit and the office are shown the warning."""


class LastDayOff(StrEnum):
    """What a "trước ngày X" deadline does when its last day (the day before X) is not a working
    day (see decisions.md, "A last day off is kept unless the plan moves it")."""

    KEEP = "keep"
    """The last day stays the day before X, weekend or holiday."""
    PREVIOUS_WORKING_DAY = "previous_working_day"
    """The last day moves back to the working day before it."""


TargetNumber = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,2}[a-z]?$")]
"""A target's number as the plan writes it: "3", or "3a", "3b" for the sub-targets of target 3."""

RuleSide = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(\s*\+\s*[A-Za-z0-9][A-Za-z0-9._-]{0,63})*$",
    ),
]
"""One side of a validation rule: a field, a whole number, or a sum of them ("a + b + 1")."""


class IssuerLevel(StrEnum):
    """The level of the People's Committee that issues a plan: what the engine's default wording
    of leaders and units follows (`dutyflow.wording`)."""

    PROVINCE = "province"
    """Tỉnh, thành phố trực thuộc trung ương."""
    DISTRICT = "district"
    """Huyện, quận, thị xã, thành phố thuộc tỉnh: plans before 1/7/2025 only."""
    COMMUNE = "commune"
    """Xã, phường, thị trấn, đặc khu."""


class UnitKind(StrEnum):
    """What a unit is. Administrative units (a province, a district, a commune-level unit) have a
    national administrative code (`gso_code`); the others (offices, departments, agencies,
    organisations, the Front) do not."""

    OFFICE = "office"
    """The office that collects the reports (Văn phòng)."""
    DEPARTMENT = "department"
    """A department of a district People's Committee (phòng)."""
    PROVINCE_DEPARTMENT = "province_department"
    """A department of a province People's Committee (sở)."""
    AGENCY = "agency"
    ORGANISATION = "organisation"
    FRONT = "front"
    PROVINCE = "province"
    """Tỉnh, thành phố trực thuộc trung ương."""
    DISTRICT = "district"
    """Huyện, quận, thị xã, thành phố thuộc tỉnh: plans before 1/7/2025 only."""
    COMMUNE = "commune"
    """Xã."""
    WARD = "ward"
    """Phường."""
    TOWN = "town"
    """Thị trấn: plans before 1/7/2025 only."""
    SPECIAL_ZONE = "special_zone"
    """Đặc khu: plans from 1/7/2025."""

    @property
    def gso_code_length(self) -> int | None:
        """Digits of this kind's administrative code; None for a kind that has none."""
        return _GSO_CODE_LENGTH.get(self)

    @property
    def is_commune_level(self) -> bool:
        """Xã, phường, thị trấn, đặc khu."""
        return _GSO_CODE_LENGTH.get(self) == 5


_GSO_CODE_LENGTH = {
    UnitKind.PROVINCE: 2,
    UnitKind.DISTRICT: 3,
    UnitKind.COMMUNE: 5,
    UnitKind.WARD: 5,
    UnitKind.TOWN: 5,
    UnitKind.SPECIAL_ZONE: 5,
}
