"""Loading a plan into the store: idempotent, audited, all or nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from dutyflow.plan import load_plan
from dutyflow.states import ObligationState, SubmissionChannel, SubmissionStatus
from dutyflow.store.db import BULK_ROWS, session_scope
from dutyflow.store.models import AuditEventRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at


def load(engine: Engine, path: Path, day: str = "2025-04-20"):
    with session_scope(engine) as session:
        return load_plan_into_store(session, load_plan(path), path, now=at(day), actor="test")


def count(engine: Engine, model) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def snapshot(engine: Engine) -> list[tuple]:
    with session_scope(engine) as session:
        rows = session.scalars(select(ObligationRow).order_by(ObligationRow.id)).all()
        return [(r.id, r.unit.code, r.deliverable.code, r.period, r.due, r.last_day, r.state) for r in rows]


def test_it_loads_every_obligation_of_the_plan(engine: Engine, mini_plan_path: Path) -> None:
    report = load(engine, mini_plan_path)
    assert report.changed
    assert count(engine, UnitRow) == 4
    assert count(engine, ObligationRow) == 13
    with session_scope(engine) as session:
        row = session.scalars(
            select(ObligationRow).join(UnitRow).where(UnitRow.code == "xa-a", ObligationRow.period == "2025-06")
        ).one()
        assert str(row.last_day) == "2025-07-07"
        assert row.state == ObligationState.PENDING


def test_loading_the_same_file_twice_changes_nothing(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    before, events = snapshot(engine), count(engine, AuditEventRow)
    report = load(engine, mini_plan_path, day="2025-04-21")
    assert not report.changed
    assert "không thay đổi" in report.describe()
    assert snapshot(engine) == before
    assert count(engine, AuditEventRow) == events


def test_a_changed_deadline_updates_obligations_and_is_audited(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    ids_before = [row[0] for row in snapshot(engine)]
    text = mini_plan_path.read_text(encoding="utf-8").replace("due: 2025-05-20", "due: 2025-05-23")
    mini_plan_path.write_text(text, encoding="utf-8")
    report = load(engine, mini_plan_path)
    assert report.changes["obligation updated"] == 3
    assert [row[0] for row in snapshot(engine)] == ids_before  # updated in place, not re-created
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.entity == "obligation", AuditEventRow.action == "updated")
        ).all()
        assert len(events) == 3
        assert events[0].detail["last_day"] == {"before": "2025-05-19", "after": "2025-05-22"}
        assert events[0].actor == "test"


def test_a_renamed_unit_is_updated_in_place(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    text = mini_plan_path.read_text(encoding="utf-8").replace('name: "UBND xã A"', 'name: "UBND xã A & <Mới>"')
    mini_plan_path.write_text(text, encoding="utf-8")
    report = load(engine, mini_plan_path)
    assert report.changes == {"unit updated": 1, "plan updated": 1}
    with session_scope(engine) as session:
        assert session.scalars(select(UnitRow.name).where(UnitRow.code == "xa-a")).one() == "UBND xã A & <Mới>"


def _without_tu_phap(text: str) -> str:
    text = text.replace("    members: [tu-phap]\n", "    members: []\n")
    text = text.replace("reported_by: [cac-xa, tu-phap]", "reported_by: [cac-xa]")
    text = text.replace("    partners: [tu-phap]\n", "")
    start = text.index("  - code: tu-phap")
    end = text.index("  - code: xa-a")
    return text[:start] + text[end:]


def states_of(engine: Engine) -> dict[tuple[str, str, str], ObligationState]:
    return {(unit, deliverable, period): state for _, unit, deliverable, period, _, _, state in snapshot(engine)}


def test_removing_a_unit_withdraws_its_obligations_and_deletes_nothing(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    mini_plan_path.write_text(_without_tu_phap(mini_plan_path.read_text(encoding="utf-8")), encoding="utf-8")
    report = load(engine, mini_plan_path)
    assert report.changes["unit removed"] == 1
    assert report.changes["obligation withdrawn"] == 2
    assert "gỡ khỏi kế hoạch" in report.describe()
    assert count(engine, ObligationRow) == 13
    assert count(engine, UnitRow) == 4
    withdrawn = {key for key, state in states_of(engine).items() if state is ObligationState.WITHDRAWN}
    assert withdrawn == {("tu-phap", "bao-cao-6-thang", "2025"), ("tu-phap", "bao-cao-nam", "2025")}
    with session_scope(engine) as session:
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "withdrawn").order_by(AuditEventRow.id)
        ).first()
        assert event is not None
        assert event.detail == {"why": "removed", "before": "pending", "successor": None}
    # Loading the same file again changes nothing: the unit's removal is audited once.
    events = count(engine, AuditEventRow)
    assert not load(engine, mini_plan_path, day="2025-04-22").changed
    assert count(engine, AuditEventRow) == events


def _submit(engine: Engine, unit: str, deliverable: str) -> None:
    with session_scope(engine) as session:
        obligation = session.scalars(select(ObligationRow).join(UnitRow).where(UnitRow.code == unit)).all()
        target = next(o for o in obligation if o.deliverable.code == deliverable)
        target.state = ObligationState.ACCEPTED
        session.add(
            SubmissionRow(
                obligation_id=target.id,
                version=1,
                channel=SubmissionChannel.PORTAL,
                received_at=at("2025-05-10"),
                status=SubmissionStatus.ACCEPTED,
                reasons=[],
            )
        )


def test_removing_a_unit_with_submissions_keeps_them_and_a_later_reload_reinstates_them(
    engine: Engine, mini_plan_path: Path
) -> None:
    load(engine, mini_plan_path)
    _submit(engine, "xa-b", "bao-cao-6-thang")
    original = mini_plan_path.read_text(encoding="utf-8")
    start = original.index("  - code: xa-b")
    end = original.index("groups:")
    mini_plan_path.write_text(original[:start] + original[end:], encoding="utf-8")
    load(engine, mini_plan_path)
    assert count(engine, SubmissionRow) == 1
    assert count(engine, ObligationRow) == 13
    states = states_of(engine)
    assert states[("xa-b", "bao-cao-6-thang", "2025")] is ObligationState.WITHDRAWN
    assert states[("xa-b", "danh-sach-thang", "2025-04")] is ObligationState.WITHDRAWN
    mini_plan_path.write_text(original, encoding="utf-8")
    report = load(engine, mini_plan_path, day="2025-04-23")
    assert report.changes["obligation reinstated"] == 5
    states = states_of(engine)
    assert states[("xa-b", "bao-cao-6-thang", "2025")] is ObligationState.ACCEPTED  # its accepted version stands
    assert states[("xa-b", "danh-sach-thang", "2025-04")] is ObligationState.PENDING


def test_removing_a_deliverable_with_submissions_withdraws_it(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    _submit(engine, "xa-a", "danh-sach-thang")
    text = mini_plan_path.read_text(encoding="utf-8")
    start = text.index("  - code: danh-sach-thang")
    end = text.index("  - code: bao-cao-nam")
    mini_plan_path.write_text(text[:start] + text[end:], encoding="utf-8")
    report = load(engine, mini_plan_path)
    assert report.changes["deliverable removed"] == 1
    assert report.changes["obligation withdrawn"] == 6
    assert count(engine, ObligationRow) == 13
    assert count(engine, SubmissionRow) == 1


def test_a_merge_moves_later_obligations_to_the_successor(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path)
    text = mini_plan_path.read_text(encoding="utf-8").replace(
        '    gso_code: "00001"\n', '    gso_code: "00001"\n    closes: 2025-07-01\n    successor: xa-b\n'
    )
    mini_plan_path.write_text(text, encoding="utf-8")
    load(engine, mini_plan_path, day="2025-06-20")
    with session_scope(engine) as session:
        rows = session.scalars(select(ObligationRow)).all()
        owed = {(r.unit.code, r.deliverable.code, r.period): r for r in rows}
        assert owed[("xa-a", "bao-cao-nam", "2025")].state is ObligationState.WITHDRAWN
        assert owed[("xa-b", "bao-cao-nam", "2025")].covers == ["xa-b", "xa-a"]
        assert owed[("xa-a", "bao-cao-6-thang", "2025")].state is ObligationState.PENDING
        event = session.scalars(
            select(AuditEventRow).where(
                AuditEventRow.action == "withdrawn", AuditEventRow.code == "xa-a/bao-cao-nam/2025"
            )
        ).one()
        assert event.detail["why"] == "passed" and event.detail["successor"] == "xa-b"


def test_the_bundled_plan_loads_on_this_backend(engine: Engine, bundled_plan_path: Path) -> None:
    report = load(engine, bundled_plan_path)
    assert report.changes["unit created"] >= 31
    assert not load(engine, bundled_plan_path).changed


def test_a_unit_closed_with_no_successor_owes_nothing_after_it_closes_but_keeps_what_it_handed_in(
    engine: Engine, mini_plan_path: Path
) -> None:
    load(engine, mini_plan_path)
    _submit(engine, "xa-a", "danh-sach-thang")  # its April list, accepted
    text = mini_plan_path.read_text(encoding="utf-8").replace(
        '    gso_code: "00001"\n', '    gso_code: "00001"\n    closes: 2025-07-01\n'
    )
    mini_plan_path.write_text(text, encoding="utf-8")
    load(engine, mini_plan_path, day="2025-07-02")
    states = states_of(engine)
    assert states[("xa-a", "danh-sach-thang", "2025-04")] is ObligationState.ACCEPTED
    assert states[("xa-a", "bao-cao-6-thang", "2025")] is ObligationState.WITHDRAWN
    assert states[("xa-a", "bao-cao-nam", "2025")] is ObligationState.WITHDRAWN
    assert count(engine, ObligationRow) == 13
    with session_scope(engine) as session:
        details = {
            e.code: e.detail["why"]
            for e in session.scalars(select(AuditEventRow).where(AuditEventRow.action == "withdrawn"))
        }
    assert details["xa-a/bao-cao-6-thang/2025"] == "closed"


def test_a_bulk_load_leaves_the_planner_statistics_of_what_it_filled(engine: Engine, tmp_path: Path) -> None:
    """PostgreSQL: a load that creates 1,000 obligations or more analyses the tables it filled, in
    its transaction, so the assignment that follows is planned on their real size (decisions.md,
    "Statistics after a bulk load"); a small load leaves that to autovacuum. SQLite: nothing."""
    from bench.generate_plan import write_plan

    small, bulk = write_plan(tmp_path / "small.yaml", 20, 2), write_plan(tmp_path / "bulk.yaml", 300, 20)
    load(engine, small)
    assert count(engine, ObligationRow) < BULK_ROWS

    def analysed(table: str) -> bool:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                return bool(connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").first())
            reltuples = connection.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%(t)s)", {"t": table}
            ).scalar()
            return reltuples is not None and reltuples >= 0

    assert not analysed("obligations") and not analysed("units")
    load(engine, bulk, "2025-04-21")
    created = count(engine, ObligationRow)
    assert created >= BULK_ROWS
    expected = engine.dialect.name == "postgresql"
    assert analysed("obligations") is expected
    assert analysed("units") is False  # 321 units: under the threshold
    if expected:
        with engine.connect() as connection:
            reltuples = connection.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = to_regclass('obligations')").scalar()
        assert reltuples == created
