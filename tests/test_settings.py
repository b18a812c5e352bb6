"""Settings come from config/settings.toml, environment variables override, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutyflow import settings as settings_module
from dutyflow.paths import PROJECT_ROOT
from dutyflow.settings import SettingsError, load_settings


def test_the_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("DATABASE_URL", "DATA_DIR", "SMTP_HOST", "SMTP_PORT", "PLAN"):
        monkeypatch.delenv(f"DUTYFLOW_{key}", raising=False)
    s = load_settings()
    assert s.data_dir == PROJECT_ROOT / "data"
    assert s.effective_database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'dutyflow.db'}"
    assert s.plan == PROJECT_ROOT / "dutyflow" / "plans" / "trung-khanh-2025.yaml"
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("127.0.0.1", 8025, "none")


def test_environment_variables_override_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUTYFLOW_DATABASE_URL", "postgresql+psycopg://u@db.example/dutyflow")
    monkeypatch.setenv("DUTYFLOW_SMTP_HOST", "relay.caobang.example")
    monkeypatch.setenv("DUTYFLOW_SMTP_PORT", "587")
    monkeypatch.setenv("DUTYFLOW_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("DUTYFLOW_SMTP_USER", "vanphong")
    monkeypatch.setenv("DUTYFLOW_SMTP_PASSWORD", "bí-mật")
    monkeypatch.setenv("DUTYFLOW_MAIL_FROM", "Văn phòng <vanphong@trungkhanh.example>")
    monkeypatch.setenv("DUTYFLOW_PORTAL_URL", "https://baocao.trungkhanh.example")
    monkeypatch.setenv("DUTYFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DUTYFLOW_PLAN", str(tmp_path / "plan.yaml"))
    s = load_settings()
    assert s.effective_database_url == "postgresql+psycopg://u@db.example/dutyflow"
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_user) == (
        "relay.caobang.example",
        587,
        "starttls",
        "vanphong",
    )
    assert s.smtp_password.get_secret_value() == "bí-mật" and "bí-mật" not in repr(s)
    assert s.data_dir == tmp_path and s.plan == tmp_path / "plan.yaml"
    assert s.portal_url == "https://baocao.trungkhanh.example"


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYFLOW_SMTP_SECURITY", "tls13")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "smtp_security" in str(caught.value) and "Cấu hình không hợp lệ" in str(caught.value)
    assert "cần «none», «starttls» hoặc «ssl»" in str(caught.value)
    assert "Input should" not in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("DUTYFLOW_SMTP_PORT", "cổng", "cần một số nguyên; đã nhận «cổng»"),
        ("DUTYFLOW_SMTP_PORT", "70000", "cần nhỏ hơn hoặc bằng 65535"),
        ("DUTYFLOW_MAX_UPLOAD_MB", "0", "cần lớn hơn 0"),
        ("DUTYFLOW_SMTP_TIMEOUT_SECONDS", "mãi", "cần một số; đã nhận «mãi»"),
    ],
)
def test_every_bad_value_is_explained_in_vietnamese(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, words: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert words in str(caught.value)


def test_a_secret_in_the_settings_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    leaky = tmp_path / "settings.toml"
    leaky.write_text('smtp_host = "127.0.0.1"\nsmtp_password = "lộ"\n', encoding="utf-8")
    monkeypatch.setattr(settings_module, "SETTINGS_FILE", leaky)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "smtp_password" in str(caught.value) and "biến môi trường" in str(caught.value)
