"""The signer's key and the trust store, and the check a certificate must pass before it signs.

A key comes as a PKCS#12 file (.p12/.pfx) of the organisation or the signer, its password from
the environment, or on a hardware token (`token.TokenKey`, PKCS#11). Either is a `SignerKey`:
opened for the time of one signature. The trust store is a folder of root certificates (.pem, .crt, .cer, .der) and,
optionally, revocation lists (.crl) for offline checking. Before signing, the signer's
certificate is validated at the signing moment against that store: an expired, not yet valid,
revoked, untrusted or wrongly used certificate is refused with a Vietnamese message that says
which and what to do, never a pyHanko traceback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

from dutyflow.messages import t

CERTIFICATE_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})
REQUIRED_KEY_USAGE = frozenset({"digital_signature"})


class SigningError(Exception):
    """Signing is refused or failed; the message is Vietnamese and says what to do."""


def _der_blocks(data: bytes) -> list[bytes]:
    if pem.detect(data):
        return [der for _kind, _headers, der in pem.unarmor(data, multiple=True)]
    return [data]


@dataclass(frozen=True)
class TrustStore:
    """Trusted roots and the revocation lists known offline."""

    roots: tuple[asn1_x509.Certificate, ...]
    crls: tuple[bytes, ...] = ()

    @classmethod
    def from_folder(cls, folder: Path) -> TrustStore:
        if not folder.is_dir():
            raise SigningError(t("signing.trust_store_missing", path=folder))
        roots: list[asn1_x509.Certificate] = []
        crls: list[bytes] = []
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if suffix in CERTIFICATE_SUFFIXES:
                try:
                    roots.extend(asn1_x509.Certificate.load(der) for der in _der_blocks(path.read_bytes()))
                except ValueError as exc:
                    raise SigningError(t("signing.bad_certificate_file", path=path)) from exc
            elif suffix == ".crl":
                crls.extend(_der_blocks(path.read_bytes()))
        if not roots:
            raise SigningError(t("signing.trust_store_empty", path=folder))
        return cls(tuple(roots), tuple(crls))

    def context(self, *, moment: dt.datetime, other_certs: Iterable[asn1_x509.Certificate] = ()) -> ValidationContext:
        """Offline validation at `moment`: these roots, these revocation lists, nothing fetched."""
        return ValidationContext(
            trust_roots=list(self.roots),
            other_certs=list(other_certs),
            crls=list(self.crls),
            moment=moment,
            allow_fetching=False,
            revocation_mode="soft-fail",
        )


class SignerKey(Protocol):
    """A signer's key, opened for the time of one signature (a token's session is closed after)."""

    def open(self) -> AbstractContextManager[Signer]: ...


@dataclass(frozen=True)
class LoadedKey:
    """A key already in memory: a PKCS#12 file read by `load_signer`."""

    signer: Signer

    @contextmanager
    def open(self) -> Iterator[Signer]:
        yield self.signer


def load_signer(path: Path, password: str) -> SimpleSigner:
    """The signer in the PKCS#12 file `path`, opened with `password`."""
    if not path.is_file():
        raise SigningError(t("signing.key_missing", path=path))
    try:
        signer: SimpleSigner = SimpleSigner.load_pkcs12_data(
            path.read_bytes(), other_certs=(), passphrase=password.encode("utf-8")
        )
    except ValueError as exc:
        raise SigningError(t("signing.key_unreadable", path=path)) from exc
    return signer


def certificate_holder(certificate: asn1_x509.Certificate) -> str:
    """The certificate's common name, or its whole subject when it has none."""
    subject = certificate.subject.native
    return str(subject.get("common_name") or certificate.subject.human_friendly)


def check_certificate(signer: Signer, trust: TrustStore, *, moment: dt.datetime) -> None:
    """Refuse, in Vietnamese, a signer certificate that may not sign at `moment`."""
    certificate = signer.signing_cert
    if certificate is None:
        raise SigningError(t("signing.no_certificate"))
    holder = certificate_holder(certificate)
    validator = CertificateValidator(
        certificate,
        intermediate_certs=list(signer.cert_registry),
        validation_context=trust.context(moment=moment),
    )
    try:
        asyncio.run(validator.async_validate_usage(set(REQUIRED_KEY_USAGE)))  # type: ignore[no-untyped-call]
    except cv_errors.ExpiredError as exc:
        raise SigningError(
            t(
                "signing.expired",
                holder=holder,
                until=_when(certificate["tbs_certificate"]["validity"]["not_after"].native, moment.tzinfo),
            )
        ) from exc
    except cv_errors.NotYetValidError as exc:
        raise SigningError(
            t(
                "signing.not_yet_valid",
                holder=holder,
                since=_when(certificate["tbs_certificate"]["validity"]["not_before"].native, moment.tzinfo),
            )
        ) from exc
    except cv_errors.RevokedError as exc:
        raise SigningError(t("signing.revoked", holder=holder)) from exc
    except cv_errors.InvalidCertificateError as exc:
        raise SigningError(t("signing.wrong_usage", holder=holder)) from exc
    except (cv_errors.PathBuildingError, cv_errors.PathValidationError) as exc:
        raise SigningError(t("signing.untrusted", holder=holder)) from exc


def _when(moment: dt.datetime, tz: dt.tzinfo | None) -> str:
    return t("signing.when", moment=moment.astimezone(tz))
