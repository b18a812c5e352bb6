"""The digital signature (ký số) of the consolidated report: sign, place, verify.

Module map:
- `credentials`: the signer's PKCS#12 key, the trust store, the check before signing;
- `token`: the signer's key on a hardware token (PKCS#11), opened for one signature;
- `placement`: where the visible signature goes on the rendered PDF (Decree 30/2020);
- `sign`: a PAdES signature with a visible stamp, optionally timestamped;
- `verify`: who signed, when, unchanged or not, trusted or not;
- `testca`: a throw-away certificate authority for the demo and the tests.

Pure of Prefect and of the store. pyHanko is imported here and nowhere else.
"""

from dutyflow.signing.credentials import (
    LoadedKey,
    SignerKey,
    SigningError,
    TrustStore,
    check_certificate,
    load_signer,
)
from dutyflow.signing.placement import SignaturePlace, find_signature_place
from dutyflow.signing.sign import SignatureBlock, SignedPdf, sign_pdf
from dutyflow.signing.token import TokenKey
from dutyflow.signing.verify import Integrity, SignatureCheck, Verification, describe, verify_pdf

__all__ = [
    "Integrity",
    "LoadedKey",
    "SignatureBlock",
    "SignatureCheck",
    "SignaturePlace",
    "SignedPdf",
    "SignerKey",
    "SigningError",
    "TokenKey",
    "TrustStore",
    "Verification",
    "check_certificate",
    "describe",
    "find_signature_place",
    "load_signer",
    "sign_pdf",
    "verify_pdf",
]
