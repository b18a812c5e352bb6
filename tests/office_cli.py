"""The `dutyflow` command as the office runs it, in a test: a fresh store with the mini plan, a real
SMTP sink, and no settings file but the environment given. Fixture `cli` (a pytest plugin, see conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.mail import MailSink
from dutyflow.resources import Clock, Resources, utcnow
from tests.conftest import MINI_PLAN

PORTAL = "https://baocao.thunghiem.example"


@dataclass
class Cli:
    env: dict[str, str]
    sink: MailSink
    monkeypatch: pytest.MonkeyPatch

    def run(self, *args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)

    def runtime(self, clock: Clock = utcnow) -> Resources:
        """The resources the CLI builds from these settings (the portal acting at `clock`)."""
        for key, value in self.env.items():
            self.monkeypatch.setenv(key, value)
        return Resources.from_settings(clock=clock)

    def mail_to(self, address: str) -> list[str]:
        """The text of each message the sink received for `address`, subject first."""
        found = []
        for mail in self.sink.received:
            if address in mail.rcpt_tos:
                body = mail.message.get_body(preferencelist=("plain",))
                assert body is not None
                found.append(f"{mail.message['Subject']}\n{body.get_content()}")
        return found


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.chdir(tmp_path)  # no settings file of the checkout
    with MailSink() as sink:
        env = {
            "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
            "DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'store.db'}",
            "DUTYFLOW_SMTP_HOST": sink.host,
            "DUTYFLOW_SMTP_PORT": str(sink.port),
            "DUTYFLOW_PORTAL_URL": PORTAL,
            "DUTYFLOW_SECRET_KEY": "khoá-thử-nghiệm",
            "COLUMNS": "250",
        }
        cli = Cli(env, sink, monkeypatch)
        assert cli.run("db", "upgrade").exit_code == 0
        loaded = cli.run("plan", "load", str(MINI_PLAN))
        assert loaded.exit_code == 0, loaded.output
        yield cli
