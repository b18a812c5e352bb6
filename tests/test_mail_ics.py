"""The calendar attachment: RFC 5545 all-day events, escaped, folded at 75 octets, CRLF."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyflow.mail import IcsEvent, build_ics

LONG_SUMMARY = "Hạn cuối gửi Báo cáo 6 tháng đầu năm về kết quả thực hiện công tác trẻ em – Phòng Văn hóa và Thông tin"
MADE = dt.datetime(2025, 4, 21, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
"""When the assignment (and its calendar) was made: 08:00 on 21/4/2025 in Trùng Khánh."""
TRICKY = "Phụ lục I; mục 2, điểm a\\b\nDòng thứ hai"


def events() -> list[IcsEvent]:
    return [
        IcsEvent(
            uid="trung-khanh-2025.vhtt.bc6t@dutyflow",
            day=dt.date(2025, 5, 19),
            summary=LONG_SUMMARY,
            description=TRICKY,
        ),
        IcsEvent(
            uid="trung-khanh-2025.vhtt.bcn@dutyflow", day=dt.date(2025, 12, 31), summary="Báo cáo năm", description=""
        ),
    ]


def unfold(data: bytes) -> list[str]:
    """Content lines, joined back from their folded pieces (RFC 5545 §3.1)."""
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            out.append("\n" if escaped in "nN" else escaped)
        else:
            out.append(char)
    return "".join(out)


def properties(lines: list[str]) -> list[dict[str, str]]:
    """One {name(;params): value} per VEVENT."""
    found: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT" and not line.startswith("END:"):
            name, _, value = line.partition(":")
            found[-1][name] = value
    return found


def test_it_wraps_events_in_a_calendar() -> None:
    lines = unfold(build_ics(events(), made_at=MADE))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "PRODID:-//dutyflow//VI" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2


def test_it_makes_all_day_events_ending_the_next_day() -> None:
    first, last = properties(unfold(build_ics(events(), made_at=MADE)))
    assert first["DTSTART;VALUE=DATE"] == "20250519"
    assert first["DTEND;VALUE=DATE"] == "20250520"
    assert last["DTSTART;VALUE=DATE"] == "20251231"
    assert last["DTEND;VALUE=DATE"] == "20260101"
    assert first["UID"] == "trung-khanh-2025.vhtt.bc6t@dutyflow"


def test_it_stamps_every_event_with_when_it_was_made_in_utc_not_with_its_day() -> None:
    stamps = {event["DTSTAMP"] for event in properties(unfold(build_ics(events(), made_at=MADE)))}
    assert stamps == {"20250421T010000Z"}  # 08:00 +07:00, not the deadlines 19/5 and 31/12
    later = MADE + dt.timedelta(days=3, minutes=5, seconds=7)
    assert {e["DTSTAMP"] for e in properties(unfold(build_ics(events(), made_at=later)))} == {"20250424T010507Z"}
    assert build_ics(events(), made_at=MADE) == build_ics(events(), made_at=MADE)


def test_it_refuses_a_stamp_without_a_timezone() -> None:
    with pytest.raises(ValueError):
        build_ics(events(), made_at=dt.datetime(2025, 4, 21, 8))


def test_it_escapes_backslashes_semicolons_commas_and_newlines() -> None:
    first, _ = properties(unfold(build_ics(events(), made_at=MADE)))
    assert first["DESCRIPTION"] == "Phụ lục I\\; mục 2\\, điểm a\\\\b\\nDòng thứ hai"
    assert unescape(first["DESCRIPTION"]) == TRICKY
    assert unescape(first["SUMMARY"]) == LONG_SUMMARY


def test_it_folds_lines_at_75_octets_without_splitting_a_character() -> None:
    data = build_ics(events(), made_at=MADE)
    physical = data.split(b"\r\n")[:-1]
    assert any(line.startswith(b" ") for line in physical), "the long summary must have been folded"
    for line in physical:
        assert len(line) <= 75
        line.decode("utf-8")  # raises if a multi-byte character was cut in two


def test_it_ends_every_line_with_crlf() -> None:
    data = build_ics(events(), made_at=MADE)
    assert data.endswith(b"\r\n")
    bare = data.replace(b"\r\n", b"")
    assert b"\n" not in bare and b"\r" not in bare


def test_it_drops_control_characters_that_icalendar_text_cannot_hold() -> None:
    event = IcsEvent(uid="x@dutyflow", day=dt.date(2025, 1, 2), summary="Báo\x07 cáo\r\nnăm", description="")
    (props,) = properties(unfold(build_ics([event], made_at=MADE)))
    assert props["SUMMARY"] == "Báo cáo\\nnăm"


def test_it_makes_an_empty_calendar_without_events() -> None:
    assert unfold(build_ics([], made_at=MADE, prodid="-//test//VI")) == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//test//VI",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "END:VCALENDAR",
    ]
