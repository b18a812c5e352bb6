"""The signer's key on a hardware token, through its PKCS#11 module (the `.so` its maker ships).

Opened only for the time of one signature: `TokenKey.open()` loads the module, finds the token by
its label, logs in with the PIN (from the environment), finds the key and its certificate by
their labels, and closes the session afterwards, so a console that signs twice holds no session
between. Every certificate on the token is read too: a token issued by a public CA usually holds
the intermediate certificate the check before signing needs.

pyHanko does the signing (`pyhanko.sign.pkcs11`, over python-pkcs11). What it gets wrong for an
office: every failure is one `PKCS11Error` in English, with a wrong PIN, an absent module and a
missing token told apart only by class or text. Here each becomes a Vietnamese `SigningError`
that says which setting to check. Some tokens (SoftHSM among them) cannot hash and sign an ECDSA
signature in one step; for those the hash is made here and the token signs it ("raw" ECDSA).

PKCS#11 keeps one login per process and token, and closing a logged-in session logs every
session out: two signatures at once in one process (the console's threads) would refuse or break
each other, so a process signs with a token one signature at a time (`_ONE_AT_A_TIME`).

The module is imported on first use: only an office that signs with a token loads the C library.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dutyflow.messages import t
from dutyflow.signing.credentials import SigningError

if TYPE_CHECKING:
    from pyhanko.sign.pkcs11 import PKCS11Signer

_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class TokenKey:
    """Where the key is: the module, the token's label, the key's (and certificate's) label."""

    module: Path
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    cert_label: str = ""
    """Empty: the certificate has the key's label."""

    @contextmanager
    def open(self) -> Iterator[PKCS11Signer]:
        """A signer on the token, logged in, for the time of the `with` block."""
        with _ONE_AT_A_TIME:
            yield from self._open()

    def _open(self) -> Iterator[PKCS11Signer]:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        if not self.module.is_file():
            raise SigningError(t("pkcs11.module_missing", path=self.module))
        try:
            pkcs11.lib(str(self.module))
        except pkcs11.PKCS11Error as exc:
            raise SigningError(t("pkcs11.module_unloadable", path=self.module)) from exc
        try:
            session = open_pkcs11_session(
                str(self.module), token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin
            )
        except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange) as exc:
            raise SigningError(t("pkcs11.pin_wrong", token=self.token_label)) from exc
        except (pkcs11.PinLocked, pkcs11.PinExpired) as exc:
            raise SigningError(t("pkcs11.pin_locked", token=self.token_label)) from exc
        except pkcs11.PKCS11Error as exc:
            raise SigningError(t("pkcs11.token_missing", token=self.token_label, path=self.module)) from exc
        try:
            signer = PKCS11Signer(
                session,
                key_label=self.key_label,
                cert_label=self.cert_label or self.key_label,
                other_certs_to_pull=None,
            )
            try:
                certificate = signer.signing_cert  # loads the key handle and the certificates now
            except pkcs11.PKCS11Error as exc:
                raise SigningError(
                    t(
                        "pkcs11.key_missing",
                        token=self.token_label,
                        key=self.key_label,
                        certificate=self.cert_label or self.key_label,
                    )
                ) from exc
            # The report is signed with SHA-256 (`sign`): a token without ECDSA-with-SHA-256 is given the hash.
            if certificate.public_key.algorithm == "ec" and pkcs11.Mechanism.ECDSA_SHA256 not in set(
                session.token.slot.get_mechanisms()
            ):
                signer.use_raw_mechanism = True
            try:
                yield signer
            except pkcs11.PKCS11Error as exc:
                raise SigningError(t("pkcs11.sign_failed", token=self.token_label, error=type(exc).__name__)) from exc
        finally:
            session.close()
