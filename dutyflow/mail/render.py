"""The Jinja2 environment shared by emails, the portal and reports, and the email renderer.

Every user-facing word lives in templates/; this module only wires the environment and provides
the formatting filters that Vietnamese administrative documents need.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2

from dutyflow.forms.numbers import format_number
from dutyflow.paths import TEMPLATES_DIR

_TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_BLANK_LINES = re.compile(r"\n{3,}")

# The long date of Decree 30/2020/NĐ-CP (the date line of an official document). It is a fixed
# administrative format, not wording the office may edit.
_LONG_DATE = "ngày {day} tháng {month} năm {year}"


def _require_date(value: object, filter_name: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise TypeError(f"filter {filter_name!r} needs a date, got {value!r}")
    return value


def ngay(value: dt.date) -> str:
    """Decree 30 long date: "ngày 19 tháng 5 năm 2025"; a leading zero for days 1-9 and for
    months 1 and 2 ("ngày 05 tháng 02 năm 2025"), so the date cannot be altered by hand."""
    day = _require_date(value, "ngay")
    return _LONG_DATE.format(
        day=f"{day.day:02d}",
        month=f"{day.month:02d}" if day.month <= 2 else str(day.month),
        year=day.year,
    )


def dmy(value: dt.date) -> str:
    """Short date without leading zeros: "19/5/2025"."""
    day = _require_date(value, "dmy")
    return f"{day.day}/{day.month}/{day.year}"


vn_number = format_number
"""The `vn_number` filter: `forms.numbers.format_number`, the one way a number is written."""


@cache
def environment() -> jinja2.Environment:
    """The one environment over templates/ (cached): strict, HTML-escaped for *.html.j2 only."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["ngay"] = ngay
    env.filters["dmy"] = dmy
    env.filters["vn_number"] = vn_number
    return env


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


class MailRenderer:
    """Renders templates/email/<name>.{subject,txt,html}.j2 into (subject, text, html)."""

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self._env = env if env is not None else environment()

    def render(self, name: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
        if not _TEMPLATE_NAME.match(name):
            raise ValueError(f"not an email template name: {name!r}")
        subject = self._env.get_template(f"email/{name}.subject.j2").render(context)
        text = self._env.get_template(f"email/{name}.txt.j2").render(context)
        html = self._env.get_template(f"email/{name}.html.j2").render(context)
        return " ".join(subject.split()), _tidy_text(text), html
