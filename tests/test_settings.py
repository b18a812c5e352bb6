"""Settings come from config/settings.toml, environment variables override, secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from dutyflow.paths import BUNDLED_PLAN
from dutyflow.settings import SettingsError, load_settings

CHECKOUT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("SETTINGS", "DATABASE_URL", "DATA_DIR", "SMTP_HOST", "SMTP_PORT", "PLAN"):
        monkeypatch.delenv(f"DUTYFLOW_{key}", raising=False)


def test_the_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CHECKOUT)
    s = load_settings()
    assert s.data_dir == CHECKOUT / "data"
    assert s.effective_database_url == f"sqlite:///{CHECKOUT / 'data' / 'dutyflow.db'}"
    assert s.plan == BUNDLED_PLAN
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("127.0.0.1", 8025, "none")


def test_relative_paths_are_relative_to_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.toml").write_text(
        'data_dir = "du-lieu"\nplan = "ke-hoach/2026.yaml"\nsmtp_port = 2525\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert (s.data_dir, s.plan, s.smtp_port) == (tmp_path / "du-lieu", tmp_path / "ke-hoach" / "2026.yaml", 2525)
    monkeypatch.chdir(CHECKOUT)
    assert s.data_dir == tmp_path / "du-lieu", "made absolute once, when the settings load"


def test_without_a_settings_file_the_defaults_hold_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert (s.data_dir, s.plan, s.smtp_port) == (tmp_path / "data", BUNDLED_PLAN, 8025)


def test_dutyflow_settings_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "etc" / "dutyflow.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('smtp_host = "relay.example"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DUTYFLOW_SETTINGS", str(elsewhere))
    assert load_settings().smtp_host == "relay.example"
    monkeypatch.setenv("DUTYFLOW_SETTINGS", str(tmp_path / "missing.toml"))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "Không tìm thấy tệp cấu hình" in str(caught.value) and "missing.toml" in str(caught.value)


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
    monkeypatch.setenv("DUTYFLOW_SETTINGS", str(leaky))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "smtp_password" in str(caught.value) and "biến môi trường" in str(caught.value)
