"""The console's plan-making tools, through the portal, on SQLite and PostgreSQL: office staff upload
a Kế hoạch and download the draft plan `dutyflow plan draft` writes, with what it could not place
listed on the page; a file of another type, too large, empty or a scan is refused in Vietnamese; the
2025 reorganisation applied to the current plan leads to the plan page's diff (units closed with
their successors, the obligations that pass to them) and is applied only at its confirmation;
leadership and auditors use neither; every change carries its CSRF code."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from docx import Document as DocxDocument
from fastapi.testclient import TestClient
from httpx import Response
from pypdf import PdfWriter
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dutyflow import plan_change, plan_drafting, plan_reforming
from dutyflow.cli import app
from dutyflow.plan import load_plan
from dutyflow.plandraft.document import read_document
from dutyflow.plandraft.rules import load_rules
from dutyflow.reform import reform_plan
from dutyflow.register import REFORM_DAY
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, PlanRow, UnitRow
from tests.accounts_support import AUDITOR, LEADER, STAFF, add_accounts
from tests.test_console_actions import audited, signed_in
from tests.test_plan_draft import SEED
from tests.test_portal import SECRET, Site, open_site

PLAN = "/van-phong/ke-hoach"
DRAFT = PLAN + "/du-thao"
REFORM = PLAN + "/sap-xep"
APPLY = PLAN + "/ap-dung"


def with_trung_khanh_commune(path: Path) -> Path:
    """The mini plan whose xa-a is Trùng Khánh's old Quang Vinh commune (01468, which the 2025 table
    merges into Xã Quang Hán); xa-b keeps a code no register holds."""
    text = path.read_text(encoding="utf-8")
    text = text.replace('name: "UBND xã A"', 'name: "UBND xã Quang Vinh"').replace(
        'gso_code: "00001"', 'gso_code: "01468"'
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    plan = with_trung_khanh_commune(mini_plan_path)
    with open_site(engine, plan, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        add_accounts(engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
        yield site


def post_document(client: TestClient, csrf: str, data: bytes, name: str) -> Response:
    return client.post(DRAFT, data={"csrf": csrf}, files={"document": (name, io.BytesIO(data))})


def changes_made(site: Site) -> int:
    """Audit events of office staff but their signing in."""
    with session_scope(site.engine) as session:
        query = select(func.count(AuditEventRow.id)).where(
            AuditEventRow.actor == STAFF, AuditEventRow.entity != "account"
        )
        return session.scalar(query) or 0


# --------------------------------------------------------------------------- the draft


def seed_document() -> bytes:
    """The bundled plan's seed text (a PDF's printed lines) as an office's .docx: a Word paragraph
    for each of its paragraphs."""
    document = DocxDocument()
    for paragraph in read_document(SEED, load_rules().reading).paragraphs:
        document.add_paragraph(paragraph.text)
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


@pytest.fixture(scope="module")
def seed_docx() -> bytes:
    return seed_document()


def test_staff_draft_the_seeds_docx_and_download_a_plan_that_passes_the_check(
    site: Site, seed_docx: bytes, tmp_path: Path
) -> None:
    client, csrf = signed_in(site, STAFF)
    form = client.get(DRAFT)
    assert form.status_code == 200 and 'name="document"' in form.text and "2 MB" in form.text
    answer = post_document(client, csrf, seed_docx, "Kế hoạch trẻ em 2025.docx")
    assert answer.status_code == 200, answer.text
    assert "Bản nháp đã qua kiểm tra kế hoạch" in answer.text
    assert "Kế hoạch trẻ em 2025.draft.yaml" in answer.text
    link = re.search(r'id="download" href="([^"]+)"', answer.text)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20tr%E1%BA%BB%20em%202025.draft.yaml"
    )
    text = download.content.decode("utf-8")
    assert "«Kế hoạch trẻ em 2025.docx»" in text  # the draft names the document it was read from
    written = tmp_path / "draft.yaml"
    written.write_bytes(download.content)
    plan = load_plan(written)  # what `plan check` accepts
    assert plan.plan.year == 2025 and len(plan.indicators) == 33
    # what the drafter could not place: listed on the page as at the end of the file
    count = int(re.search(r"chưa xử lý \((\d+)\)", text).group(1))  # type: ignore[union-attr]
    assert f"Những câu bản nháp chưa xếp được vào kế hoạch ({count})" in answer.text
    unplaced = answer.text.split('id="unplaced"')[1]
    assert unplaced.count("<li>") == count
    assert changes_made(site) == 0  # nothing loaded
    with session_scope(site.engine) as session:
        assert session.scalar(select(func.count(PlanRow.id))) == 1


def test_the_console_drafts_what_the_cli_drafts(site: Site, seed_docx: bytes, tmp_path: Path) -> None:
    document = tmp_path / "ke-hoach.docx"
    document.write_bytes(seed_docx)
    result = CliRunner().invoke(app, ["plan", "draft", str(document)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    client, csrf = signed_in(site, STAFF)
    answer = post_document(client, csrf, seed_docx, "ke-hoach.docx")
    link = re.search(r'id="download" href="([^"]+)"', answer.text)
    assert link is not None and link.group(1).endswith("/ke-hoach.draft.yaml")
    assert client.get(link.group(1)).content == (tmp_path / "ke-hoach.draft.yaml").read_bytes()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "bao-cao.xlsx",
            b"PK\x03\x04 not a plan",
            "không đọc được loại tệp «.xlsx»; cần tệp .docx, .pdf (có lớp chữ) hoặc .txt",
        ),
        ("ke-hoach", b"KE HOACH", "không đọc được loại tệp «(không có)»"),
        ("ke-hoach.txt", b"", "Tệp ke-hoach.txt rỗng: không có gì để đọc"),
        ("ke-hoach.docx", b"PK\x03\x04 broken", "Tệp ke-hoach.docx không phải tệp Word .docx hợp lệ"),
        ("ke-hoach.txt", "Kế hoạch".encode("utf-16"), "Tệp ke-hoach.txt không phải văn bản UTF-8"),
        ("ke-hoach.txt", b"x" * (2 * 1024 * 1024 + 1), "Tệp ke-hoach.txt (2 MB) lớn hơn giới hạn 2 MB"),
    ],
)
def test_a_file_the_drafter_cannot_read_is_refused_in_vietnamese(
    site: Site, name: str, data: bytes, expected: str
) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = post_document(client, csrf, data, name)
    assert answer.status_code == 422
    assert expected in answer.text and 'role="alert"' in answer.text
    assert "/tmp" not in answer.text and 'id="download"' not in answer.text


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("C:\\Users\\vanthu\\Kế hoạch 2025.docx", "Kế hoạch 2025.docx"),
        ("../../etc/ke-hoach.txt", "ke-hoach.txt"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("  ke-hoach  ", "ke-hoach"),
    ],
)
def test_a_documents_name_loses_its_folders_and_keeps_its_ending(given: str, kept: str) -> None:
    assert plan_drafting.document_name(given) == kept


def test_a_scanned_pdf_without_a_text_layer_is_refused_with_what_to_do(site: Site) -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    scan = io.BytesIO()
    writer.write(scan)
    client, csrf = signed_in(site, STAFF)
    answer = post_document(client, csrf, scan.getvalue(), "ke-hoach-scan.pdf")
    assert answer.status_code == 422
    assert "Tệp ke-hoach-scan.pdf (3 trang) là bản chụp, không có lớp chữ" in answer.text
    assert "nhận dạng chữ (OCR)" in answer.text


def test_a_body_larger_than_an_upload_is_refused_before_it_is_read(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = post_document(client, csrf, b"x" * (3 * 1024 * 1024), "ke-hoach.txt")
    assert answer.status_code == 413
    assert "Dữ liệu gửi lên quá lớn" in answer.text and "Traceback" not in answer.text


def test_a_draft_that_is_not_kept_is_answered_in_vietnamese(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    for sha in ("0" * 64, "khong-phai-ma"):
        answer = client.get(f"{DRAFT}/{sha}/ke-hoach.draft.yaml")
        assert answer.status_code == 404 and "Không tìm thấy bản nháp này" in answer.text


# --------------------------------------------------------------------------- the reform


def sha_of(page: str) -> str:
    found = re.search(r'name="sha256" value="([0-9a-f]{64})"', page)
    assert found is not None
    return found.group(1)


def test_the_reform_of_the_current_plan_shows_closings_and_successors_then_applies(
    site: Site, mini_plan_path: Path
) -> None:
    client, csrf = signed_in(site, STAFF)
    form = client.get(REFORM)
    assert form.status_code == 200 and 'name="on" value="2025-07-01"' in form.text
    assert f'href="{REFORM}"' in client.get(PLAN).text and f'href="{DRAFT}"' in client.get(PLAN).text
    preview = client.post(REFORM, data={"csrf": csrf, "on": ""})
    assert preview.status_code == 200, preview.text
    reform = preview.text.split('id="reform"')[1].split("</section>")[0]
    assert "Sắp xếp đơn vị hành chính từ ngày 01/07/2025" in reform
    assert "đóng 1 đơn vị, mở 1 đơn vị mới" in reform
    assert "xa-a đóng từ ngày 01/07/2025, chuyển cho xa-quang-han" in reform
    assert "Không đổi «xa-b»: mã «00002» không có trong danh mục" in reform  # as `plan reform` lists it
    assert "chú thích của tệp gốc" not in preview.text  # the loaded file itself was reformed
    diff = preview.text.split('id="diff"')[1]
    assert "closes: 2025-07-01; successor_code: xa-quang-han" in diff
    assert "<td>thêm</td><td>xa-quang-han</td>" in diff
    passed = re.findall(r"<td>rút lại</td><td>(xa-a/[^<]+)</td><td></td><td>chuyển cho xa-quang-han</td>", diff)
    created = re.findall(r"<td>thêm</td><td>xa-quang-han/([^<]+)</td>", diff)
    assert passed and sorted(p.removeprefix("xa-a/") for p in passed) == sorted(created)
    with session_scope(site.engine) as session:  # shown, not done
        assert session.scalar(select(UnitRow).where(UnitRow.code == "xa-quang-han")) is None
    assert changes_made(site) == 0
    name = re.search(r'name="name" value="([^"]+)"', preview.text)
    assert name is not None and name.group(1) == "mini-plan-sap-xep-20250701.yaml"
    # the file to load is offered for download too: what `plan reform` writes, comments kept
    link = re.search(r'id="reform-download" href="([^"]+)"', preview.text)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200 and "mini-plan-sap-xep-20250701.yaml" in download.headers["content-disposition"]
    assert download.content.decode("utf-8") == reform_plan(mini_plan_path, REFORM_DAY).text
    assert download.content == (site.root / "uploads" / sha_of(preview.text)[:2] / sha_of(preview.text)).read_bytes()
    done = client.post(APPLY, data={"csrf": csrf, "sha256": sha_of(preview.text), "name": name.group(1)})
    assert done.status_code == 200 and 'id="done"' in done.text
    with session_scope(site.engine) as session:
        old = session.scalars(select(UnitRow).where(UnitRow.code == "xa-a")).one()
        new = session.scalars(select(UnitRow).where(UnitRow.code == "xa-quang-han")).one()
        assert (str(old.closes), old.successor_code) == ("2025-07-01", "xa-quang-han")
        assert (str(new.opens), new.gso_code, new.name) == ("2025-07-01", "01456", "UBND xã Quang Hán")
    assert ("xa-quang-han", STAFF, None) in audited(site, "created")
    assert {code for code, actor, _ in audited(site, "withdrawn") if actor == STAFF} == set(passed)
    # reformed again, the plan now loaded has nothing left to close
    again = client.post(REFORM, data={"csrf": csrf, "on": "01/07/2025"})
    assert again.status_code == 200 and "Không có đơn vị nào cần ghi sắp xếp từ ngày 01/07/2025" in again.text
    assert 'name="sha256"' not in again.text


def test_a_plan_file_changed_since_it_was_loaded_is_reformed_from_the_stored_plan(
    site: Site, mini_plan_path: Path
) -> None:
    mini_plan_path.write_text("# sửa sau khi nạp\n" + mini_plan_path.read_text(encoding="utf-8"), encoding="utf-8")
    client, csrf = signed_in(site, STAFF)
    preview = client.post(REFORM, data={"csrf": csrf, "on": "2025-07-01"})
    assert preview.status_code == 200
    assert "các chú thích của tệp gốc không còn" in preview.text
    assert "xa-a đóng từ ngày 01/07/2025, chuyển cho xa-quang-han" in preview.text
    kept = site.root / "uploads"
    reformed = next(p for p in kept.rglob(sha_of(preview.text)))
    assert "# sửa sau khi nạp" not in reformed.read_text(encoding="utf-8")  # the changed file was not used
    assert yaml.safe_load(reformed.read_text(encoding="utf-8"))["plan"]["code"] == site.plan.plan.code


def test_a_plan_loaded_by_the_plan_page_is_reformed_from_the_file_it_kept(site: Site, mini_plan_path: Path) -> None:
    text = mini_plan_path.read_text(encoding="utf-8").replace("hoàn cảnh đặc biệt", "hoàn cảnh khó khăn")
    kept = plan_change.keep_upload(FileStore(site.root / "uploads"), (text + "# nạp từ trang Văn phòng\n").encode())
    assert kept.plan is not None
    plan_change.apply(site.engine, kept.plan, kept.path, now=site.clock(), actor=STAFF)
    current = plan_reforming.current_plan_file(site.engine, FileStore(site.root / "uploads"))
    assert (current.name, current.from_file) == ("mini-2025.yaml", True)
    assert current.text.endswith("# nạp từ trang Văn phòng\n")
    client, csrf = signed_in(site, STAFF)
    preview = client.post(REFORM, data={"csrf": csrf, "on": "2025-07-01"})
    assert preview.status_code == 200 and 'name="name" value="mini-2025-sap-xep-20250701.yaml"' in preview.text


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("31/02/2025", "«Ngày sắp xếp có hiệu lực»: «31/02/2025» không phải là ngày hợp lệ"),
        ("2025-06-30", "có hiệu lực từ ngày 01/07/2025; ngày «2025-06-30» trước ngày đó"),
    ],
)
def test_a_bad_reform_day_is_refused_on_the_form(site: Site, on: str, expected: str) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = client.post(REFORM, data={"csrf": csrf, "on": on})
    assert answer.status_code == 422 and expected in answer.text and 'role="alert"' in answer.text
    assert 'name="sha256"' not in answer.text


def test_a_plan_the_table_cannot_convert_lists_its_units_and_offers_nothing_to_load(
    engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    text = mini_plan_path.read_text(encoding="utf-8")
    mini_plan_path.write_text(text.replace('    gso_code: "00001"\n', ""), encoding="utf-8")
    with open_site(engine, mini_plan_path, tmp_path) as site:
        client, csrf = signed_in(site, STAFF)
        answer = client.post(REFORM, data={"csrf": csrf, "on": "2025-07-01"})
    assert answer.status_code == 200
    assert "Không có đơn vị nào cần ghi sắp xếp từ ngày 01/07/2025" in answer.text
    skipped = answer.text.split('id="skipped"')[1]
    assert "Không đổi «xa-a»: không có mã đơn vị hành chính (gso_code)" in skipped
    assert "Không đổi «xa-b»: mã «00002» không có trong danh mục" in skipped
    assert 'name="sha256"' not in answer.text


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("name", [LEADER, AUDITOR])
def test_leadership_and_auditors_cannot_use_the_plan_tools(site: Site, seed_docx: bytes, name: str) -> None:
    staff, staff_csrf = signed_in(site, STAFF)
    drafted = post_document(staff, staff_csrf, seed_docx, "ke-hoach.docx")
    link = re.search(r'id="download" href="([^"]+)"', drafted.text)
    assert link is not None
    client, csrf = signed_in(site, name)
    for path in (DRAFT, REFORM, link.group(1)):
        answer = client.get(path)
        assert answer.status_code == 403 and "chỉ được xem" in answer.text, path
    assert post_document(client, csrf, seed_docx, "ke-hoach.docx").status_code == 403
    assert client.post(REFORM, data={"csrf": csrf, "on": "2025-07-01"}).status_code == 403
    for path in ("/van-phong/tong-quan", PLAN):
        assert f'href="{DRAFT}"' not in client.get(path).text


def test_a_forged_or_missing_csrf_code_is_refused(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    for data in ({"csrf": "giả"}, {}):
        assert client.post(REFORM, data=data | {"on": "2025-07-01"}).status_code == 403
        answer = client.post(DRAFT, data=data, files={"document": ("ke-hoach.txt", io.BytesIO(b"KE HOACH"))})
        assert answer.status_code == 403
    assert client.post(REFORM, data={"on": "2025-07-01"}).text.count("thiếu mã chống giả mạo") == 1
    assert changes_made(site) == 0
