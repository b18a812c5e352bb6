"""The 2025 plan survives the merger of 1/7/2025 in the middle of its year (SQLite and PostgreSQL).

Three communes (xa-a, xa-b, xa-c) close on 1/7/2025 and merge into xa-hop-nhat
(tests/fixtures/merger-plan.yaml). Each test runs the days as the daily flows do (`run_day`: hand
over what closed units still owe, assign the units that exist, chase, tell units what was withdrawn
from them) and counts the store's rows: nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from dutyflow.audit import SYSTEM_ACTOR
from dutyflow.mail import MemoryTransport, OutgoingMessage
from dutyflow.plan import load_plan
from dutyflow.portal.app import create_app
from dutyflow.states import AccountRole, ObligationState, SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, NotificationRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.queries import digest_figures, loaded_plan
from dutyflow.store.sync import load_plan_into_store, sync_obligations
from dutyflow.tokens import current_token, expiry_for
from tests.accounts_support import add_accounts, credentials
from tests.conftest import FIXTURES, ICT, at, build_notifier

MERGER_PLAN = FIXTURES / "merger-plan.yaml"
OLD = ("xa-a", "xa-b", "xa-c")
NEW = "xa-hop-nhat"
SECRET = b"test-secret"


def as_written_in_january(text: str) -> str:
    """The plan before the office recorded the merger: no `# merger` lines, no new commune."""
    start, end = text.index("  # new unit begins"), text.index("  # new unit ends\n") + len("  # new unit ends\n")
    return "\n".join(line for line in (text[:start] + text[end:]).splitlines() if "# merger" not in line) + "\n"


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(MERGER_PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def load(engine: Engine, path: Path, day: str) -> str:
    with session_scope(engine) as session:
        return load_plan_into_store(session, load_plan(path), path, now=at(day), actor="office").describe()


def links(session, unit, now):  # type: ignore[no-untyped-def]
    token = current_token(session, SECRET, "merger-2025", unit, now=now, expires_at=expiry_for(2025, ICT))
    return f"http://portal.test/u/{token}"


def run_day(engine: Engine, transport: MemoryTransport, day: dt.date) -> list[OutgoingMessage]:
    """What the assign and chase flows do on `day`, in their order; the messages sent."""
    before = len(transport.sent)
    now = at(day.isoformat())
    notifier = build_notifier(engine, transport, links=links)  # each run reads the plan as stored
    with session_scope(engine) as session:
        sync_obligations(session, notifier.plan_id, notifier.plan, now=now, actor=SYSTEM_ACTOR)
    notifier.assign([u.code for u in notifier.units_to_assign(day)], day, now)
    notifier.chase([u.code for u in notifier.units_to_chase(now)], day, now)
    notifier.withdrawal_notices(day, now)
    notifier.digest(day, now)
    return transport.sent[before:]


def rows(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (ObligationRow, SubmissionRow, NotificationRow, UnitRow)
        }


def obligations(engine: Engine) -> dict[tuple[str, str, str], ObligationRow]:
    with session_scope(engine) as session:
        found = session.scalars(select(ObligationRow)).all()
        session.expunge_all()
        return {(o.unit.code, o.deliverable.code, o.period): o for o in found}


def accept_report(engine: Engine, unit: str, deliverable: str, period: str, day: str) -> None:
    """The unit's report, received and accepted on `day` (as the intake records an accepted version)."""
    with session_scope(engine) as session:
        row = session.scalars(
            select(ObligationRow)
            .join(UnitRow)
            .where(UnitRow.code == unit, ObligationRow.period == period)
            .where(ObligationRow.deliverable.has(code=deliverable))
        ).one()
        row.state = ObligationState.ACCEPTED
        row.next_action_at = None
        session.add(
            SubmissionRow(
                obligation_id=row.id,
                version=1,
                channel=SubmissionChannel.PORTAL,
                received_at=at(day, 10),
                status=SubmissionStatus.ACCEPTED,
                reasons=[],
            )
        )


def addressed_to(messages: list[OutgoingMessage], template_subject: str) -> dict[str, list[OutgoingMessage]]:
    out: dict[str, list[OutgoingMessage]] = {}
    for message in messages:
        if message.subject.startswith(template_subject):
            out.setdefault(message.to[0].email.split("@")[1].split(".")[0], []).append(message)
    return out


def test_a_merger_loaded_in_june_passes_the_year_to_the_successor_once_and_deletes_nothing(
    engine: Engine, plan_path: Path, tmp_path: Path
) -> None:
    merged = plan_path.read_text(encoding="utf-8")
    plan_path.write_text(as_written_in_january(merged), encoding="utf-8")
    load(engine, plan_path, "2025-04-20")
    transport = MemoryTransport()
    assigned = run_day(engine, transport, dt.date(2025, 4, 21))
    assert len(assigned) == 5  # the office, tu-phap and the three communes
    accept_report(engine, "xa-b", "bao-cao-6-thang", "2025", "2025-05-15")
    accept_report(engine, "xa-a", "danh-sach-thang", "2025-06", "2025-06-19")  # the June list, handed in early
    for day in (dt.date(2025, 5, 13), dt.date(2025, 5, 20), dt.date(2025, 5, 22)):
        run_day(engine, transport, day)
    counted = rows(engine)
    assert counted["notifications"] > 5

    # June: the office records the merger. Accepted, though xa-a handed in a list due after 1/7.
    plan_path.write_text(merged, encoding="utf-8")
    summary = load(engine, plan_path, "2025-06-20")
    assert "thôi yêu cầu" in summary
    after = rows(engine)
    assert after["submissions"] == counted["submissions"] and after["notifications"] == counted["notifications"]
    assert after["obligations"] == counted["obligations"] + 5  # the successor's four lists and its annual report
    owed = obligations(engine)
    for period in ("2025-06", "2025-07", "2025-08", "2025-09"):
        successor = owed[(NEW, "danh-sach-thang", period)]
        expected = [NEW, "xa-b", "xa-c"] if period == "2025-06" else [NEW, *OLD]
        assert successor.covers == expected, period  # xa-a's June list was handed in: it counts
        assert successor.state is ObligationState.PENDING
    assert owed[("xa-a", "danh-sach-thang", "2025-06")].state is ObligationState.ACCEPTED
    assert owed[(NEW, "bao-cao-nam", "2025")].covers == [NEW, *OLD]
    for unit in ("xa-b", "xa-c"):
        assert owed[(unit, "danh-sach-thang", "2025-07")].state is ObligationState.WITHDRAWN
        assert owed[(unit, "bao-cao-nam", "2025")].state is ObligationState.WITHDRAWN
    assert owed[("xa-a", "bao-cao-6-thang", "2025")].state is ObligationState.ANNOUNCED  # overdue, still xa-a's

    # 30/6: the new commune does not exist yet; the old ones are told once what was withdrawn.
    sent = run_day(engine, transport, dt.date(2025, 6, 30))
    assert not [m for m in sent if "xa-hop-nhat" in m.to[0].email]
    notices = addressed_to(sent, "Thôi yêu cầu")
    assert sorted(notices) == ["xa-a", "xa-b", "xa-c"] and all(len(n) == 1 for n in notices.values())
    text = " ".join(notices["xa-b"][0].text.split())
    assert "Danh sách hằng tháng – tháng 7/2025" in text
    assert "chuyển cho UBND xã Hợp Nhất" in text
    assert "Báo cáo năm" in text
    assert not addressed_to(run_day(engine, transport, dt.date(2025, 6, 30)), "Thôi yêu cầu")  # once

    # 1/7: what the old communes still owe passes to the new one, which gets its assignment.
    sent = run_day(engine, transport, dt.date(2025, 7, 1))
    owed = obligations(engine)
    six_months = owed[(NEW, "bao-cao-6-thang", "2025")]
    assert six_months.covers == [NEW, "xa-a", "xa-c"]  # xa-b's accepted report counts for it
    assert owed[("xa-a", "bao-cao-6-thang", "2025")].state is ObligationState.WITHDRAWN
    assert owed[("xa-b", "bao-cao-6-thang", "2025")].state is ObligationState.ACCEPTED
    assert len([key for key in owed if key[0] == NEW and key[1] == "bao-cao-6-thang"]) == 1
    [assignment] = addressed_to(sent, "Thông báo nhiệm vụ")["xa-hop-nhat"]
    text = " ".join(assignment.text.split())
    assert "của UBND tỉnh Thử Nghiệm" in text  # the issuer in force on 1/7
    assert "của UBND huyện Thử Nghiệm" in " ".join(assigned[0].text.split())  # and on 21/4
    assert "báo cáo cả phần của UBND xã A, UBND xã C" in text
    assert "báo cáo cả phần của UBND xã A, UBND xã B, UBND xã C" in text
    notices = {unit: " ".join(m.text.split()) for unit, [m] in addressed_to(sent, "Thôi yêu cầu").items()}
    assert sorted(notices) == list(OLD)  # one more notice each: what they still owed passed on
    assert "Báo cáo 6 tháng – 6 tháng đầu năm 2025" in notices["xa-a"]
    assert "Báo cáo 6 tháng" not in notices["xa-b"]  # xa-b had handed it in
    assert "Danh sách hằng tháng – tháng 4/2025" in notices["xa-b"]
    # Its reminders say whose part it reports: the June list, for xa-b and xa-c (xa-a handed its in).
    chased = [m for day in (2, 3, 4, 7) for m in run_day(engine, transport, dt.date(2025, 7, day))]
    to_new = [" ".join(m.text.split()) for m in chased if "xa-hop-nhat" in m.to[0].email]
    assert any("Đơn vị báo cáo cả phần của UBND xã B, UBND xã C" in text for text in to_new)
    final = rows(engine)
    assert final["submissions"] == counted["submissions"]
    assert final["notifications"] >= after["notifications"]
    with session_scope(engine) as session:
        withdrawn = session.scalars(
            select(AuditEventRow).where(
                AuditEventRow.action == "withdrawn", AuditEventRow.code == "xa-a/bao-cao-6-thang/2025"
            )
        ).one()
        assert withdrawn.detail == {"why": "passed", "before": "announced", "successor": NEW}
        assert withdrawn.actor == SYSTEM_ACTOR
        figures = digest_figures(session, loaded_plan(session).id, dt.date(2025, 7, 1))
        live = session.scalar(
            select(func.count()).select_from(ObligationRow).where(ObligationRow.state != ObligationState.WITHDRAWN)
        )
        assert figures.expected == live < final["obligations"]
        assert not [line for line in figures.late if line.unit_name in {"UBND xã A", "UBND xã C"}]

    # The closed commune's link shows where its reports went, and takes nothing.
    add_accounts(engine, AccountRole.OFFICE)
    app = create_app(
        engine,
        FileStore(tmp_path / "uploads"),
        notifier=None,
        clock=lambda: at("2025-07-02", 10),
    )
    with session_scope(engine) as session:
        unit = session.scalars(select(UnitRow).where(UnitRow.code == "xa-a")).one()
        token = current_token(
            session, SECRET, "merger-2025", unit, now=at("2025-07-02"), expires_at=expiry_for(2025, ICT)
        )
    with TestClient(app) as client:
        page = client.get(f"/u/{token}")
        assert page.status_code == 200
        body = re.sub(r"\s+", " ", page.text)
        assert "UBND xã A kết thúc hoạt động từ ngày 01/07/2025" in body
        assert "chuyển cho UBND xã Hợp Nhất" in body
        assert "Đã chuyển cho UBND xã Hợp Nhất từ ngày 01/07/2025" in body
        assert 'action="/u/' not in body  # no upload form
        oid = owed[("xa-a", "bao-cao-6-thang", "2025")].id
        refused = client.post(
            f"/u/{token}/nop/{oid}", files={"file": ("bao-cao.docx", b"PK\x03\x04", "application/octet-stream")}
        )
        assert refused.status_code == 410
        assert "UBND xã Hợp Nhất" in re.sub(r"\s+", " ", refused.text)
        # The office's console tells the old and the new units apart.
        client.post("/van-phong/dang-nhap", data=credentials(), follow_redirects=False)
        console = re.sub(r"\s+", " ", client.get("/van-phong").text)
        assert "UBND xã A (đến 30/06/2025)" in console and "UBND xã Hợp Nhất (từ 01/07/2025)" in console
    assert rows(engine)["submissions"] == counted["submissions"]


def test_a_merger_written_in_january_assigns_the_new_commune_when_it_opens(engine: Engine, plan_path: Path) -> None:
    load(engine, plan_path, "2025-04-20")
    transport = MemoryTransport()
    sent = run_day(engine, transport, dt.date(2025, 4, 21))
    assert "xa-hop-nhat" not in addressed_to(sent, "Thông báo nhiệm vụ")
    assert sorted(addressed_to(sent, "Thông báo nhiệm vụ")) == ["tuphap", "vp", "xa-a", "xa-b", "xa-c"]
    june = run_day(engine, transport, dt.date(2025, 6, 30))
    assert not [m for m in june if "xa-hop-nhat" in m.to[0].email]
    july = run_day(engine, transport, dt.date(2025, 7, 1))
    assert list(addressed_to(july, "Thông báo nhiệm vụ")) == ["xa-hop-nhat"]
    assert not run_day(engine, transport, dt.date(2025, 7, 1))  # once
