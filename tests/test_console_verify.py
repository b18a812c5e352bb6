"""The console's check of a signed report: a PDF signed by a test authority's signer (pyHanko) is
uploaded; the page names the signer, says it is unchanged and trusted; a byte changed after signing
is reported; a file that is not signed is said to be unsigned. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pypdf import PdfWriter
from sqlalchemy import Engine

from dutyflow.signing import load_signer
from dutyflow.signing.testca import TestAuthority
from dutyflow.states import AccountRole
from tests.accounts_support import AUDITOR, add_accounts
from tests.conftest import at
from tests.test_console_actions import signed_in
from tests.test_portal import SECRET, Site, open_site

VERIFY = "/van-phong/xac-minh"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes, Path]:
    """A one-page PDF, and the same signed by a test signer; the trust store of its authority."""
    folder = tmp_path_factory.mktemp("verify")
    now = at("2025-05-12", 10)  # the portal's clock (`open_site`): the check is made at the portal's time
    ca = TestAuthority.create(now=now)
    issued = ca.issue_signer("Chu Thị Vinh", "UBND huyện Trùng Khánh", not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30))
    signer = load_signer(ca.write_pkcs12(issued, folder / "ky.p12", "mật khẩu"), "mật khẩu")
    blank = io.BytesIO()
    pages = PdfWriter()
    pages.add_blank_page(595, 842)  # an A4 page
    pages.write(blank)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(blank.getvalue())), signers.PdfSignatureMetadata(field_name="ChuKy"), signer=signer, output=out)
    return blank.getvalue(), out.getvalue(), ca.write_trust_store(folder / "trust")


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path, signed: tuple[bytes, bytes, Path]) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, trust_store=signed[2]) as site:
        add_accounts(engine, AccountRole.AUDITOR)
        yield site


def verify(site: Site, data: bytes) -> str:
    client, csrf = signed_in(site, AUDITOR)  # reading: any role may check a signature
    answer = client.post(VERIFY, data={"csrf": csrf}, files={"pdf": ("bao-cao-da-ky.pdf", io.BytesIO(data), "application/pdf")})
    assert answer.status_code == 200
    return answer.text.split('id="verification"')[1].split("</div>")[0]


def test_a_signed_report_names_its_signer_unchanged_and_trusted(site: Site, signed: tuple[bytes, bytes, Path]) -> None:
    shown = verify(site, signed[1])
    assert "Chu Thị Vinh" in shown and "UBND huyện Trùng Khánh" in shown
    assert "không bị thay đổi sau khi ký" in shown and "thuộc chuỗi tin cậy" in shown
    assert "Chữ ký hợp lệ" in shown and "bao-cao-da-ky.pdf" in shown


def test_a_byte_changed_after_signing_is_reported(site: Site, signed: tuple[bytes, bytes, Path]) -> None:
    data = bytearray(signed[1])
    at = data.index(b"/MediaBox") + 12
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    shown = verify(site, bytes(data))
    assert "Chữ ký KHÔNG đạt" in shown
    assert "ĐÃ BỊ THAY ĐỔI" in shown or "bị hỏng" in shown


def test_an_unsigned_file_is_said_to_be_unsigned(site: Site, signed: tuple[bytes, bytes, Path]) -> None:
    shown = verify(site, signed[0])
    assert "không có chữ ký số" in shown and "Chữ ký KHÔNG đạt" in shown
