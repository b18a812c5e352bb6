"""Settings: config/settings.toml, overridden by DUTYFLOW_* environment variables.

The only module that reads the environment. Secrets are accepted from the environment alone.
"""

from __future__ import annotations

import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dutyflow.messages import t
from dutyflow.paths import BUNDLED_PLAN, PROJECT_ROOT, SETTINGS_FILE

SECRET_KEYS = frozenset({"smtp_password", "admin_password", "secret_key", "imap_password"})


class SettingsError(Exception):
    pass


class _TomlSource(PydanticBaseSettingsSource):
    """Values of the settings file; refuses secrets, which belong in the environment."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data: dict[str, Any] = {}
        if path.is_file():
            with path.open("rb") as handle:
                self.data = tomllib.load(handle)
        leaked = SECRET_KEYS & self.data.keys()
        if leaked:
            raise SettingsError(
                t(
                    "settings.invalid",
                    source=path,
                    field=", ".join(sorted(leaked)),
                    message="chỉ được đặt qua biến môi trường",
                )
            )

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self.data.items() if v != "" and k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUTYFLOW_", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str = ""
    plan: Path = BUNDLED_PLAN
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    mail_from: str = ""
    portal_url: str = "http://127.0.0.1:8000"
    admin_password: SecretStr = SecretStr("")
    """The office's password for the portal's office pages; empty: the office pages are closed."""
    secret_key: SecretStr = SecretStr("")
    """Derives the units' portal links; empty: a random key kept in data_dir/secret.key."""
    max_upload_mb: float = Field(default=10, gt=0)
    max_submissions_per_day: int = Field(default=20, ge=1)
    batch_size: int = Field(default=50, ge=1)
    """Up to this many units, one task run per unit; above it, batches of this many units."""
    retry_delay_seconds: float = Field(default=10, ge=0)
    """First delay of the exponential backoff when a message could not be handed to the server."""
    claim_lease_minutes: float = Field(default=15, ge=0)
    """A claimed message whose delivery was not confirmed is re-sent after this long."""

    imap_host: str = ""
    """The office's mailbox, read for reports sent by email; empty: email intake is off."""
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_security: Literal["none", "starttls", "ssl"] = "ssl"
    imap_user: str = ""
    imap_password: SecretStr = SecretStr("")
    imap_folder: str = "INBOX"
    imap_processed_folder: str = "dutyflow-da-xu-ly"
    imap_review_folder: str = "dutyflow-can-xem-xet"
    imap_cafile: Path | None = None
    """Certificate authorities to trust for the IMAP server; empty: the system's."""
    imap_max_per_sender_per_day: int = Field(default=20, ge=1)

    @field_validator("data_dir", "plan")
    @classmethod
    def _anchor(cls, value: Path) -> Path:
        return value if value.is_absolute() else (PROJECT_ROOT / value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls, SETTINGS_FILE)

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'dutyflow.db'}"


def load_settings(**overrides: Any) -> Settings:
    """Settings from file and environment; `overrides` (tests, the demo) win over both."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise SettingsError(
            t("settings.invalid", source=f"{SETTINGS_FILE} / DUTYFLOW_*", field=field, message=first["msg"])
        ) from exc
