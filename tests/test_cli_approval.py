"""`dutyflow report status | edit | return | approve | issue | verify` on a store whose final report
is made: the office's text edit, the leadership's return and approval (numbered, signed with the
configured key), the issue to the addressee's mailbox, and clean Vietnamese refusals."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.mail import MailSink
from dutyflow.plan import load_plan
from dutyflow.states import AccountRole
from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.models import AuditEventRow, RegisterNumberRow, ReportStepRow
from dutyflow.store.sync import load_plan_into_store
from tests.accounts_support import STAFF, add_account, add_accounts
from tests.approval_support import (
    ADDRESSEE,
    APPROVER,
    LEADER,
    LEADER_TITLE,
    PASSWORD,
    add_leader,
    made_final,
    make_keys,
    plan_with_addressee,
)
from tests.conftest import MINI_PLAN, PG_URL, at
from tests.test_report_pdf import require

runner = CliRunner()


@pytest.fixture
def sink() -> MailSink:
    with MailSink() as running:
        yield running  # type: ignore[misc]


@pytest.fixture
def env(tmp_path: Path, sink: MailSink) -> dict[str, str]:
    require("soffice")
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    made_final(engine, plan_with_addressee(MINI_PLAN, tmp_path / "plan.yaml"), data)
    add_leader(engine)
    add_accounts(engine, AccountRole.OFFICE)
    engine.dispose()
    keys = make_keys(tmp_path / "keys")
    return {
        "DUTYFLOW_DATA_DIR": str(data),
        "DUTYFLOW_DATABASE_URL": url,
        "DUTYFLOW_SMTP_HOST": sink.host,
        "DUTYFLOW_SMTP_PORT": str(sink.port),
        "DUTYFLOW_SMTP_SECURITY": "none",
        "DUTYFLOW_SIGNING_KEY": str(keys.key),
        "DUTYFLOW_SIGNING_KEY_PASSWORD": PASSWORD,
        "DUTYFLOW_SIGNING_TRUST_STORE": str(keys.trust),
        "COLUMNS": "200",
    }


def run(args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_office_and_the_leadership_take_the_report_to_its_addressee(
    env: dict[str, str], sink: MailSink, tmp_path: Path
) -> None:
    status = run(["report", "status"], env)
    assert status.exit_code == 0, status.output
    assert "Trạng thái: Dự thảo (bản 1)" in status.output
    assert "Bước tiếp theo: chỉnh sửa, duyệt, trả lại" in status.output

    returned = run(["report", "return", "--by", LEADER, "--comment", "Viết lại phần II."], env)
    assert returned.exit_code == 0, returned.output
    assert "Viết lại phần II." in returned.output

    refused = run(["report", "approve", "--by", LEADER], env)
    assert refused.exit_code == 1
    assert "Không thể duyệt báo cáo đang ở trạng thái “Trả lại để chỉnh sửa”" in flat(refused.output)
    assert "Traceback" not in refused.output

    text = tmp_path / "phan-2-4.txt"
    text.write_text("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ\nCác đơn vị đã hoàn thành nhiệm vụ.\n", encoding="utf-8")
    edited = run(["--by", STAFF, "report", "edit", "--text", str(text)], env)  # the office's account
    assert edited.exit_code == 0, edited.output
    assert "Đã lưu bản 2 (dự thảo)" in edited.output

    approved = run(["report", "approve", "--by", f" {LEADER.upper()} "], env)  # typed with spaces and capitals
    assert approved.exit_code == 0, approved.output
    assert f"Người duyệt: {APPROVER}, {LEADER_TITLE} (tài khoản {LEADER})" in approved.output
    assert f"Người ký: PHÓ CHỦ TỊCH {APPROVER}" in flat(approved.output)
    assert "cấp số 1/BC-UBND" in approved.output
    assert "Trạng thái: Đã ký số" in approved.output
    signed = next(Path(line.split("Tệp: ", 1)[1].strip()) for line in approved.output.splitlines() if "Tệp: " in line)
    assert signed.suffix == ".pdf" and signed.is_file()

    verified = run(["report", "verify", str(signed)], env)
    assert verified.exit_code == 0, verified.output
    assert APPROVER in verified.output and "không bị thay đổi" in verified.output

    issued = run(["report", "issue"], env)
    assert issued.exit_code == 0, issued.output
    assert "gửi tới 1 nơi nhận" in issued.output
    assert ADDRESSEE["email"] in issued.output and "đã gửi" in issued.output
    (message,) = sink.messages
    assert [p.get_filename() for p in message.iter_attachments()] == [signed.name]

    resign = run(["report", "sign"], env)
    assert resign.exit_code == 1
    assert "Không thể ký số báo cáo đang ở trạng thái “Đã phát hành, đã gửi”" in flat(resign.output)
    again = run(["report", "issue"], env)  # nothing is sent twice
    assert again.exit_code == 0 and len(sink.messages) == 1
    history = run(["report", "status"], env).output
    assert f"Người duyệt: {APPROVER}, {LEADER_TITLE} (tài khoản {LEADER})" in history
    rows = [line.split("\t") for line in history.split("Lịch sử")[1].split("Nơi nhận")[0].splitlines()]
    actors = [row[3] for row in rows if len(row) == 5][2:]  # past the heading and the first draft's
    assert actors == [LEADER, STAFF, LEADER, f"cli:{getpass.getuser()}", f"cli:{getpass.getuser()}"], history
    for state in ("Dự thảo", "Trả lại để chỉnh sửa", "Đã duyệt, đã cấp số", "Đã ký số", "Đã phát hành, đã gửi"):
        assert state in history


def test_bad_edits_are_refused_naming_the_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"DUTYFLOW_DATA_DIR": str(data), "DUTYFLOW_DATABASE_URL": f"sqlite:///{data / 'store.db'}"}
    assert run(["db", "upgrade"], env).exit_code == 0
    assert run(["plan", "load", str(MINI_PLAN)], env).exit_code == 0
    broken = tmp_path / "sua.docx"
    broken.write_bytes(b"not a word file")
    result = run(["report", "edit", "--docx", str(broken)], env)
    assert result.exit_code == 1
    assert "Tệp sua.docx không phải là tệp Word (.docx) đọc được." in flat(result.output)
    both = run(["report", "edit"], env)
    assert both.exit_code == 2 and "--docx" in both.output
    missing = run(["report", "edit", "--docx", str(tmp_path / "khong-co.docx")], env)
    assert missing.exit_code == 2 and "khong-co.docx" in flat(missing.output)
    text = tmp_path / "phan-2-4.txt"
    text.write_text("II. Nội dung mới\n", encoding="utf-8")
    not_made = run(["report", "edit", "--text", str(text)], env)  # before the final report is made
    assert not_made.exit_code == 1
    assert "Chưa có báo cáo tổng hợp chính thức để trình duyệt" in flat(not_made.output)


REFUSED = [
    pytest.param(
        STAFF, "Tài khoản «vanphong» có vai trò «Cán bộ văn phòng»: chỉ tài khoản vai trò «Lãnh đạo»", id="office"
    ),
    pytest.param(
        "kiemtra", "Tài khoản «kiemtra» có vai trò «Kiểm tra viên»: chỉ tài khoản vai trò «Lãnh đạo»", id="auditor"
    ),
    pytest.param("lanhdaocu", "Tài khoản «lanhdaocu» đã bị khóa", id="disabled"),
    pytest.param("Trần Thị Bình", "«Trần Thị Bình» không phải tài khoản đang dùng", id="a-name-not-an-account"),
]


@pytest.mark.parametrize(("name", "refusal"), REFUSED)
def test_only_an_enabled_leadership_account_approves_or_returns(
    engine: Engine, tmp_path: Path, name: str, refusal: str
) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    add_accounts(engine)
    add_account(engine, "lanhdaocu", AccountRole.LEADERSHIP, full_name=APPROVER, title=LEADER_TITLE, disabled=True)
    env = {"DUTYFLOW_DATA_DIR": str(tmp_path / "data"), "DUTYFLOW_DATABASE_URL": cli_url(engine), "COLUMNS": "200"}
    for command in (["approve", "--by", name], ["return", "--by", name, "--comment", "Viết lại."]):
        result = run(["report", *command], env)
        assert result.exit_code == 1, result.output
        assert refusal in flat(result.output) and "Traceback" not in result.output
    with session_scope(engine) as session:  # refused before the report was even entered
        assert session.scalar(select(func.count()).select_from(RegisterNumberRow)) == 0
        assert session.scalar(select(func.count()).select_from(ReportStepRow)) == 0
        report_events = select(func.count()).select_from(AuditEventRow).where(AuditEventRow.entity == "report")
        assert session.scalar(report_events) == 0


def cli_url(engine: Engine) -> str:
    """The store's URL for the CLI: the SQLite file, or PostgreSQL with the test's own schema."""
    if engine.dialect.name == "sqlite":
        return engine.url.render_as_string(hide_password=False)
    with engine.connect() as connection:
        schema = connection.execute(text("select current_schema()")).scalar_one()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"
