"""`dutyflow plan reform PLAN --on 2025-07-01`: the 2025 reorganisation written into a plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dutyflow import register
from dutyflow.calendar import WorkingCalendar
from dutyflow.cli import app
from dutyflow.obligations import expand_obligations
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import UnitKind, load_plan
from dutyflow.reform import ReformError, reform_plan
from dutyflow.register_check import register_warnings_of_file
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

runner = CliRunner()
REFORM = dt.date(2025, 7, 1)

CONTACTS = '    focal: {{name: "Cán bộ {n}", email: "focal{n}@x.example"}}\n    head: {{name: "Thủ trưởng {n}", email: "head{n}@x.example"}}\n'


def unit(code: str, name: str, kind: str, gso: str | None, extra: str = "") -> str:
    text = f'  - code: {code}\n    name: "{name}"\n    kind: {kind}\n'
    if gso is not None:
        text += f'    gso_code: "{gso}"\n'
    return text + extra + CONTACTS.format(n=code)


def plan_with_units(mini_plan_path: Path, *units: str) -> Path:
    text = mini_plan_path.read_text(encoding="utf-8")
    start, end = text.index("  - code: xa-a\n"), text.index("groups:\n")
    mini_plan_path.write_text(text[:start] + "".join(units) + text[end:], encoding="utf-8")
    return mini_plan_path


def reform(*args: str) -> Any:
    return runner.invoke(app, ["plan", "reform", *args], env={"COLUMNS": "200"}, catch_exceptions=False)


@pytest.fixture(scope="module")
def reformed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reform") / "trung-khanh-2025.yaml"
    result = reform(str(BUNDLED_PLAN), "--on", "2025-07-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "đóng 21 đơn vị, mở 7 đơn vị mới" in result.stderr
    return out


def test_the_21_communes_and_towns_close_into_7_communes(reformed: Path) -> None:
    before, after = load_plan(BUNDLED_PLAN), load_plan(reformed)

    old = [u for u in after.units if u.gso_code and u.closes]
    new = [u for u in after.units if u.opens]
    assert len(old) == 21 and len(new) == 7
    assert {u.code for u in old} == {u.code for u in before.units if u.gso_code}
    assert all(u.closes == REFORM for u in old)
    assert all(u.opens == REFORM and u.closes is None and u.kind is UnitKind.COMMUNE for u in new)
    by_code = {u.code: u for u in after.units}
    for u in old:
        successor = by_code[u.successor or ""]
        assert successor.gso_code == register.successors(u.gso_code or "")[0]
    official = {u.gso_code: register.lookup(u.gso_code or "", REFORM) for u in new}
    assert all(o is not None and u.short_name == o.name for u, o in zip(new, official.values(), strict=True))
    assert sorted(u.short_name or "" for u in new) == sorted(
        [
            "Xã Trà Lĩnh",
            "Xã Quang Trung",
            "Xã Quang Hán",
            "Xã Trùng Khánh",
            "Xã Đình Phong",
            "Xã Đàm Thuỷ",
            "Xã Đoài Dương",
        ]
    )
    # The new units reuse old codes: Quang Hán's 01456 names the old commune until 30/6 and the new one from 1/7.
    assert [(u.code, u.closes, u.opens) for u in after.units if u.gso_code == "01456"] == [
        ("xa-quang-han", REFORM, None),
        ("xa-quang-han-moi", None, REFORM),
    ]
    assert by_code["xa-quang-vinh"].successor == "xa-quang-han-moi"
    assert all(u.focal.email.endswith(".example") and u.head.email.endswith(".example") for u in new)


def test_the_written_plan_passes_plan_check_without_a_register_warning(reformed: Path) -> None:
    result = runner.invoke(app, ["plan", "check", str(reformed)], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "38 đơn vị" in result.stdout
    assert result.stderr == ""
    assert register_warnings_of_file(reformed, load_plan(reformed)) == []


def test_what_falls_due_after_the_reform_is_owed_by_the_new_communes(reformed: Path) -> None:
    plan = load_plan(reformed)
    obligations = expand_obligations(plan, WorkingCalendar.from_config(plan.calendar))
    old = {u.code for u in plan.units if u.closes}
    new = {u.code for u in plan.units if u.opens}

    assert all(o.last_day < REFORM for o in obligations if o.unit in old)
    assert {o.unit for o in obligations if o.last_day >= REFORM and o.unit in old | new} == new
    han = [o for o in obligations if o.unit == "xa-quang-han-moi"]
    assert han and all(set(o.covers) >= {"xa-quang-han", "xa-quang-vinh"} for o in han)


def test_comments_blank_lines_and_order_of_the_original_are_kept(reformed: Path) -> None:
    original = BUNDLED_PLAN.read_text(encoding="utf-8").splitlines()
    written = reformed.read_text(encoding="utf-8").splitlines()

    remaining = iter(written)
    assert all(line in remaining for line in original), "every original line, in order"
    added = len(written) - len(original)
    assert added == 21 * 2 + 1 + 3 + 7 * 9
    at = written.index('    gso_code: "01468"')
    assert written[at + 1 : at + 3] == ["    closes: 2025-07-01", "    successor: xa-quang-han-moi"]
    # The new units come right after the last old commune, before the comments that followed it.
    first_new = written.index("  - code: xa-tra-linh")
    assert (
        written.index("  - code: xa-doai-duong")
        < first_new
        < written.index("  # Example (commented out): recording a merger during the year. The old unit gets `closes`")
    )


def test_a_second_run_changes_nothing(reformed: Path) -> None:
    result = reform(str(reformed), "--on", "2025-07-01")

    assert result.exit_code == 0
    assert result.stdout == reformed.read_text(encoding="utf-8")
    assert "Không có đơn vị nào cần ghi sắp xếp từ ngày 01/07/2025" in result.stderr


def test_without_out_the_plan_is_printed(reformed: Path) -> None:
    result = reform(str(BUNDLED_PLAN))
    assert result.exit_code == 0
    assert result.stdout == reformed.read_text(encoding="utf-8")


def test_a_divided_commune_goes_to_the_default_successor_and_the_others_are_named(mini_plan_path: Path) -> None:
    # Xã Tân Thạnh of Thới Lai (Cần Thơ) was divided: mostly to Xã Trường Thành (the default), partly to Xã Tân Thạnh.
    path = plan_with_units(mini_plan_path, unit("xa-tan-thanh", "UBND xã Tân Thạnh", "commune", "31268"))

    result = reform_plan(path, REFORM)

    assert result.closed == [("xa-tan-thanh", "xa-truong-thanh")]
    assert result.opened == ["xa-truong-thanh"]
    assert (
        "    # Theo bảng chuyển đổi năm 2025, Xã Tân Thạnh được chia cho nhiều đơn vị mới: đơn vị kế thừa mặc định là"
        " Xã Trường Thành (31288); phần còn lại thuộc Xã Tân Thạnh (31666).\n"
        "    closes: 2025-07-01\n    successor: xa-truong-thanh\n"
    ) in result.text
    path.write_text(result.text, encoding="utf-8")
    assert load_plan(path).unit("xa-truong-thanh").gso_code == "31288"


def test_a_district_closes_without_a_successor_and_other_units_stay(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        unit("h-trung-khanh", "UBND huyện Trùng Khánh", "district", "047"),
        unit("xa-closed", "UBND xã Tri Phương", "commune", "01453", "    closes: 2025-03-01\n"),
        unit("xa-no-code", "UBND xã Không Mã", "commune", None),
        unit("xa-fake", "UBND xã Giả", "commune", "99999"),
        unit("cao-bang", "UBND tỉnh Cao Bằng", "province", "04"),
    )

    result = reform_plan(path, REFORM)

    assert result.closed == [("h-trung-khanh", None)]
    assert result.opened == []
    assert [code for code, _ in result.skipped] == ["xa-no-code", "xa-fake"]
    assert "không có mã đơn vị hành chính" in result.skipped[0][1]
    assert "«99999» không có trong danh mục" in result.skipped[1][1]
    assert (
        '    gso_code: "047"\n    # Cấp huyện chấm dứt hoạt động từ ngày 01/07/2025; không có đơn vị kế thừa.\n'
        "    closes: 2025-07-01\n"
    ) in result.text
    assert result.text.count("closes:") == 2


def test_an_existing_later_closes_is_replaced(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path, unit("xa-quang-vinh", "UBND xã Quang Vinh", "commune", "01468", "    closes: 2025-10-01\n")
    )
    text = reform_plan(path, REFORM).text
    assert "closes: 2025-10-01" not in text
    assert '    gso_code: "01468"\n    successor: xa-quang-han\n    closes: 2025-07-01\n' in text


def test_units_listed_at_the_margin_get_new_units_at_the_margin(mini_plan_path: Path) -> None:
    path = plan_with_units(mini_plan_path, unit("xa-quang-vinh", "UBND xã Quang Vinh", "commune", "01468"))
    text = path.read_text(encoding="utf-8")
    start, end = text.index("units:\n"), text.index("groups:\n")
    units = "".join(line[2:] if line.startswith("  ") else line for line in text[start:end].splitlines(keepends=True))
    path.write_text(text[:start] + units + text[end:], encoding="utf-8")

    result = reform_plan(path, REFORM)

    assert "\n- code: xa-quang-han\n  name: " in result.text
    assert yaml.safe_load(result.text)["units"][-1]["code"] == "xa-quang-han"


def test_a_unit_written_on_one_line_is_refused_with_its_line(mini_plan_path: Path) -> None:
    path = plan_with_units(
        mini_plan_path,
        '  - {code: xa-quang-vinh, name: "UBND xã Quang Vinh", kind: commune, gso_code: "01468",'
        " focal: {name: A, email: a@x.example}, head: {name: B, email: b@x.example}}\n",
    )
    line = next(n for n, x in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "xa-quang-vinh" in x)

    with pytest.raises(ReformError, match=f"dòng {line}: đơn vị «xa-quang-vinh» được viết gọn trên một dòng"):
        reform_plan(path, REFORM)
    result = reform(str(path))
    assert result.exit_code == 1 and f"dòng {line}" in result.stderr and "Traceback" not in result.output


def test_a_day_before_the_reform_is_refused() -> None:
    result = reform(str(BUNDLED_PLAN), "--on", "2025-06-30")
    assert result.exit_code == 1
    assert "có hiệu lực từ ngày 01/07/2025" in result.stderr and result.stdout == ""


def test_an_invalid_plan_is_refused_with_its_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        BUNDLED_PLAN.read_text(encoding="utf-8").replace("rule: before", "rule: truoc", 1), encoding="utf-8"
    )
    result = reform(str(broken))
    assert result.exit_code == 1
    assert "dòng" in result.stderr and "truoc" in result.stderr


def test_the_reformed_plan_loads_into_the_store(engine: Engine, reformed: Path) -> None:
    plan = load_plan(reformed)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, reformed, now=at("2025-04-20"), actor="test")
    with session_scope(engine) as session:
        units = session.scalars(select(UnitRow).where(UnitRow.gso_code == "01456").order_by(UnitRow.code)).all()
        assert [(u.code, u.closes, u.opens, u.successor_code) for u in units] == [
            ("xa-quang-han", REFORM, None, "xa-quang-han-moi"),
            ("xa-quang-han-moi", None, REFORM, None),
        ]
        assert session.scalar(select(func.count()).select_from(UnitRow)) == 38
        owed = session.scalar(select(func.count()).select_from(ObligationRow))
        assert owed == len(expand_obligations(plan, WorkingCalendar.from_config(plan.calendar))) == 168


def test_the_bundled_plan_reformed_in_june_keeps_everything_and_the_new_communes_owe_once(
    engine: Engine, reformed: Path
) -> None:
    """The real path: the 2025 plan runs from April; the reform, decided in June, is loaded on
    20/6 and takes effect on 1/7. Nothing is deleted; each new commune owes each report once."""
    from dutyflow.audit import SYSTEM_ACTOR
    from dutyflow.mail import MemoryTransport
    from dutyflow.states import ObligationState
    from dutyflow.store.models import NotificationRow
    from dutyflow.store.sync import sync_obligations
    from tests.conftest import build_notifier

    def count(model: Any) -> int:
        with session_scope(engine) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(BUNDLED_PLAN), BUNDLED_PLAN, now=at("2025-04-20"), actor="test")
    transport = MemoryTransport()
    notifier = build_notifier(engine, transport)
    notifier.assign(
        [u.code for u in notifier.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21")
    )
    before = {"obligations": count(ObligationRow), "notifications": count(NotificationRow)}
    plan = load_plan(reformed)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, reformed, now=at("2025-06-20"), actor="test")
        sync_obligations(session, notifier.plan_id, plan, now=at("2025-07-01"), actor=SYSTEM_ACTOR)
    assert count(ObligationRow) >= before["obligations"]
    assert count(NotificationRow) == before["notifications"]
    new = {u.code for u in plan.units if u.opens == REFORM}
    with session_scope(engine) as session:
        rows = session.scalars(select(ObligationRow)).all()
        live = [(r.unit.code, r.deliverable.code, r.period) for r in rows if r.state is not ObligationState.WITHDRAWN]
        assert len(live) == len(set(live))
        owed_by_new = [r for r in rows if r.unit.code in new]
        assert owed_by_new and all(r.state is ObligationState.PENDING for r in owed_by_new)
        # every old commune's open obligation went to a new commune, which covers it
        closed = {u.code for u in plan.units if u.closes == REFORM}
        open_old = [r for r in rows if r.unit.code in closed and r.state is not ObligationState.WITHDRAWN]
        assert all(r.state in {ObligationState.ACCEPTED, ObligationState.SUBMITTED} for r in open_old)
        covered = {code for r in owed_by_new for code in r.covers}
        assert closed - {u.code for u in plan.units if u.closes == REFORM and u.successor is None} <= covered
    july = build_notifier(engine, transport)
    assigned = {u.code for u in july.units_to_assign(dt.date(2025, 7, 1))}
    assert assigned == new
    assert not build_notifier(engine, transport).units_to_assign(dt.date(2025, 6, 30))
