"""The digital signature of the report: signed, verified, placed where Decree 30/2020 puts it.

A test certificate authority is made here (root, intermediate, signers valid, expired, not yet
valid, revoked, not for signing); the report is the real DOCX rendered by LibreOffice. pyHanko's
own validator judges every signature.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from pyhanko.sign.timestamps import DummyTimeStamper
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.report.build import ReportFiles
from dutyflow.signing import (
    Integrity,
    SignatureBlock,
    SigningError,
    TrustStore,
    find_signature_place,
    load_signer,
    sign_pdf,
    verify_pdf,
)
from dutyflow.signing.testca import TEST_MARK, Issued, TestAuthority
from tests.test_report_pdf import require

ICT = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime.now(ICT).replace(microsecond=0)
BLOCK = SignatureBlock("Chu Thị Vinh", "PHÓ CHỦ TỊCH", "UBND huyện Trùng Khánh", "Trùng Khánh")
PASSWORD = "mật khẩu thử"


@dataclass
class Setup:
    ca: TestAuthority
    folder: Path
    report: Path
    trust: TrustStore

    def key(self, issued: Issued, name: str) -> Path:
        return self.ca.write_pkcs12(issued, self.folder / f"{name}.p12", PASSWORD)

    def signer(self, name: str = "valid", **validity: dt.datetime) -> Issued:
        return self.ca.issue_signer(
            BLOCK.signer_name,
            BLOCK.organisation,
            not_before=validity.get("not_before", NOW - dt.timedelta(days=30)),
            not_after=validity.get("not_after", NOW + dt.timedelta(days=365)),
        )

    def sign(self, issued: Issued, target: Path, **extra: object) -> Path:
        signer = load_signer(self.key(issued, target.stem), PASSWORD)
        sign_pdf(
            self.report,
            target,
            signer=signer,
            trust=self.trust,
            block=BLOCK,
            signed_at=dt.datetime.now(ICT),
            font_cache=self.folder / "fonts",
            **extra,  # type: ignore[arg-type]
        )
        return target


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, final_report: ReportFiles) -> Iterator[Setup]:
    """The session's final report (tests/reports.py), left as it is: every signature is a new file."""
    folder = tmp_path_factory.mktemp("signing")
    assert final_report.pdf is not None
    ca = TestAuthority.create(now=NOW)
    yield Setup(ca, folder, final_report.pdf, TrustStore.from_folder(ca.write_trust_store(folder / "trust")))


def test_a_signed_report_verifies_with_pyhanko(setup: Setup, tmp_path: Path) -> None:
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")
    verification = verify_pdf(signed, setup.trust, now=dt.datetime.now(ICT))
    assert verification.ok
    (check,) = verification.signatures
    assert check.signer == f"{BLOCK.signer_name} ({TEST_MARK})"
    assert check.organisation == f"{BLOCK.organisation} ({TEST_MARK})"
    assert check.integrity is Integrity.UNCHANGED and check.trusted
    assert check.signed_at is not None and abs(check.signed_at - dt.datetime.now(ICT)) < dt.timedelta(minutes=5)
    # The signed revision is the original file, byte for byte: the signature is an incremental update.
    assert signed.read_bytes().startswith(setup.report.read_bytes())


def test_the_visible_signature_stands_between_the_title_and_the_name(setup: Setup, tmp_path: Path) -> None:
    pdftoppm = require("pdftoppm")
    place = find_signature_place(setup.report, signer_name=BLOCK.signer_name, signer_title=BLOCK.signer_title)
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")

    def render(pdf: Path, stem: str) -> Image.Image:
        page = place.page + 1
        out = tmp_path / stem
        subprocess.run(
            [pdftoppm, "-png", "-r", "72", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out)],
            check=True,
            timeout=60,
        )
        return Image.open(out.with_suffix(".png")).convert("L")

    before, after = render(setup.report, "before"), render(signed, "after")
    height = before.height
    x1, y1, x2, y2 = place.box  # PDF points, origin bottom left; 72 dpi makes one point one pixel
    region = (x1, height - y2, x2, height - y1)

    def dark(image: Image.Image, box: tuple[int, int, int, int]) -> int:
        return sum(1 for value in image.crop(box).get_flattened_data() if value < 128)  # type: ignore[operator]

    assert dark(before, region) == 0, "the signature place is blank before signing"
    assert dark(after, region) > 150, "the stamp's three lines are drawn there after signing"
    # Nothing else on the page moved.
    outside_top = (0, 0, before.width, height - y2 - 1)
    outside_bottom = (0, height - y1 + 1, before.width, height)
    assert dark(after, outside_top) == dark(before, outside_top)
    assert dark(after, outside_bottom) == dark(before, outside_bottom)
    # The place is in the signature column, on the page of the signer's name, under the title.
    assert x1 > before.width / 2 - 40
    lines = subprocess.run(
        ["pdftotext", "-f", str(place.page + 1), "-l", str(place.page + 1), "-layout", str(signed), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")
    title_at, stamp_at, name_at = (lines.index(s) for s in ("PHÓ CHỦ TỊCH", "Ký bởi: Chu Thị Vinh", "Chu Thị Vinh\n"))
    assert title_at < stamp_at < name_at
    assert "Cơ quan: UBND huyện Trùng Khánh" in lines and "Thời gian ký: " in lines


def _first_stream_offset(data: bytes) -> int:
    return data.index(b"stream", data.index(b"/Length")) + 60


def test_a_byte_changed_after_signing_is_detected(setup: Setup, tmp_path: Path) -> None:
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")
    data = bytearray(signed.read_bytes())
    offset = _first_stream_offset(bytes(data))
    data[offset] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    verification = verify_pdf(tampered, setup.trust, now=dt.datetime.now(ICT))
    assert not verification.ok
    (check,) = verification.signatures
    assert check.integrity is Integrity.CHANGED


def test_content_appended_after_signing_is_reported(setup: Setup, tmp_path: Path) -> None:
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(signed.read_bytes() + b"\n% added after signing\n")
    (check,) = verify_pdf(appended, setup.trust, now=dt.datetime.now(ICT)).signatures
    assert check.integrity is Integrity.APPENDED


def test_an_unknown_root_is_not_trusted(setup: Setup, tmp_path: Path) -> None:
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")
    stranger = TestAuthority.create(now=NOW)
    other = TrustStore.from_folder(stranger.write_trust_store(tmp_path / "other-trust"))
    verification = verify_pdf(signed, other, now=dt.datetime.now(ICT))
    (check,) = verification.signatures
    assert check.integrity is Integrity.UNCHANGED and not check.trusted and not verification.ok


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("expired", "đã hết hạn"),
        ("not_yet_valid", "chỉ có hiệu lực từ"),
        ("revoked", "đã bị thu hồi"),
        ("not_for_signing", "không dùng để ký số"),
        ("other_authority", "không thuộc chuỗi tin cậy"),
    ],
)
def test_signing_refuses_a_certificate_that_may_not_sign(
    setup: Setup, tmp_path: Path, case: str, expected: str
) -> None:
    trust = setup.trust
    if case == "expired":
        issued = setup.signer(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=1))
    elif case == "not_yet_valid":
        issued = setup.signer(not_before=NOW + dt.timedelta(days=2), not_after=NOW + dt.timedelta(days=400))
    elif case == "revoked":
        issued = setup.signer()
        setup.ca.revoke(issued, at=NOW - dt.timedelta(hours=1))
        folder = setup.ca.write_trust_store(tmp_path / "trust-with-crl")
        (folder / "trung-gian.crl").write_bytes(setup.ca.crl(now=NOW - dt.timedelta(minutes=30)))
        trust = TrustStore.from_folder(folder)
    elif case == "not_for_signing":
        issued = setup.ca.issue_signer(
            BLOCK.signer_name,
            BLOCK.organisation,
            not_before=NOW - dt.timedelta(days=1),
            not_after=NOW + dt.timedelta(days=30),
            for_signing=False,
        )
    else:
        issued = TestAuthority.create(now=NOW).issue_signer(
            BLOCK.signer_name,
            BLOCK.organisation,
            not_before=NOW - dt.timedelta(days=1),
            not_after=NOW + dt.timedelta(days=30),
        )
    target = tmp_path / "refused.pdf"
    with pytest.raises(SigningError, match=expected):
        sign_pdf(
            setup.report,
            target,
            signer=load_signer(setup.key(issued, case), PASSWORD),
            trust=trust,
            block=BLOCK,
            signed_at=dt.datetime.now(ICT),
            font_cache=tmp_path / "fonts",
        )
    assert not target.exists()


def test_a_wrong_password_is_named(setup: Setup, tmp_path: Path) -> None:
    path = setup.key(setup.signer(), "wrong-password")
    with pytest.raises(SigningError, match="sai mật khẩu"):
        load_signer(path, "không phải mật khẩu này")


def test_a_timestamped_signature_reports_its_timestamp(setup: Setup, tmp_path: Path) -> None:
    tsa = setup.ca.issue_timestamp_authority(
        not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30)
    )
    timestamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            tsa.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
        certs_to_embed=[
            asn1_x509.Certificate.load(setup.ca.intermediate.certificate.public_bytes(serialization.Encoding.DER))
        ],
    )
    signed = setup.sign(setup.signer(), tmp_path / "timestamped.pdf", timestamper=timestamper)
    verification = verify_pdf(signed, setup.trust, now=dt.datetime.now(ICT))
    (check,) = verification.signatures
    assert verification.ok
    assert check.timestamped_at is not None and abs(check.timestamped_at - dt.datetime.now(ICT)) < dt.timedelta(
        minutes=5
    )


def test_report_verify_prints_the_signer_and_unchanged(setup: Setup, tmp_path: Path) -> None:
    signed = setup.sign(setup.signer(), tmp_path / "signed.pdf")
    runner = CliRunner()
    result = runner.invoke(
        app, ["report", "verify", str(signed), "--trust", str(setup.ca.write_trust_store(tmp_path / "t"))]
    )
    assert result.exit_code == 0, result.output
    assert f"Người ký: {BLOCK.signer_name} ({TEST_MARK})" in result.output
    assert "không bị thay đổi" in result.output
    assert "thuộc chuỗi tin cậy" in result.output

    data = bytearray(signed.read_bytes())
    data[_first_stream_offset(bytes(data))] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    result = runner.invoke(app, ["report", "verify", str(tampered), "--trust", str(tmp_path / "t")])
    assert result.exit_code == 1
    assert "ĐÃ BỊ THAY ĐỔI" in result.output
    assert "Traceback" not in result.output


def test_report_verify_names_an_unsigned_or_missing_file(setup: Setup, tmp_path: Path) -> None:
    runner = CliRunner()
    trust = str(setup.ca.write_trust_store(tmp_path / "t"))
    unsigned = runner.invoke(app, ["report", "verify", str(setup.report), "--trust", trust])
    assert unsigned.exit_code == 1 and "không có chữ ký số" in unsigned.output
    missing = runner.invoke(app, ["report", "verify", str(tmp_path / "khong-co.pdf"), "--trust", trust])
    assert missing.exit_code == 1 and "Không tìm thấy tệp" in missing.output
