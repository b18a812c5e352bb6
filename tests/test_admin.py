"""Extensions, pauses and schedules change without code, and every change is audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow import admin
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, ObligationRow, PlanRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at


@pytest.fixture
def plan_id(engine: Engine, mini_plan_path: Path) -> int:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
        return int(session.scalars(select(PlanRow.id)).one())


def events(engine: Engine, action: str) -> list[AuditEventRow]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditEventRow).where(AuditEventRow.action == action)))


def test_an_extension_moves_the_last_day_and_is_audited(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        periods = admin.extend(
            session,
            plan_id,
            "xa-a",
            "bao-cao-6-thang",
            dt.date(2025, 5, 26),
            "Mất điện",
            now=at("2025-05-16"),
            actor="vp",
        )
    assert periods == ["2025"]
    with session_scope(engine) as session:
        rows = session.scalars(
            select(ObligationRow).join(UnitRow).where(UnitRow.code == "xa-a", ObligationRow.period == "2025")
        ).all()
        extended = {r.deliverable.code: r.extended_until for r in rows}
        assert extended == {"bao-cao-6-thang": dt.date(2025, 5, 26), "bao-cao-nam": None}
        row = next(r for r in rows if r.deliverable.code == "bao-cao-6-thang")
        assert row.next_action_at == at("2025-05-16")
    [event] = events(engine, "extended")
    assert event.reason == "Mất điện" and event.actor == "vp" and event.detail["after"] == "2025-05-26"


@pytest.mark.parametrize(
    ("unit", "deliverable", "until", "reason", "words"),
    [
        ("khong-co", "bao-cao-6-thang", "2025-05-26", "x", "khong-co"),
        ("xa-a", "khong-co", "2025-05-26", "x", "khong-co"),
        ("xa-a", "bao-cao-6-thang", "2025-05-10", "x", "phải sau hạn cuối"),
        ("xa-a", "bao-cao-6-thang", "2025-05-26", "  ", "lý do"),
    ],
)
def test_a_wrong_extension_is_refused_with_a_reason(
    engine: Engine, plan_id: int, unit: str, deliverable: str, until: str, reason: str, words: str
) -> None:
    with pytest.raises(admin.AdminError) as caught, session_scope(engine) as session:
        admin.extend(
            session, plan_id, unit, deliverable, dt.date.fromisoformat(until), reason, now=at("2025-05-16"), actor="vp"
        )
    assert words in str(caught.value)
    assert events(engine, "extended") == []


def test_pause_and_resume_are_audited_and_resume_wakes_the_chase(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        session.execute(ObligationRow.__table__.update().values(next_action_at=at("2025-05-12")))
        admin.pause(session, plan_id, "xa-b", "Sáp nhập", now=at("2025-05-13"), actor="vp")
    with pytest.raises(admin.AdminError), session_scope(engine) as session:
        admin.pause(session, plan_id, "xa-b", "lần nữa", now=at("2025-05-13"), actor="vp")
    with session_scope(engine) as session:
        admin.resume(session, plan_id, "xa-b", "", now=at("2025-05-20"), actor="vp")
        unit = session.scalars(select(UnitRow).where(UnitRow.code == "xa-b")).one()
        assert not unit.paused
        times = set(session.scalars(select(ObligationRow.next_action_at).where(ObligationRow.unit_id == unit.id)))
        assert times == {at("2025-05-20")}
    assert [e.reason for e in events(engine, "paused")] == ["Sáp nhập"]
    assert len(events(engine, "resumed")) == 1


def test_schedules_default_to_working_mornings_and_change_with_an_audit(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        rows = admin.schedules(session, "Asia/Ho_Chi_Minh")
        assert rows["chase"].cron == "0 8 * * 1-5"
        admin.set_schedule(session, "chase", "30  7 * * 1-6", "Asia/Ho_Chi_Minh", now=at("2025-05-01"), actor="vp")
    with session_scope(engine) as session:
        assert admin.schedules(session, "Asia/Ho_Chi_Minh")["chase"].cron == "30 7 * * 1-6"
    [event] = events(engine, "schedule_changed")
    assert event.detail == {"before": "0 8 * * 1-5", "after": "30 7 * * 1-6"}
    for bad in ("every day", "0 8 * *", "0 8 * * 1-5 2025"):
        with pytest.raises(admin.AdminError), session_scope(engine) as session:
            admin.set_schedule(session, "chase", bad, "Asia/Ho_Chi_Minh", now=at("2025-05-01"), actor="vp")
