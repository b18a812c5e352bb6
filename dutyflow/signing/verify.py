"""Verify a signed PDF: who signed, when, whether it changed since, whether the chain is trusted.

pyHanko's validator does the cryptography; this module turns its status into the three answers an
office needs, in plain values the CLI and the console print. A file whose bytes were changed so
that it no longer parses is itself an answer ("đã bị thay đổi hoặc hỏng"), never a traceback.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from dutyflow.messages import t
from dutyflow.signing.credentials import SigningError, TrustStore, certificate_holder


class Integrity(StrEnum):
    UNCHANGED = "unchanged"
    """The signed bytes are intact and the signature covers the whole file."""
    APPENDED = "appended"
    """The signed revision is intact, but something was added to the file after it."""
    CHANGED = "changed"
    """The signed bytes were changed."""


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    organisation: str | None
    signed_at: dt.datetime | None
    timestamped_at: dt.datetime | None
    integrity: Integrity
    trusted: bool
    revoked: bool

    @property
    def ok(self) -> bool:
        return self.integrity is Integrity.UNCHANGED and self.trusted


@dataclass(frozen=True)
class Verification:
    file: Path
    signatures: tuple[SignatureCheck, ...]
    readable: bool = True

    @property
    def ok(self) -> bool:
        return self.readable and bool(self.signatures) and all(check.ok for check in self.signatures)


def _integrity(status: PdfSignatureStatus) -> Integrity:
    if not (status.intact and status.valid):
        return Integrity.CHANGED
    if status.coverage is SignatureCoverageLevel.ENTIRE_FILE:
        return Integrity.UNCHANGED
    return Integrity.APPENDED


def verify_pdf(path: Path, trust: TrustStore, *, now: dt.datetime) -> Verification:
    """Every signature of `path`, validated against `trust` at `now`."""
    if not path.is_file():
        raise SigningError(t("signing.verify_missing", path=path))
    try:
        with path.open("rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            checks = []
            for embedded in reader.embedded_signatures:
                status = validate_pdf_signature(embedded, trust.context(moment=now))
                organisation = status.signing_cert.subject.native.get("organization_name")
                timestamp = status.timestamp_validity
                checks.append(
                    SignatureCheck(
                        field=embedded.field_name,
                        signer=certificate_holder(status.signing_cert),
                        organisation=str(organisation) if organisation else None,
                        signed_at=status.signer_reported_dt,
                        timestamped_at=timestamp.timestamp if timestamp is not None else None,
                        integrity=_integrity(status),
                        trusted=status.trusted,
                        revoked=status.revoked,
                    )
                )
    except (PdfReadError, ValueError, KeyError):
        return Verification(path, (), readable=False)
    return Verification(path, tuple(checks))


def describe(verification: Verification, *, tz: dt.tzinfo) -> list[str]:
    """The verification as Vietnamese lines, one block per signature."""
    if not verification.readable:
        return [t("signing.verify.unreadable", file=verification.file.name)]
    if not verification.signatures:
        return [t("signing.verify.unsigned", file=verification.file.name)]
    lines: list[str] = []
    for check in verification.signatures:
        lines.append(t("signing.verify.signer", signer=check.signer, organisation=check.organisation or "—"))
        if check.signed_at is not None:
            lines.append(t("signing.verify.signed_at", time=_when(check.signed_at, tz)))
        if check.timestamped_at is not None:
            lines.append(t("signing.verify.timestamped_at", time=_when(check.timestamped_at, tz)))
        lines.append(t(f"signing.verify.integrity.{check.integrity.value}"))
        if check.revoked:
            lines.append(t("signing.verify.revoked"))
        else:
            lines.append(t("signing.verify.trusted" if check.trusted else "signing.verify.untrusted"))
    return lines


def _when(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return t("signing.when_with_offset", moment=moment.astimezone(tz))
