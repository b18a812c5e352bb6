"""A "trước ngày X" last day that the plan keeps on a weekend or holiday: the assignment and the
reminders say it is a day off, and say nothing when the last day is a working day."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import Engine

from dutyflow.mail import MemoryTransport, OutgoingMessage
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import FIXTURES, at, build_notifier


def kept_plan(tmp_path: Path) -> Path:
    """The shapes plan whose yearly report's "trước ngày 17/11/2025" keeps Sunday 16/11 as its last day."""
    path = tmp_path / "ke-hoach.yaml"
    shutil.copy(FIXTURES / "shapes-plan.yaml", path)
    text = path.read_text(encoding="utf-8")
    assert "    last_day_off: previous_working_day\n" in text
    path.write_text(
        text.replace("    last_day_off: previous_working_day\n", "    last_day_off: keep\n"), encoding="utf-8"
    )
    return path


def flat(message: OutgoingMessage) -> tuple[str, str]:
    return " ".join(message.text.split()), " ".join((message.html or "").split())


def test_the_assignment_and_the_reminder_say_a_last_day_is_a_day_off(engine: Engine, tmp_path: Path) -> None:
    path = kept_plan(tmp_path)
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(path), path, now=at("2025-04-21"), actor="office")
    transport = MemoryTransport()
    notifier = build_notifier(engine, transport)
    day = dt.date(2025, 4, 21)
    notifier.assign([u.code for u in notifier.units_to_assign(day)], day, at("2025-04-21"))
    to_commune = [m for m in transport.sent if m.to[0].email == "vhxh@xa-a.thunghiem.example"]
    assert len(to_commune) == 1
    text, html = flat(to_commune[0])
    # Báo cáo năm: Sunday 16/11 kept; Báo cáo 6 tháng: Monday 19/05, a working day.
    assert "ngày cuối cùng tiếp nhận: 16/11/2025, ngày nghỉ)" in text
    assert "ngày cuối cùng tiếp nhận: 16/11/2025, ngày nghỉ)" in html
    assert "ngày cuối cùng tiếp nhận: 19/5/2025)" in text
    assert text.count("ngày nghỉ") == 1

    reminders: list[OutgoingMessage] = []
    for offset in range(12):  # the working days before the last day, until the first reminder
        day = dt.date(2025, 11, 3) + dt.timedelta(days=offset)
        before = len(transport.sent)
        notifier.chase([u.code for u in notifier.units_to_chase(at(day.isoformat()))], day, at(day.isoformat()))
        reminders += [m for m in transport.sent[before:] if m.to[0].email == "vhxh@xa-a.thunghiem.example"]
        if reminders:
            break
    assert reminders, "no reminder before the last day"
    text, html = flat(reminders[0])
    assert "Hạn cuối: ngày 16 tháng 11 năm 2025 (ngày nghỉ);" in text
    assert "ngày 16 tháng 11 năm 2025 (ngày nghỉ);" in html


def test_a_last_day_moved_to_a_working_day_is_not_called_a_day_off(engine: Engine, tmp_path: Path) -> None:
    path = FIXTURES / "shapes-plan.yaml"  # previous_working_day: Friday 14/11
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(path), path, now=at("2025-04-21"), actor="office")
    transport = MemoryTransport()
    notifier = build_notifier(engine, transport)
    day = dt.date(2025, 4, 21)
    notifier.assign([u.code for u in notifier.units_to_assign(day)], day, at("2025-04-21"))
    to_commune = [m for m in transport.sent if m.to[0].email == "vhxh@xa-a.thunghiem.example"]
    text, html = flat(to_commune[0])
    assert "ngày cuối cùng tiếp nhận: 14/11/2025)" in text
    assert "ngày nghỉ" not in text and "ngày nghỉ" not in html
