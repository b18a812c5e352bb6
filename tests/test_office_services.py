"""The office's services, whatever calls them: which obligation an imported report answers, and a new
link for a unit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow.admin import AdminError
from dutyflow.office import choose_obligation, reissue_token
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, PlanRow, UnitTokenRow
from dutyflow.store.sync import load_plan_into_store
from dutyflow.tokens import unit_for_token
from tests.conftest import at


@pytest.fixture
def plan_id(engine: Engine, mini_plan_path: Path) -> int:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
        return session.scalars(select(PlanRow.id)).one()


def test_an_import_answers_the_earliest_open_obligation_then_the_last_one(engine: Engine, plan_id: int) -> None:
    with session_scope(engine) as session:
        first = choose_obligation(session, plan_id, "xa-a", "danh-sach-thang")
        assert first.period.endswith("04")
        first.state = "accepted"
        session.flush()
        second = choose_obligation(session, plan_id, "xa-a", "danh-sach-thang")
        assert second.period.endswith("05")
        named = choose_obligation(session, plan_id, "xa-a", "danh-sach-thang", first.period)
        assert named.id == first.id  # a correction of a month named on purpose
        second.state = "accepted"
        session.flush()
        third = choose_obligation(session, plan_id, "xa-a", "danh-sach-thang")
        assert third.period.endswith("06")
        third.state = "accepted"
        session.flush()
        last = choose_obligation(session, plan_id, "xa-a", "danh-sach-thang")
        assert last.id == third.id  # every month accepted: the last one, as a correction


@pytest.mark.parametrize(
    ("unit", "deliverable", "period", "says"),
    [
        ("khong-co", "danh-sach-thang", None, "khong-co"),
        ("xa-a", "khong-co", None, "khong-co"),
        ("xa-a", "danh-sach-thang", "2025-13", "2025-13"),
        ("tu-phap", "danh-sach-thang", None, "tu-phap"),
    ],
)
def test_an_import_for_nothing_the_plan_asks_is_refused(
    engine: Engine, plan_id: int, unit: str, deliverable: str, period: str | None, says: str
) -> None:
    with session_scope(engine) as session, pytest.raises(AdminError) as refused:
        choose_obligation(session, plan_id, unit, deliverable, period)
    assert says in str(refused.value)


def test_a_reissued_token_opens_the_portal_and_the_old_one_does_not(engine: Engine, plan_id: int) -> None:
    secret = b"khoa-thu"
    with session_scope(engine) as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        old = reissue_token(session, secret, plan, "xa-a", now=at("2025-05-02"), actor="cli:t")
        new = reissue_token(session, secret, plan, "xa-a", now=at("2025-05-03"), actor="cli:t")
        assert (old.generation, new.generation) == (old.generation, old.generation + 1) and new.token != old.token
        assert unit_for_token(session, old.token, now=at("2025-05-04")) is None
        opened = unit_for_token(session, new.token, now=at("2025-05-04"))
        assert opened is not None and opened.code == "xa-a"
        live = session.scalars(select(UnitTokenRow).where(UnitTokenRow.revoked_at.is_(None))).all()
        assert len(live) == 1
        audits = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "token_reissued")).all()
        assert [a.code for a in audits] == ["xa-a", "xa-a"]
    with session_scope(engine) as session, pytest.raises(AdminError):
        reissue_token(session, secret, plan, "khong-co", now=at("2025-05-04"), actor="cli:t")
