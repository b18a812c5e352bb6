"""An iCalendar file (RFC 5545) of all-day deadline events, attached to assignment emails.

Hand-written: the format needs only escaping, folding and CRLF, not a dependency. The output is
deterministic: DTSTAMP is the instant the events were made, given by the caller (RFC 5545
§3.8.7.2), so the same plan and instant always yield the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

_MAX_OCTETS = 75
_NEWLINE = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    day: dt.date
    summary: str
    description: str


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11); other control characters are not allowed."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = _NEWLINE.sub("\\\\n", text)
    return _CONTROL.sub("", text)


def _fold(line: str) -> Iterator[str]:
    """Split a content line into pieces of at most 75 octets (continuations start with a space),
    never inside a UTF-8 character (RFC 5545 §3.1)."""
    data = line.encode("utf-8")
    if len(data) <= _MAX_OCTETS:  # most lines
        yield line
        return
    start, limit = 0, _MAX_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        yield ("" if start == 0 else " ") + data[start:end].decode("utf-8")
        start, limit = end, _MAX_OCTETS - 1
    yield ("" if start == 0 else " ") + data[start:].decode("utf-8")


def _utc_stamp(instant: dt.datetime) -> str:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"the calendar's stamp must be an aware instant: {instant!r}")
    return f"{instant.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"


def _text_line(name: str, value: str) -> str:
    """The content line `name:value`, its value escaped, folded with CRLF."""
    return "\r\n".join(_fold(f"{name}:{_escape(value)}"))


@lru_cache(maxsize=1024)
def _shared_text_line(name: str, value: str) -> str:
    """`_text_line`, remembered for the values many calendars share (an assignment writes the same
    deliverables' summaries for thousands of units)."""
    return _text_line(name, value)


def _event_lines(event: IcsEvent, stamp: str) -> list[str]:
    """The event's content lines, folded (the others are short ASCII)."""
    return [
        "BEGIN:VEVENT",
        _text_line("UID", event.uid),
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.day + dt.timedelta(days=1):%Y%m%d}",
        _shared_text_line("SUMMARY", event.summary),
        _shared_text_line("DESCRIPTION", event.description),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def build_ics(events: Sequence[IcsEvent], *, made_at: dt.datetime, prodid: str = "-//dutyflow//VI") -> bytes:
    """A VCALENDAR with one all-day VEVENT per event, UTF-8, CRLF line ends, each stamped with
    `made_at` (an aware instant: when the events were made, not the day they fall on)."""
    stamp = _utc_stamp(made_at)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", _text_line("PRODID", prodid), "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
