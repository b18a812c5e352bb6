"""What the approval services take and give: the workspace, the signing key, the report's status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypedDict

from sqlalchemy import Engine

from dutyflow.messages import t
from dutyflow.report_lifecycle import ReportAction, allowed
from dutyflow.settings import Settings
from dutyflow.signing import LoadedKey, SignerKey, SigningError, TokenKey, TrustStore, load_signer
from dutyflow.states import NotificationStatus, ReportState
from dutyflow.store.files import FileStore


class ApprovalError(Exception):
    """The step cannot be taken; the message is Vietnamese and says why."""


class Approver(Protocol):
    """The person approving or sending back the report, resolved from an account: the CLI's
    `accounts.approver(...)` (an `Account`) or the console's signed-in `Officer` both fit. The
    services check the account again in the store (see decisions.md, "The report is approved by a
    leadership account")."""

    @property
    def name(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class ApproverView:
    """The account that approved the report, as the status shows it."""

    name: str
    full_name: str
    title: str


@dataclass(frozen=True)
class Workspace:
    """Where the report's versions are kept: the store, its file store, the reports folder."""

    engine: Engine
    files: FileStore
    out_root: Path


@dataclass(frozen=True)
class Signing:
    """The key and trust store that sign the approved report, and the real clock it signs at
    (docs/decisions.md, "Signing happens at real time"). The key is opened for the signature only
    (a token's session is closed after it)."""

    key: SignerKey
    trust: TrustStore
    font_cache: Path
    clock: Callable[[], dt.datetime]
    timestamp_url: str | None = None


def signing_from(
    key: SignerKey | None,
    trust_store: Path | None,
    font_cache: Path,
    clock: Callable[[], dt.datetime],
    timestamp_url: str = "",
) -> Signing:
    if key is None or trust_store is None:
        raise SigningError(t("approval.no_signing_key"))
    return Signing(
        key=key,
        trust=TrustStore.from_folder(trust_store),
        font_cache=font_cache,
        clock=clock,
        timestamp_url=timestamp_url or None,
    )


def signer_key(settings: Settings) -> SignerKey | None:
    """The key the settings name: on a hardware token (PKCS#11), or in a PKCS#12 file (opened
    now, its password from the environment); the settings allow one or the other, not both
    (docs/decisions.md, "The signing key may be on a hardware token")."""
    if settings.signing_pkcs11_module is not None:
        return TokenKey(
            module=settings.signing_pkcs11_module,
            token_label=settings.signing_pkcs11_token,
            key_label=settings.signing_pkcs11_key_label,
            cert_label=settings.signing_pkcs11_cert_label,
            pin=settings.signing_pkcs11_pin.get_secret_value(),
        )
    if settings.signing_key is not None:
        return LoadedKey(load_signer(settings.signing_key, settings.signing_key_password.get_secret_value()))
    return None


def signing_from_settings(settings: Settings, clock: Callable[[], dt.datetime]) -> Signing:
    """The signing key, trust store and time-stamp service the settings name: what the CLI and the
    console both sign with (built for each signing; a token is logged in to only while it signs)."""
    return signing_from(
        signer_key(settings),
        settings.signing_trust_store,
        font_cache=settings.data_dir / "fonts",
        clock=clock,
        timestamp_url=settings.signing_tsa_url,
    )


@dataclass(frozen=True)
class StepView:
    state: ReportState
    version: int
    at: dt.datetime
    actor: str
    comment: str | None


@dataclass(frozen=True)
class DeliveryView:
    recipient: str
    status: NotificationStatus
    sent_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class ReportStatus:
    obligation_id: int
    title: str
    state: ReportState
    version: int
    number: str | None
    signer_name: str | None
    signer_title: str | None
    file: Path
    """The current version's document (PDF, or DOCX without LibreOffice), in the reports folder."""
    last_day: dt.date
    steps: list[StepView]
    deliveries: list[DeliveryView] = field(default_factory=list)
    approver: ApproverView | None = None
    """The account of the last approval, if the report was approved."""

    @property
    def next_actions(self) -> list[ReportAction]:
        return allowed(self.state)


class IssueDetails(TypedDict):
    """What the issued report's email says of it (the addressee is added per message)."""

    number: str
    title: str
    issued_on: dt.date
    signer: str
    """The signer's name."""
    files: list[str]


@dataclass(frozen=True)
class Issued:
    status: ReportStatus
    sent: int
    failures: list[str]


__all__ = [
    "ApprovalError",
    "Approver",
    "ApproverView",
    "DeliveryView",
    "IssueDetails",
    "Issued",
    "ReportStatus",
    "Signing",
    "StepView",
    "Workspace",
    "signer_key",
    "signing_from",
    "signing_from_settings",
]
