"""`dutyflow user`: accounts created, listed, disabled and given a new password from the command line
(the password typed twice, hidden, when not given); `--by` names the person in the audit log, else
the OS user. Refusals are Vietnamese, with exit code 1 (2 for typing mistakes)."""

from __future__ import annotations

import getpass

from sqlalchemy import select
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.store.db import session_scope
from dutyflow.store.models import AccountRow, AuditEventRow
from tests.office_cli import Cli

SECRET = "mật-khẩu-đủ-dài-1"


def audit(cli: Cli, action: str) -> list[tuple[str, str]]:
    with session_scope(cli.runtime().engine) as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.action == action).order_by(AuditEventRow.id))
        return [(row.code, row.actor) for row in rows]


def test_an_account_is_added_listed_and_disabled(cli: Cli) -> None:
    added = cli.run(
        "user", "add", "lan", "--role", "leadership", "--password", SECRET, "--full-name", "Nguyễn Thị Lan", "--title", "Phó Chủ tịch"
    )
    assert added.exit_code == 0, added.output
    assert "Đã tạo tài khoản «lan» (Lãnh đạo)" in added.output
    listed = cli.run("user", "list")
    assert listed.exit_code == 0 and "lan\tNguyễn Thị Lan\tPhó Chủ tịch\tLãnh đạo\tđang dùng" in listed.output
    assert cli.run("user", "disable", "lan").exit_code == 0
    assert "lan\tNguyễn Thị Lan\tPhó Chủ tịch\tLãnh đạo\tđã khóa" in cli.run("user", "list").output
    assert audit(cli, "account_added") == [("lan", f"cli:{getpass.getuser()}")]
    assert audit(cli, "account_disabled") == [("lan", f"cli:{getpass.getuser()}")]


def test_the_password_is_asked_twice_when_not_given(cli: Cli) -> None:
    typed = CliRunner().invoke(
        app, ["user", "add", "minh", "--role", "office"], env=cli.env, input=f"{SECRET}\n{SECRET}\n", catch_exceptions=False
    )
    assert typed.exit_code == 0, typed.output
    assert SECRET not in typed.output  # hidden
    with session_scope(cli.runtime().engine) as session:
        row = session.scalars(select(AccountRow)).one()
        assert row.name == "minh" and row.role == "office" and row.password_hash.startswith("$argon2id$")
    differ = CliRunner().invoke(
        app, ["user", "password", "minh"], env=cli.env, input=f"{SECRET}\nkhác-hẳn-nhau-1\n", catch_exceptions=False
    )
    assert differ.exit_code == 2 and "Hai lần nhập mật khẩu không khớp nhau" in differ.output
    changed = CliRunner().invoke(
        app, ["user", "password", "minh"], env=cli.env, input="mật-khẩu-mới-99\nmật-khẩu-mới-99\n", catch_exceptions=False
    )
    assert changed.exit_code == 0 and "Đã đổi mật khẩu" in changed.output
    assert len(audit(cli, "account_password_changed")) == 1


def test_by_names_the_person_in_the_audit_of_every_change(cli: Cli) -> None:
    assert cli.run("user", "add", "lan", "--role", "office", "--password", SECRET).exit_code == 0
    paused = cli.run("--by", "lan", "pause", "xa-a", "--reason", "Sáp nhập")
    assert paused.exit_code == 0, paused.output
    assert audit(cli, "paused") == [("xa-a", "lan")]
    assert cli.run("--by", "lan", "user", "add", "hoa", "--role", "auditor", "--password", SECRET).exit_code == 0
    assert audit(cli, "account_added")[-1] == ("hoa", "lan")
    unknown = cli.run("--by", "ai-do", "resume", "xa-a")
    assert unknown.exit_code == 1 and "--by «ai-do» không phải tài khoản đang dùng" in unknown.output
    assert cli.run("user", "disable", "lan").exit_code == 0
    disabled = cli.run("--by", "lan", "resume", "xa-a")
    assert disabled.exit_code == 1 and audit(cli, "resumed") == []
    assert cli.run("resume", "xa-a").exit_code == 0
    assert audit(cli, "resumed") == [("xa-a", f"cli:{getpass.getuser()}")]


def test_a_run_asked_for_now_is_in_the_audit_with_its_person(cli: Cli) -> None:
    assert cli.run("user", "add", "lan", "--role", "office", "--password", SECRET).exit_code == 0
    ran = cli.run("--by", "lan", "run", "chase", "--as-of", "19/5/2025")
    assert ran.exit_code == 0, ran.output
    assert cli.run("run", "assign", "--as-of", "2025-04-21").exit_code == 0
    assert audit(cli, "run_requested") == [("chase", "lan"), ("assign", f"cli:{getpass.getuser()}")]
    refused = cli.run("--by", "ai-do", "run", "chase")
    assert refused.exit_code == 1 and len(audit(cli, "run_requested")) == 2  # an unknown person runs nothing


def test_refusals_are_vietnamese(cli: Cli) -> None:
    bad_role = cli.run("user", "add", "lan", "--role", "sep", "--password", SECRET)
    assert bad_role.exit_code == 1 and "Vai trò «sep» không có" in bad_role.output
    short = cli.run("user", "add", "lan", "--role", "office", "--password", "ngắn")
    assert short.exit_code == 1 and "Mật khẩu quá ngắn" in short.output
    unknown = cli.run("user", "disable", "khong-co")
    assert unknown.exit_code == 1 and "Không có tài khoản «khong-co»" in unknown.output
    nobody = cli.run("user", "password", "khong-co", "--password", SECRET)
    assert nobody.exit_code == 1 and "Không có tài khoản «khong-co»" in nobody.output
    assert "Chưa có tài khoản nào" in cli.run("user", "list").output
