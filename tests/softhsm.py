"""A real software token for the tests: SoftHSM2 (Debian package `softhsm2`), through PKCS#11.

Each test gets its own token: a throw-away SOFTHSM2_CONF and token folder under its tmp_path, a
token initialised with `softhsm2-util`, the signer's key imported with `softhsm2-util --import`
and the certificates written with python-pkcs11 (softhsm2-util imports keys only). SoftHSM reads
SOFTHSM2_CONF when the module is initialised, which python-pkcs11 does once per process: the
fixture unloads the module before and after, so the next test's configuration is read.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, CertificateType, ObjectClass

from dutyflow.signing.testca import Issued
from tests.ci import unavailable

MODULES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/local/lib/softhsm/libsofthsm2.so"),
)
TOKEN_LABEL = "dutyflow-thu-nghiem"
PIN = "246810"
SO_PIN = "13579111"
KEY_LABEL = "ky-so-lanh-dao"


@dataclass(frozen=True)
class SoftToken:
    module: Path
    label: str
    pin: str
    folder: Path
    util: str

    def put(self, issued: Issued, chain: Iterable[x509.Certificate] = (), *, label: str = KEY_LABEL) -> None:
        """The signer's key and certificate under `label` (one ID), and the chain's certificates."""
        key_file = self.folder / f"{label}.pem"
        key_file.write_bytes(
            issued.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_file.chmod(0o600)
        subprocess.run(
            [self.util, "--import", str(key_file), "--token", self.label, "--label", label, "--id", "01", "--pin", self.pin],
            check=True,
            capture_output=True,
            timeout=60,
        )
        key_file.unlink()
        token = pkcs11.lib(str(self.module)).get_token(token_label=self.label)
        with token.open(rw=True, user_pin=self.pin) as session:
            certificates = [(label, b"\x01", issued.certificate)]
            certificates += [(f"ca-{n}", bytes([n + 2]), c) for n, c in enumerate(chain)]
            for cert_label, cert_id, certificate in certificates:
                session.create_object(
                    {
                        Attribute.CLASS: ObjectClass.CERTIFICATE,
                        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                        Attribute.TOKEN: True,
                        Attribute.LABEL: cert_label,
                        Attribute.ID: cert_id,
                        Attribute.SUBJECT: certificate.subject.public_bytes(),
                        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                    }
                )


@pytest.fixture
def soft_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftToken]:
    """An initialised, empty token in a configuration of this test's own (SOFTHSM2_CONF)."""
    util = shutil.which("softhsm2-util")
    module = next((path for path in MODULES if path.is_file()), None)
    if util is None or module is None:
        unavailable("softhsm2 is not installed (apt-get install softhsm2)")
    folder = tmp_path / "softhsm"
    (folder / "tokens").mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n", encoding="utf-8"
    )
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    pkcs11.unload(str(module))  # initialised by an earlier test, it would still read that test's configuration
    subprocess.run(
        [util, "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
        timeout=60,
    )
    yield SoftToken(module, TOKEN_LABEL, PIN, folder, util)
    pkcs11.unload(str(module))
