"""The office's mailbox settings: from the environment, the password from nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutyflow.resources import imap_mailbox
from dutyflow.settings import SettingsError, load_settings


def test_email_intake_is_off_until_a_mailbox_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUTYFLOW_IMAP_HOST", raising=False)
    s = load_settings()
    assert (s.imap_host, s.imap_port, s.imap_security, s.imap_folder) == ("", 993, "ssl", "INBOX")
    assert imap_mailbox(s) is None


def test_the_mailbox_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYFLOW_IMAP_HOST", "mail.caobang.example")
    monkeypatch.setenv("DUTYFLOW_IMAP_PORT", "143")
    monkeypatch.setenv("DUTYFLOW_IMAP_SECURITY", "starttls")
    monkeypatch.setenv("DUTYFLOW_IMAP_USER", "vanthu@vp.caobang.example")
    monkeypatch.setenv("DUTYFLOW_IMAP_PASSWORD", "bí-mật-hộp-thư")
    monkeypatch.setenv("DUTYFLOW_IMAP_PROCESSED_FOLDER", "Đã xử lý")
    s = load_settings()
    box = imap_mailbox(s)
    assert box is not None
    assert (box.settings.host, box.settings.port, box.settings.security) == ("mail.caobang.example", 143, "starttls")
    assert box.settings.password == "bí-mật-hộp-thư" and "bí-mật-hộp-thư" not in repr(s)
    assert s.imap_processed_folder == "Đã xử lý"


def test_the_mailbox_password_in_the_settings_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    leaky = tmp_path / "settings.toml"
    leaky.write_text('imap_host = "mail.example"\nimap_password = "lộ"\n', encoding="utf-8")
    monkeypatch.setenv("DUTYFLOW_SETTINGS", str(leaky))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "imap_password" in str(caught.value) and "biến môi trường" in str(caught.value)


def test_an_unknown_security_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYFLOW_IMAP_SECURITY", "tls")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "imap_security" in str(caught.value)
