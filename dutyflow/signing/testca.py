"""A throw-away certificate authority for the demo and the tests: never for real documents.

It makes what a Vietnamese public CA issues to an organisation, in miniature: a root, an
intermediate and signer certificates (digitalSignature + nonRepudiation), a certificate
revocation list, and the signer's key and chain as a password-protected PKCS#12 file, the form
in which a signer's key reaches dutyflow. Every name it writes says "THỬ NGHIỆM" (test), so a
document signed with it can never be mistaken for an issued one.

Built with `cryptography` (already a dependency of pyHanko). Times are parameters: a caller asks
for a certificate valid from `not_before` to `not_after`, so the tests make expired and
not-yet-valid certificates without waiting for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dutyflow.messages import t

TEST_MARK = t("signing.test_mark")
"""Added to every name this module writes."""
CRL_URL = "http://crl.dutyflow.example/ca-trung-gian-thu-nghiem.crl"
"""Where signer certificates say their revocation list is (an .example host: never fetched; the
trust store holds the list). A certificate that names no list is never checked against one."""


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class TestAuthority:
    __test__ = False  # a certificate authority, not a pytest test class

    """A root and an intermediate; issues signer certificates and revokes them."""

    root: Issued
    intermediate: Issued
    revoked: list[tuple[int, dt.datetime]] = field(default_factory=list)

    @classmethod
    def create(cls, *, now: dt.datetime, years: int = 10) -> TestAuthority:
        start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=365 * years)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(t("signing.test_root", mark=TEST_MARK), f"dutyflow ({TEST_MARK})")
        root = Issued(
            _builder(root_name, root_name, root_key.public_key(), start, end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()),
            root_key,
        )
        inter_key = ec.generate_private_key(ec.SECP256R1())
        inter_name = _name(t("signing.test_intermediate", mark=TEST_MARK), f"dutyflow ({TEST_MARK})")
        intermediate = Issued(
            _builder(inter_name, root_name, inter_key.public_key(), start, end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()),
            inter_key,
        )
        return cls(root, intermediate)

    def issue_signer(
        self,
        common_name: str,
        organisation: str,
        *,
        not_before: dt.datetime,
        not_after: dt.datetime,
        email: str | None = None,
        for_signing: bool = True,
    ) -> Issued:
        """A signer's certificate, named with the test mark, valid from `not_before` to `not_after`.

        `for_signing=False` makes a certificate for key encipherment only, which may not sign.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(f"{common_name} ({TEST_MARK})", f"{organisation} ({TEST_MARK})")
        builder = (
            _builder(subject, self.intermediate.certificate.subject, key.public_key(), not_before, not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=for_signing,
                    content_commitment=for_signing,
                    key_encipherment=not for_signing,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate.key.public_key()),
                critical=False,
            )
        )
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(CRL_URL)], None, None, None)]
            ),
            critical=False,
        )
        if email:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
        return Issued(builder.sign(self.intermediate.key, hashes.SHA256()), key)

    def issue_timestamp_authority(self, *, not_before: dt.datetime, not_after: dt.datetime) -> Issued:
        """A time-stamping authority's certificate (RFC 3161), RSA as pyHanko's local authority needs."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = _name(f"TSA {TEST_MARK} dutyflow", f"dutyflow ({TEST_MARK})")
        certificate = (
            _builder(subject, self.intermediate.certificate.subject, key.public_key(), not_before, not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate.key.public_key()),
                critical=False,
            )
            .sign(self.intermediate.key, hashes.SHA256())
        )
        return Issued(certificate, key)

    def revoke(self, issued: Issued, *, at: dt.datetime) -> None:
        self.revoked.append((issued.certificate.serial_number, at))

    def crl(self, *, now: dt.datetime) -> bytes:
        """The intermediate's revocation list (DER), valid for a week from `now`."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.intermediate.certificate.subject)
            .last_update(now)
            .next_update(now + dt.timedelta(days=7))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.intermediate.key.public_key()),
                critical=False,
            )
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
        )
        for serial, at in self.revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        return builder.sign(self.intermediate.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def write_pkcs12(self, issued: Issued, path: Path, password: str) -> Path:
        """The signer's key, certificate and chain as a PKCS#12 file protected by `password`."""
        data = pkcs12.serialize_key_and_certificates(
            name=issued.certificate.subject.rfc4514_string().encode("utf-8"),
            key=issued.key,
            cert=issued.certificate,
            cas=[self.intermediate.certificate, self.root.certificate],
            encryption_algorithm=serialization.BestAvailableEncryption(password.encode("utf-8")),
        )
        path.write_bytes(data)
        path.chmod(0o600)
        return path

    def write_trust_store(self, folder: Path) -> Path:
        """A trust store folder holding only this authority's root (PEM)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ca-goc-thu-nghiem.pem").write_bytes(self.root.pem())
        return folder


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
