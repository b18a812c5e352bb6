"""`import --received D`, `extend --as-of D`, `pause`/`resume --as-of D` act on their day, and refuse
days that cannot be: the receipt, the audit entry and the next chase follow the day given, not the
wall clock; status on a later day says an accepted report came on time instead of "quá N ngày"."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dutyflow.calendar import WorkingCalendar
from dutyflow.cli import app
from dutyflow.formatting import ngay
from dutyflow.forms import FormTarget
from dutyflow.mail import MailSink
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.models import AuditEventRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from tests.filling import filled_workbook

runner = CliRunner()
PLAN = load_plan(BUNDLED_PLAN)
CALENDAR = WorkingCalendar.from_config(PLAN.calendar)
TODAY = CALENDAR.local_date(dt.datetime.now(dt.UTC))
UNIT, DELIVERABLE, PERIOD = "tu-phap", "bao-cao-6-thang", "2025"  # last day 19/05/2025


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    with MailSink() as running:
        yield running


@pytest.fixture
def env(tmp_path: Path, sink: MailSink) -> dict[str, str]:
    data = tmp_path / "data"
    values = {
        "DUTYFLOW_DATA_DIR": str(data),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{data / 'store.db'}",
        "DUTYFLOW_SMTP_HOST": sink.host,
        "DUTYFLOW_SMTP_PORT": str(sink.port),
        "COLUMNS": "200",
    }
    assert run(["db", "upgrade"], values).exit_code == 0
    assert run(["plan", "load", str(BUNDLED_PLAN)], values).exit_code == 0
    return values


@pytest.fixture
def report(tmp_path: Path) -> Path:
    target = FormTarget(PLAN, UNIT, DELIVERABLE, PERIOD, "6 tháng đầu năm 2025")
    path = tmp_path / "bao-cao-6-thang-tu-phap.xlsx"
    path.write_bytes(filled_workbook(target))
    return path


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def store(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return make_engine(env["DUTYFLOW_DATABASE_URL"])


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_an_import_received_in_july_is_acknowledged_audited_and_dated_in_july(
    env: dict[str, str], report: Path, sink: MailSink
) -> None:
    imported = run(
        ["import", str(report), "--unit", UNIT, "--deliverable", DELIVERABLE, "--received", "2025-07-15"], env
    )
    assert imported.exit_code == 0, imported.output
    receipt = body(sink.messages[-1])
    assert "15/07/2025" in receipt  # received at
    assert ngay(dt.date(2025, 7, 15)) in receipt  # the letter's date
    assert ngay(TODAY) not in receipt and f"{TODAY:%d/%m/%Y}" not in receipt
    engine = store(env)
    with session_scope(engine) as session:
        audit = session.scalars(select(AuditEventRow).where(AuditEventRow.action.like("submission_%"))).one()
        submission = session.scalars(select(SubmissionRow)).one()
        assert CALENDAR.local_date(audit.at) == dt.date(2025, 7, 15)
        assert CALENDAR.local_date(submission.received_at) == dt.date(2025, 7, 15)
    engine.dispose()


def test_an_accepted_report_handed_in_on_time_never_reads_overdue(env: dict[str, str], report: Path) -> None:
    imported = run(
        ["import", str(report), "--unit", UNIT, "--deliverable", DELIVERABLE, "--received", "2025-05-16"], env
    )
    assert imported.exit_code == 0, imported.output
    table = run(["status", "--as-of", "2025-07-01", "--unit", UNIT, "--deliverable", DELIVERABLE], env)
    assert "nộp đúng hạn" in table.output and "quá" not in table.output, table.output
    line = json.loads(run(["status", "--as-of", "2025-07-01", "--unit", UNIT, "--json"], env).stdout)
    six = next(entry for entry in line if entry["deliverable"] == DELIVERABLE)
    assert six["standing"] == "accepted" and six["submitted_at"].startswith("2025-05-16")


def test_a_late_accepted_report_says_how_late_it_came(env: dict[str, str], report: Path) -> None:
    run(["import", str(report), "--unit", UNIT, "--deliverable", DELIVERABLE, "--received", "2025-05-22"], env)
    table = run(["status", "--as-of", "2025-07-01", "--unit", UNIT, "--deliverable", DELIVERABLE], env)
    assert "nộp muộn 3 ngày" in table.output, table.output


@pytest.mark.parametrize(
    ("received", "words"),
    [
        ((TODAY + dt.timedelta(days=1)).isoformat(), "tương lai"),
        ("2030-01-01", "tương lai"),
        ("2024-12-31", "trước năm kế hoạch 2025"),
    ],
)
def test_import_refuses_a_received_day_that_cannot_be(
    env: dict[str, str], report: Path, received: str, words: str
) -> None:
    refused = run(["import", str(report), "--unit", UNIT, "--deliverable", DELIVERABLE, "--received", received], env)
    assert refused.exit_code == 1 and words in refused.output, refused.output
    engine = store(env)
    with session_scope(engine) as session:
        assert session.scalars(select(SubmissionRow)).first() is None
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--unit", "khong-co", "--deliverable", DELIVERABLE], "Không có đơn vị mã «khong-co»"),
        (["--unit", UNIT, "--deliverable", "khong-co"], "Không có sản phẩm báo cáo mã «khong-co»"),
        (["--unit", UNIT, "--deliverable", DELIVERABLE, "--period", "2031"], "kỳ «2031»"),
        (["--unit", "xa-tri-phuong", "--deliverable", "bao-cao-tong-hop"], "không có nghĩa vụ nộp"),
    ],
)
def test_import_names_what_is_unknown_in_its_own_words(
    env: dict[str, str], report: Path, args: list[str], words: str
) -> None:
    refused = run(["import", str(report), *args], env)
    assert refused.exit_code == 1 and words in refused.output, refused.output
    assert "gia hạn" not in refused.output  # not the extend command's message


def test_an_extension_decided_on_a_day_is_audited_and_chased_from_that_day(env: dict[str, str]) -> None:
    extended = run(
        ["extend", UNIT, DELIVERABLE, "--until", "2025-05-26", "--reason", "Bão lũ", "--as-of", "2025-05-16"], env
    )
    assert extended.exit_code == 0, extended.output
    engine = store(env)
    with session_scope(engine) as session:
        audit = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "extended")).one()
        unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == UNIT)).one()
        deliverable_id = session.scalars(select(DeliverableRow.id).where(DeliverableRow.code == DELIVERABLE)).one()
        row = session.scalars(
            select(ObligationRow).where(
                ObligationRow.unit_id == unit_id,
                ObligationRow.deliverable_id == deliverable_id,
                ObligationRow.period == PERIOD,
            )
        ).one()
        assert row is not None and row.next_action_at is not None
        assert CALENDAR.local_date(audit.at) == dt.date(2025, 5, 16)
        assert CALENDAR.local_date(row.next_action_at) == dt.date(2025, 5, 16)
    engine.dispose()


@pytest.mark.parametrize(
    ("until", "as_of", "words"),
    [
        ("2025-05-25", "2025-05-27", "đã qua"),  # after the last day, but already past on the day of the decision
        ("2027-01-04", "2025-05-16", "quá xa"),  # beyond the year after the plan's
        ("2025-05-18", "2025-05-16", "phải sau hạn cuối"),  # before the current last day
        ("2025-05-26", (TODAY + dt.timedelta(days=1)).isoformat(), "tương lai"),  # decided on a day to come
    ],
)
def test_extend_refuses_days_already_past_absurd_or_to_come(
    env: dict[str, str], until: str, as_of: str, words: str
) -> None:
    refused = run(["extend", UNIT, DELIVERABLE, "--until", until, "--reason", "x", "--as-of", as_of], env)
    assert refused.exit_code == 1 and words in refused.output, refused.output


def test_extend_without_a_day_refuses_a_last_day_already_past(env: dict[str, str]) -> None:
    refused = run(["extend", UNIT, DELIVERABLE, "--until", "2025-05-26", "--reason", "x"], env)
    assert refused.exit_code == 1 and "đã qua" in refused.output, refused.output


def test_a_pause_and_a_resume_are_audited_on_their_days(env: dict[str, str]) -> None:
    assert run(["pause", "xa-tri-phuong", "--reason", "Sáp nhập", "--as-of", "2025-06-02"], env).exit_code == 0
    assert run(["resume", "xa-tri-phuong", "--as-of", "2025-06-09"], env).exit_code == 0
    engine = store(env)
    with session_scope(engine) as session:
        events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action.in_(["paused", "resumed"])).order_by(AuditEventRow.at)
        ).all()
        assert [(e.action, CALENDAR.local_date(e.at)) for e in events] == [
            ("paused", dt.date(2025, 6, 2)),
            ("resumed", dt.date(2025, 6, 9)),
        ]
    engine.dispose()
    paused = json.loads(run(["status", "--as-of", "2025-06-05", "--unit", "xa-tri-phuong", "--json"], env).stdout)
    resumed = json.loads(run(["status", "--as-of", "2025-06-10", "--unit", "xa-tri-phuong", "--json"], env).stdout)
    assert {line["standing"] for line in paused if line["last_day"] > "2025-06-05"} == {"paused"}
    assert "paused" not in {line["standing"] for line in resumed}


def test_status_as_of_a_day_leaves_out_the_changes_of_later_days(env: dict[str, str]) -> None:
    extend = ["extend", UNIT, DELIVERABLE, "--until", "2025-05-26", "--reason", "Bão lũ", "--as-of", "2025-05-19"]
    assert run(extend, env).exit_code == 0
    before = run(["status", "--as-of", "2025-05-18", "--unit", UNIT, "--deliverable", DELIVERABLE], env)
    assert "Bão lũ" not in before.output and "26/05/2025" not in before.output, before.output
    after = run(["status", "--as-of", "2025-05-19", "--unit", UNIT, "--deliverable", DELIVERABLE], env)
    assert "Bão lũ" in after.output and "19/05/2025 → 26/05/2025" in after.output, after.output
