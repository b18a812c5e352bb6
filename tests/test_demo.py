"""The README's main job in its short mode: a fixed seed, a few units, the whole year, checked,
run by the console script of the installed wheel (tests/wheel_install.py) as a user would type it."""

from __future__ import annotations

import datetime as dt
import difflib
import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.models import AccountRow, AuditEventRow, NotificationRow, RegisterNumberRow, ReportStepRow
from tests.demo_messages import listing
from tests.wheel_install import install

MESSAGES = Path(__file__).parent / "fixtures" / "demo-short-messages.tsv"


@pytest.mark.slow
def test_the_installed_short_demo_tells_the_year_and_leaves_its_files(wheel: Path, tmp_path: Path) -> None:
    installed = install(wheel, tmp_path / "installed")
    out = tmp_path / "demo"
    output = installed.run(
        [str(installed.target / "bin" / "dutyflow"), "demo", "--quick", "--out", str(out), "--seed", "2025"], timeout=1200
    )
    text = " ".join(output.split())
    assert not list(installed.cwd.iterdir()), "the demo writes into its own folder, nothing into the current directory"

    # Message by message, what the same seed sent before (tests/demo_messages.py says how the list
    # is written): the day, the kind, the step, the unit, the reports it is about, the recipients.
    sent, before = listing(out), MESSAGES.read_text(encoding="utf-8").splitlines()
    assert sent == before, "\n".join(difflib.unified_diff(before, sent, "before", "this run", lineterm=""))

    # Messages per kind, for seed 2025 (deterministic: the same seed gives the same year).
    expected = {
        "Thư giao nhiệm vụ": 6,
        "Thư nhắc trước hạn": 70,
        "Thư báo hạn hôm nay": 26,
        "Thư báo quá hạn": 21,
        "Thư báo quá hạn lần hai (đồng gửi thủ trưởng)": 18,
        "Thư đề nghị thủ trưởng chỉ đạo": 15,
        "Bản tổng hợp hằng tuần gửi lãnh đạo": 29,
        "Thư xác nhận đã nhận báo cáo": 30,
        "Thư đề nghị sửa báo cáo": 1,
        "Thư gửi báo cáo tổng hợp cho lãnh đạo": 1,
        "Thư gửi báo cáo đã phát hành (ký số) tới nơi nhận": 1,
    }
    # Piped, the summary table is one tab-separated row per line (docs/decisions.md, 18).
    rows = dict(line.split("\t") for line in output.splitlines() if line.count("\t") == 1)
    assert {label: rows.get(label) for label in expected} == {label: str(n) for label, n in expected.items()}
    # Every obligation's final state: all delivered but the unit that never reports (and the late annual ones).
    assert rows["Nghĩa vụ đã hoàn thành (báo cáo được chấp nhận)"] == "31"
    assert rows["Nghĩa vụ chưa nộp"] == "12"
    assert "UBND xã Xuân Nội không nộp báo cáo nào" in text and "UBND xã Tri Phương nộp báo cáo 6 tháng sai" in text

    emls = sorted((out / "mail").glob("*.eml"))
    assert len(emls) == sum(expected.values())
    # Some units answer by email (through the demo's own IMAP server): answers come in their thread,
    # the wrong 6-month report's naming the cell.
    assert "trả lời thư nhắc bằng thư điện tử" in text and "UBND xã Tri Phương" in text.split("thư điện tử")[-1]
    threaded = [
        m
        for m in (email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls)
        if m["In-Reply-To"]
    ]
    [returned] = [m for m in threaded if str(m["Subject"]).startswith("Đề nghị bổ sung")]
    assert "Phụ lục I, ô G12" in returned.get_body(("plain",)).get_content()
    assert sum(str(m["Subject"]).startswith("Đã nhận") for m in threaded) >= 5
    assert (out / "mail" / "index.html").stat().st_size > 1000
    first = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert str(first["Subject"]).startswith("Thông báo nhiệm vụ và thời hạn báo cáo")
    assert all(addr.endswith(".example") for addr in str(first["To"]).replace(">", "").split("@")[1:])

    # Every message says what was rendered and is dated at the simulated time its run acted at.
    engine = make_engine(f"sqlite:///{out / 'dutyflow.db'}")
    with session_scope(engine) as session:
        rendered = {
            message_id: (subject, sent_at)
            for message_id, subject, sent_at in session.execute(
                select(NotificationRow.message_id, NotificationRow.subject, NotificationRow.sent_at)
            )
        }
    engine.dispose()
    for eml in emls:
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert (str(message["Subject"]), message["Date"].datetime) == rendered[str(message["Message-ID"])], eml.name
    assert first["Date"].datetime == dt.datetime(2025, 4, 21, 8, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert "21/4/2025 08:00" in (out / "mail" / "index.html").read_text(encoding="utf-8")

    reports = out / "reports" / "trung-khanh-2025"
    final = next(reports.glob("*-chinh-thuc"))
    draft = next(reports.glob("*-du-thao"))
    for suffix in (".docx", ".pdf", ".html"):
        [path] = list(final.glob(f"*{suffix}"))
        assert path.stat().st_size > 5_000, path
    assert list(draft.glob("*-du-thao.docx"))
    assert "Báo cáo kết quả thực hiện" in (out / "tinh-hinh.html").read_text(encoding="utf-8")
    assert "Xong trong" in text

    # The vice-chair approved it, it was numbered, signed with the demo's test certificate, sent.
    assert "cấp số 1/BC-UBND, ký số bằng chứng thư THỬ NGHIỆM và gửi tới 1 nơi nhận" in text
    [signed] = list((reports / "ban-hanh").glob("v*/*-ky-so.pdf"))
    assert "THỬ NGHIỆM" in (out / "chung-thu-thu-nghiem" / "DOC-TRUOC.txt").read_text(encoding="utf-8")
    verified = CliRunner().invoke(
        app, ["report", "verify", str(signed), "--trust", str(out / "chung-thu-thu-nghiem" / "tin-cay")]
    )
    assert verified.exit_code == 0, verified.output
    assert "Chu Thị Vinh" in verified.output and "không bị thay đổi" in verified.output
    # ... through the vice-chair's leadership account, which the step, the audit and the register name
    engine = make_engine(f"sqlite:///{out / 'dutyflow.db'}")
    with session_scope(engine) as session:
        leader = session.scalars(select(AccountRow).where(AccountRow.name == "phochutich")).one()
        assert (leader.role, leader.full_name, leader.title) == ("leadership", "Chu Thị Vinh", "PHÓ CHỦ TỊCH")
        approved = select(ReportStepRow.actor).where(ReportStepRow.state == "approved")
        assert session.scalars(approved).all() == ["phochutich"]
        assert session.scalars(select(RegisterNumberRow.given_by)).all() == ["phochutich"]
        audited = select(AuditEventRow.actor).where(AuditEventRow.action == "report_approve")
        assert session.scalars(audited).all() == ["phochutich"]
    engine.dispose()
    parsed = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls]
    (issued,) = [m for m in parsed if "vanthu@soyte.caobang.example" in str(m["To"])]
    assert [p.get_filename() for p in issued.iter_attachments()] == [signed.name]


def test_a_demo_that_cannot_run_ends_with_a_vietnamese_sentence_not_a_traceback(tmp_path: Path) -> None:
    taken = tmp_path / "khong-phai-thu-muc"
    taken.write_text("một tệp, không phải thư mục", encoding="utf-8")
    result = CliRunner().invoke(app, ["demo", "--quick", "--out", str(taken)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "Bản chạy thử dừng giữa chừng vì lỗi" in text and "chạy lại lệnh để thử lại" in text
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
