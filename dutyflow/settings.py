"""Settings: a settings file, overridden by DUTYFLOW_* environment variables.

The only module that reads the environment. Secrets are accepted from the environment alone.
The settings file is `DUTYFLOW_SETTINGS` if set, else `config/settings.toml` in the current directory;
relative paths (in the file, the environment or the defaults) are relative to the current directory,
made absolute once when the settings load. A checkout run from its root and an installed package
behave alike (docs/decisions.md, 21).
"""

from __future__ import annotations

import os
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dutyflow.messages import t
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.pydantic_errors import describe

DEFAULT_SETTINGS_FILE = Path("config") / "settings.toml"

SECRET_KEYS = frozenset({"smtp_password", "secret_key", "signing_key_password", "signing_pkcs11_pin", "imap_password"})


class SettingsError(Exception):
    pass


class _TomlSource(PydanticBaseSettingsSource):
    """Values of the settings file; refuses secrets, which belong in the environment."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.data: dict[str, Any] = {}
        if os.environ.get("DUTYFLOW_SETTINGS") and not path.is_file():
            raise SettingsError(t("settings.file_missing", path=path))
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
                    message=t("settings.environment_only"),
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
    trusted_proxy: str = ""
    """Addresses (comma-separated) of the reverse proxy in front of the portal. Only from them are
    X-Forwarded-Proto (https: the office's cookie gets Secure) and X-Forwarded-For (the client a failed
    login is counted against) believed. Empty: no proxy, the headers are ignored."""
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
    signing_key: Path | None = None
    """The PKCS#12 file (.p12/.pfx) that signs the final report; empty: the key is on a token
    (`signing_pkcs11_module`), or there is none and the report is not signed."""
    signing_key_password: SecretStr = SecretStr("")
    # The token's labels come before its module: the module's validator reads them.
    signing_pkcs11_token: str = ""
    """The label of the hardware token that holds the key (with `signing_pkcs11_module`)."""
    signing_pkcs11_key_label: str = ""
    """The label of the signing key on the token."""
    signing_pkcs11_cert_label: str = ""
    """The label of the signer's certificate on the token; empty: the key's label."""
    signing_pkcs11_pin: SecretStr = SecretStr("")
    """The token's user PIN (environment only)."""
    signing_pkcs11_module: Path | None = None
    """The token maker's PKCS#11 module (.so) that signs the final report instead of `signing_key`:
    one or the other (docs/decisions.md, "The signing key may be on a hardware token")."""
    signing_trust_store: Path | None = None
    """A folder of trusted root certificates (and .crl files) for signing and verifying."""
    signing_tsa_url: str = ""
    """An RFC 3161 time-stamping authority; empty: no timestamp."""
    simulated_clock: bool = False
    """The runs act on a simulated clock (the demo): messages are dated at the run's time, not
    at the real moment they are sent. The outbox's claims keep the real clock (decision 11)."""

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

    @field_validator("data_dir", "plan", "signing_key", "signing_pkcs11_module", "signing_trust_store", "imap_cafile")
    @classmethod
    def _anchor(cls, value: Path | None) -> Path | None:
        return None if value is None else value.expanduser().absolute()

    @field_validator("signing_pkcs11_module")
    @classmethod
    def _one_signing_key(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        """A key file or a token, not both; a token needs its label and the key's."""
        if value is None:
            return value
        if info.data.get("signing_key") is not None:
            raise ValueError(t("pkcs11.settings.both_keys"))
        if not info.data.get("signing_pkcs11_token") or not info.data.get("signing_pkcs11_key_label"):
            raise ValueError(t("pkcs11.settings.labels_missing"))
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlSource(settings_cls, settings_file())

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'dutyflow.db'}"


def settings_file() -> Path:
    """The settings file in force: `DUTYFLOW_SETTINGS`, else ./config/settings.toml (absent: defaults)."""
    return Path(os.environ.get("DUTYFLOW_SETTINGS") or DEFAULT_SETTINGS_FILE).expanduser().absolute()


def load_settings(**overrides: Any) -> Settings:
    """Settings from file and environment; `overrides` (tests, the demo) win over both."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        # A rule of Settings itself (its ValueError) is already said in Vietnamese.
        message = str(first["ctx"]["error"]) if first["type"] == "value_error" else describe(first, Settings)
        raise SettingsError(
            t("settings.invalid", source=f"{settings_file()} / DUTYFLOW_*", field=field, message=message)
        ) from exc
