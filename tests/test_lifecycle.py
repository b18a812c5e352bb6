"""The lifecycle: states as enums the store holds to, transitions with their audit events, and the
office's issued report recorded through the intake path, once (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import StatementError

from dutyflow import lifecycle
from dutyflow.intake import record_issued
from dutyflow.plan import load_plan
from dutyflow.states import ObligationState, SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at


@pytest.fixture
def loaded(engine: Engine, mini_plan_path: Path) -> Engine:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="test")
    return engine


def _obligation_id(engine: Engine, unit: str, deliverable: str) -> int:
    with session_scope(engine) as session:
        return int(
            session.scalars(
                select(ObligationRow.id)
                .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
                .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(UnitRow.code == unit, DeliverableRow.code == deliverable)
            ).first()
            or 0
        )


def test_the_store_refuses_a_state_the_product_never_writes(loaded: Engine) -> None:
    oid = _obligation_id(loaded, "xa-a", "bao-cao-6-thang")
    with pytest.raises(StatementError, match="overdue"), session_scope(loaded) as session:
        session.execute(update(ObligationRow).where(ObligationRow.id == oid).values(state="overdue"))
    with pytest.raises(StatementError, match="awaiting"), session_scope(loaded) as session:
        session.execute(
            insert(SubmissionRow).values(
                obligation_id=oid,
                version=1,
                channel=SubmissionChannel.PORTAL,
                received_at=at("2025-05-02"),
                status="awaiting",
                reasons=[],
            )
        )
    with session_scope(loaded) as session:
        row = session.get(ObligationRow, oid)
        assert row is not None and row.state is ObligationState.PENDING  # read back as the member


def test_announce_moves_only_a_pending_obligation(loaded: Engine) -> None:
    oid = _obligation_id(loaded, "xa-a", "bao-cao-6-thang")
    with session_scope(loaded) as session:
        row = session.get(ObligationRow, oid)
        assert row is not None
        assert lifecycle.announce(row, at("2025-05-05"))
        assert (row.state, row.next_action_at) == (ObligationState.ANNOUNCED, at("2025-05-05"))
        assert not lifecycle.announce(row, at("2025-06-01"))
        assert row.next_action_at == at("2025-05-05")


def test_a_returned_version_restarts_the_chase_once_and_never_undoes_an_accepted_one(loaded: Engine) -> None:
    oid = _obligation_id(loaded, "xa-a", "bao-cao-6-thang")
    with session_scope(loaded) as session:
        row = session.get(ObligationRow, oid)
        assert row is not None
        versions = [
            SubmissionRow(version=n, channel=SubmissionChannel.PORTAL, status=status, reasons=[])
            for n, status in enumerate([SubmissionStatus.RETURNED, SubmissionStatus.RETURNED], start=1)
        ]
        event = lifecycle.submit(row, versions[0], now=at("2025-05-02"))
        assert (row.state, row.chase_round, row.next_action_at) == (ObligationState.RETURNED, 1, at("2025-05-02"))
        assert (event.action, event.entity, event.code) == ("submission_returned", "submission", "xa-a/bao-cao-6-thang/2025")
        lifecycle.submit(row, versions[1], now=at("2025-05-03"))
        assert row.chase_round == 1  # still the same round
        accepted = SubmissionRow(version=3, channel=SubmissionChannel.WEB_FORM, status=SubmissionStatus.ACCEPTED, reasons=[])
        lifecycle.submit(row, accepted, now=at("2025-05-04"))
        assert (row.state, row.next_action_at) == (ObligationState.ACCEPTED, None)
        bad = SubmissionRow(version=4, channel=SubmissionChannel.PORTAL, status=SubmissionStatus.RETURNED, reasons=[])
        lifecycle.submit(row, bad, now=at("2025-05-05"))
        assert (row.state, row.chase_round) == (ObligationState.ACCEPTED, 1)


def test_the_issued_report_is_recorded_through_intake_once_and_audited(loaded: Engine, tmp_path: Path) -> None:
    files = FileStore(tmp_path / "files")
    document = tmp_path / "bao-cao-tong-hop.pdf"
    document.write_bytes(b"%PDF-1.7 the district report")
    other = tmp_path / "bao-cao-tong-hop-ky-so.pdf"
    other.write_bytes(b"%PDF-1.7 the district report, another file")
    oid = _obligation_id(loaded, "vp", "tong-hop")
    # a rerun records nothing twice, nor does another file once the office has delivered
    for attempt, path in enumerate([document, document, other]):
        with session_scope(loaded) as session:
            obligation = session.get(ObligationRow, oid)
            assert obligation is not None
            result = record_issued(session, files, obligation, path, now=at("2025-11-21", 16))
            assert (result is None) == (attempt > 0)
    with session_scope(loaded) as session:
        obligation = session.get(ObligationRow, oid)
        assert obligation is not None and obligation.state is ObligationState.ACCEPTED
        assert obligation.next_action_at is None
        (version,) = session.scalars(select(SubmissionRow).where(SubmissionRow.obligation_id == oid)).all()
        assert (version.channel, version.status, version.submitted_by, version.decided_by) == (
            SubmissionChannel.GENERATED,
            SubmissionStatus.ACCEPTED,
            "dutyflow",
            "dutyflow",
        )
        assert (version.file_name, version.content_type, version.size) == ("bao-cao-tong-hop.pdf", "pdf", 28)
        assert files.path_of(version.file_sha256 or "").read_bytes() == document.read_bytes()
        (event,) = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "report_final")).all()
        assert (event.actor, event.entity, event.code) == ("dutyflow", "obligation", "vp/tong-hop/2025")
        assert event.detail == {"file": "bao-cao-tong-hop.pdf", "sha256": version.file_sha256}
