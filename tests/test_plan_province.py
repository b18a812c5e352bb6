"""The second bundled plan, the province's 2026 one: valid, true to the register, loadable."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner
from vietnam_provinces import ProvinceCode, Ward

from dutyflow.calendar import WorkingCalendar
from dutyflow.cli import app
from dutyflow.obligations import expand_obligations
from dutyflow.paths import PLANS_DIR
from dutyflow.plan import UnitKind, load_plan
from dutyflow.register_check import register_warnings_of_file
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

PROVINCE_PLAN = PLANS_DIR / "cao-bang-2026.yaml"


def test_plan_check_passes_it_with_no_error_and_no_register_warning() -> None:
    result = CliRunner().invoke(app, ["plan", "check", str(PROVINCE_PLAN)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert register_warnings_of_file(PROVINCE_PLAN, load_plan(PROVINCE_PLAN)) == []
    assert "67 đơn vị, 34 nhiệm vụ, 33 chỉ tiêu, 4 biểu mẫu, 5 sản phẩm báo cáo" in result.stdout


def test_its_56_commune_level_units_are_the_registers_communes_and_wards_of_cao_bang() -> None:
    plan = load_plan(PROVINCE_PLAN)
    official = {f"{int(w.code):05d}": w for w in Ward.iter_by_province(ProvinceCode.P_04)}
    communes = [u for u in plan.units if u.kind.is_commune_level]

    assert len(communes) == 56 == len(official)
    assert {u.gso_code for u in communes} == set(official)
    for unit in communes:
        ward = official[str(unit.gso_code)]
        assert unit.short_name == ward.name
        assert unit.name == "UBND " + ward.name[0].lower() + ward.name[1:]
        assert unit.kind == {"xã": UnitKind.COMMUNE, "phường": UnitKind.WARD}[ward.division_type.value]
    assert Counter(u.kind for u in communes) == {UnitKind.COMMUNE: 53, UnitKind.WARD: 3}


def test_it_is_issued_by_the_province_for_its_departments_and_its_communes_and_wards() -> None:
    plan = load_plan(PROVINCE_PLAN)

    assert plan.plan.issuer.short_name == "UBND tỉnh Cao Bằng" and plan.plan.year == 2026
    assert plan.unit(plan.plan.office).name == "Sở Y tế tỉnh Cao Bằng"
    departments = {u.name for u in plan.units if u.kind is UnitKind.PROVINCE_DEPARTMENT}
    assert {"Sở Giáo dục và Đào tạo tỉnh Cao Bằng", "Sở Tài chính tỉnh Cao Bằng", "Sở Nội vụ tỉnh Cao Bằng"} <= departments
    assert not any(u.kind in {UnitKind.DEPARTMENT, UnitKind.TOWN, UnitKind.DISTRICT} for u in plan.units)
    assert {g.name for g in plan.groups} >= {"UBND các xã, phường", "Các sở, ngành thuộc UBND tỉnh"}
    # Every contact is a placeholder on the reserved domain.
    emails = [c.email for u in plan.units for c in (u.focal, u.head)]
    assert emails and all(e.endswith(".example") for e in emails)
    # The 2025 plan's 33 targets, data elements and forms, adapted.
    bundled = load_plan(PLANS_DIR / "trung-khanh-2025.yaml")
    assert [i.code for i in plan.indicators] == [i.code for i in bundled.indicators]
    assert [f.code for f in plan.forms] == [f.code for f in bundled.forms]
    assert len(plan.data_elements) == len(bundled.data_elements)


def test_its_reporting_regime_falls_in_2026_with_the_health_department_consolidating() -> None:
    plan = load_plan(PROVINCE_PLAN)
    calendar = WorkingCalendar.from_config(plan.calendar)
    last_days = {
        (s.deliverable, s.period): s.last_day for s in expand_obligations(plan, calendar) if s.unit in {"so-y-te", "xa-nam-quang"}
    }

    assert last_days[("bao-cao-6-thang", "2026")] == dt.date(2026, 5, 19)  # "trước ngày 20/5/2026"
    assert last_days[("bao-cao-nam", "2026")] == dt.date(2026, 11, 13)  # "trước ngày 14/11/2026"
    assert last_days[("bao-cao-tong-hop", "2026")] == dt.date(2026, 11, 24)  # "trước ngày 25/11/2026"
    consolidated = next(d for d in plan.deliverables if d.kind == "consolidated")
    assert consolidated.units == ["so-y-te"]


def test_it_loads_into_the_store(engine: Engine) -> None:
    plan = load_plan(PROVINCE_PLAN)
    with session_scope(engine) as session:
        report = load_plan_into_store(session, plan, PROVINCE_PLAN, now=at("2026-04-01"), actor="test")
    assert report.changed

    with session_scope(engine) as session:
        kinds = Counter(session.scalars(select(UnitRow.kind)).all())
        obligations = session.scalar(select(func.count()).select_from(ObligationRow))
        owed_by_communes = session.scalar(
            select(func.count()).select_from(ObligationRow).join(UnitRow).where(UnitRow.kind.in_(["commune", "ward"]))
        )
    assert kinds == {"commune": 53, "ward": 3, "province_department": 5, "agency": 2, "organisation": 2, "front": 1, "office": 1}
    # 66 reporting units x (implementation plan, 6-month, annual) + 56 x 2 quarterly lists + the consolidated report.
    assert obligations == 66 * 3 + 56 * 2 + 1
    assert owed_by_communes == 56 * 5

