"""The office's mailbox over TLS: implicit TLS and STARTTLS with the server's certificate verified."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dutyflow.mailin.dovecot import ThrowawayDovecot, dovecot_binary
from dutyflow.mailin.mailbox import ImapMailbox
from tests.mailin_support import settings_of


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "imap.pem", folder / "imap.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(cert_path, 0o644)
    os.chmod(key_path, 0o644)  # read by dovecot's own user when the tests run as root; a throw-away key
    return cert_path, key_path


@pytest.fixture(params=["ssl", "starttls"])
def tls_dovecot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is required in CI (Debian package dovecot-imapd)")
        pytest.skip("dovecot is not installed")
    folder = tmp_path_factory.mktemp("tls")
    os.chmod(folder, 0o755)
    cert, key = self_signed(folder)
    with ThrowawayDovecot(cert=cert, key=key, starttls=request.param == "starttls") as account:
        yield account


def test_it_reads_over_tls_trusting_the_given_authority(tls_dovecot) -> None:  # type: ignore[no-untyped-def]
    with ImapMailbox(settings_of(tls_dovecot)) as box:
        box.append(b"From: a@xa-a.example\r\nSubject: thu\r\nMessage-ID: <tls@x>\r\n\r\nnoi dung\r\n")
        [listed] = box.messages(None)
        assert b"<tls@x>" in listed.headers and b"noi dung" in box.raw(listed.uid)


def test_it_refuses_a_certificate_it_cannot_verify(tls_dovecot) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ssl.SSLCertVerificationError), ImapMailbox(settings_of(tls_dovecot, cafile=None)):
        pass


def test_it_refuses_a_certificate_for_another_name(tls_dovecot) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ssl.SSLCertVerificationError), ImapMailbox(settings_of(tls_dovecot, host="localhost")):
        pass
