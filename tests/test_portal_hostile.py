"""A corpus of hostile and careless requests and files, each sent to the portal on SQLite and on
PostgreSQL. Every one gets a Vietnamese HTML page (or the redirect to the login page), never a
500, JSON or English, and leaves the store exactly as it was: every table's rows, the kept files
and the outbox are compared before and after each request.

One portal per backend serves the whole corpus (a request that changed the store would show in
its own comparison). Office log-in failures are left out: each one is, rightly, an audit event
(tests/test_portal_guard.py).
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.models import Base, SubmissionRow
from tests.accounts_support import STAFF, credentials
from tests.ci import unavailable
from tests.conftest import MINI_PLAN, PG_URL, _migrated_sqlite, _new_schema, _postgres_available
from tests.filling import filled_workbook, web_entries
from tests.test_forms_corpus import PDF, doctype, docx_bytes, good, password_protected, rezip, zeros_member
from tests.test_portal import Site, open_site

ENGLISH = re.compile(
    r"detail|not found|method not allowed|internal server error|bad request|unprocessable|traceback|"
    r"field required|there was an error|too many|exceeded|maximum",
    re.IGNORECASE,
)
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


# --------------------------------------------------------------------------- one portal per backend


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One migrated store per backend for the whole module, made as the `engine` fixture makes its
    own: every hostile request is checked to leave it unchanged."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("hostile") / "store.db"
        shutil.copyfile(_migrated_sqlite(), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    if not _postgres_available():
        unavailable(f"PostgreSQL not reachable at {PG_URL}")
    with _new_schema() as engine:
        upgrade(engine)
        yield engine


@dataclass
class Portal:
    site: Site
    office: TestClient
    csrf: str
    a: str
    """xa-a's link."""
    b: str
    """xa-b's link."""
    report: int
    """xa-a's 6-month report (forms)."""
    report_b: int
    """xa-b's 6-month report."""
    listing: int
    """xa-a's monthly list (no forms: a document)."""
    submission: int
    """xa-b's accepted report."""
    workbook: bytes
    """A good workbook for xa-a's report."""

    @property
    def client(self) -> TestClient:
        return self.site.client

    def upload(self, token: str, obligation: int, data: bytes, name: str = "bao-cao.xlsx") -> httpx.Response:
        return self.client.post(f"/u/{token}/nop/{obligation}", files={"file": (name, io.BytesIO(data))})


@pytest.fixture(scope="module")
def portal(store: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    root = tmp_path_factory.mktemp("portal")
    plan_path = root / "mini-plan.yaml"
    shutil.copy(MINI_PLAN, plan_path)
    with open_site(store, plan_path, root, raise_server_exceptions=False) as site:
        report_b = site.obligation("xa-b", "bao-cao-6-thang").id
        b = site.token("xa-b")
        accepted = site.client.post(
            f"/u/{b}/nop/{report_b}",
            files={"file": ("b.xlsx", filled_workbook(site.target("xa-b", "bao-cao-6-thang")))},
        )
        assert accepted.status_code == 200, accepted.text
        office = TestClient(site.client.app, raise_server_exceptions=False)
        assert office.post("/van-phong/dang-nhap", data=credentials()).status_code == 200
        page = office.get("/van-phong/bao-cao").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf is not None
        with session_scope(store) as session:
            submission = session.scalars(select(SubmissionRow.id)).one()
        yield Portal(
            site=site,
            office=office,
            csrf=csrf.group(1),
            a=site.token("xa-a"),
            b=b,
            report=site.obligation("xa-a", "bao-cao-6-thang").id,
            report_b=report_b,
            listing=site.obligation("xa-a", "danh-sach-thang").id,
            submission=submission,
            workbook=filled_workbook(site.target("xa-a", "bao-cao-6-thang")),
        )


def fingerprint(portal: Portal) -> str:
    """Every row of every table, the kept files and the messages sent."""
    digest = hashlib.sha256()
    with session_scope(portal.site.engine) as session:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in session.execute(select(table)).all())
            digest.update(f"{table.name}:{len(rows)}:{rows}".encode())
    files = sorted(str(p.relative_to(portal.site.root)) for p in (portal.site.root / "uploads").rglob("*"))
    digest.update(repr(files).encode())
    digest.update(str(len(portal.site.outbox.sent)).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- the corpus

Send = Callable[[Portal], httpx.Response]


@dataclass(frozen=True)
class Case:
    send: Send
    status: int
    words: tuple[str, ...] = ()


def get(path: Callable[[Portal], str], **options: object) -> Send:
    return lambda p: p.client.get(path(p), **options)  # type: ignore[arg-type]


def raw(method: str, path: Callable[[Portal], str], **options: object) -> Send:
    return lambda p: p.client.request(method, path(p), **options)  # type: ignore[arg-type]


def upload(data: Callable[[Portal], bytes], name: str = "bao-cao.xlsx", to: str = "report") -> Send:
    return lambda p: p.upload(p.a, getattr(p, to), data(p), name)


def office(method: str, path: Callable[[Portal], str], **data: object) -> Send:
    def send(p: Portal) -> httpx.Response:
        form = {k: (p.csrf if v is CSRF else v) for k, v in data.items()}
        return p.office.request(method, path(p), data=form, follow_redirects=False)

    return send


CSRF = object()
"""Stands for the office's valid CSRF token in a form."""

FORGED = "A" * 43
HUGE = 9223372036854775808
NOT_FOUND = ("Không tìm thấy trang",)
LINK = ("Đường dẫn không đúng", "vanthu@vp.thunghiem.example")
METHOD = ("Thao tác không được hỗ trợ",)
TOO_LARGE = ("Dữ liệu gửi lên quá lớn",)
BAD = ("Yêu cầu không hợp lệ",)
NOT_XLSX = ("không phải bảng tính Excel",)
NOT_RECORDED = ("chưa được ghi nhận",)


def csv(_: Portal) -> bytes:
    return "Mã,Số liệu\nCT01,12\n".encode()


def encrypted_workbook(p: Portal) -> bytes:
    return password_protected(lambda: p.workbook)()


def encrypted_docx(_: Portal) -> bytes:
    return password_protected(docx_bytes)()


def docm(_: Portal) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))
        copy.writestr("word/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()


def many_fields(count: int, size: int) -> Send:
    return lambda p: p.client.post(f"/u/{p.a}/nhap/{p.report}", data={f"PL1__X{i}": "a" * size for i in range(count)})


CORPUS: dict[str, Case] = {
    # ------------------------------------------------------------------ links and paths
    "forged link": Case(get(lambda p: f"/u/{FORGED}"), 404, LINK),
    "link of 300 characters": Case(get(lambda p: "/u/" + "x" * 300), 404, LINK),
    "link holding a NUL byte": Case(get(lambda p: "/u/%00"), 404, LINK),
    "link in fullwidth letters": Case(get(lambda p: "/u/ＡＢＣＤ"), 404, LINK),
    "link as overlong UTF-8": Case(get(lambda p: "/u/%C0%AE%C0%AE"), 404, LINK),
    "link with a right-to-left override": Case(get(lambda p: f"/u/{p.a}\u202e"), 404, LINK),
    "link one letter off": Case(get(lambda p: f"/u/{p.a[:-1]}{'B' if p.a[-1] != 'B' else 'C'}"), 404, LINK),
    "path traversal after /u/": Case(get(lambda p: "/u/..%2F..%2Fetc%2Fpasswd"), 404, NOT_FOUND),
    "unknown path": Case(get(lambda p: "/wp-admin/setup.php"), 404, NOT_FOUND),
    "/u/ alone": Case(get(lambda p: "/u/"), 404, NOT_FOUND),
    "unknown office page": Case(get(lambda p: "/van-phong/cau-hinh"), 404, NOT_FOUND),
    "forged link with a huge header": Case(get(lambda p: f"/u/{FORGED}", headers={"X-Junk": "a" * 60_000}), 404, LINK),
    "link with a query string bomb": Case(get(lambda p: f"/u/{FORGED}?" + "a=1&" * 5000), 404, LINK),
    # ------------------------------------------------------------------ ids
    "form id above 64 bits": Case(get(lambda p: f"/u/{p.a}/bieu-mau/{HUGE}.xlsx"), 404, NOT_FOUND),
    "form id above 32 bits": Case(get(lambda p: f"/u/{p.a}/bieu-mau/2147483648.xlsx"), 404, NOT_FOUND),
    "form id zero": Case(get(lambda p: f"/u/{p.a}/bieu-mau/0.xlsx"), 404, NOT_FOUND),
    "form id negative": Case(get(lambda p: f"/u/{p.a}/bieu-mau/-1.xlsx"), 404, NOT_FOUND),
    "form id in letters": Case(get(lambda p: f"/u/{p.a}/bieu-mau/abc.xlsx"), 404, NOT_FOUND),
    "form id in exponent notation": Case(get(lambda p: f"/u/{p.a}/bieu-mau/1e3.xlsx"), 404, NOT_FOUND),
    "form id that names nothing": Case(
        get(lambda p: f"/u/{p.a}/bieu-mau/999999.xlsx"), 404, ("Không tìm thấy báo cáo",)
    ),
    "another unit's form": Case(get(lambda p: f"/u/{p.a}/bieu-mau/{p.report_b}.xlsx"), 403, ("không thuộc đơn vị",)),
    "form of a report without forms": Case(
        get(lambda p: f"/u/{p.a}/bieu-mau/{p.listing}.xlsx"), 404, ("không có biểu mẫu",)
    ),
    "web form id above 64 bits": Case(get(lambda p: f"/u/{p.a}/nhap/{HUGE}"), 404, NOT_FOUND),
    "another unit's web form": Case(get(lambda p: f"/u/{p.a}/nhap/{p.report_b}"), 403, ("không thuộc đơn vị",)),
    "web form of a report without forms": Case(
        get(lambda p: f"/u/{p.a}/nhap/{p.listing}"), 404, ("không có biểu mẫu",)
    ),
    "web form page with a forged link": Case(get(lambda p: f"/u/{FORGED}/nhap/{p.report}"), 404, LINK),
    # ------------------------------------------------------------------ methods
    "PUT on a unit's page": Case(raw("PUT", lambda p: f"/u/{p.a}"), 405, METHOD),
    "DELETE on a unit's page": Case(raw("DELETE", lambda p: f"/u/{p.a}"), 405, METHOD),
    "PATCH on an upload": Case(raw("PATCH", lambda p: f"/u/{p.a}/nop/{p.report}"), 405, METHOD),
    "GET on an upload": Case(get(lambda p: f"/u/{p.a}/nop/{p.report}"), 405, METHOD),
    "OPTIONS on the office": Case(raw("OPTIONS", lambda p: "/van-phong"), 405, METHOD),
    "DELETE on a decision": Case(raw("DELETE", lambda p: f"/van-phong/bao-cao/{p.submission}/chap-nhan"), 405, METHOD),
    "HEAD on a forged link": Case(raw("HEAD", lambda p: f"/u/{FORGED}"), 404),
    "HEAD on a unit's page": Case(raw("HEAD", lambda p: f"/u/{p.a}"), 200),
    "HEAD on a form id above 64 bits": Case(raw("HEAD", lambda p: f"/u/{p.a}/bieu-mau/{HUGE}.xlsx"), 404),
    "TRACE on the login": Case(raw("TRACE", lambda p: "/van-phong/dang-nhap"), 405, METHOD),
    # ------------------------------------------------------------------ uploads refused before reading
    "upload with a forged link": Case(lambda p: p.upload(FORGED, p.report, p.workbook), 404, LINK),
    "3 MB upload with a forged link": Case(
        lambda p: p.upload(FORGED, p.report, bytes(3 * 1024 * 1024)), 413, TOO_LARGE
    ),
    "3 MB upload": Case(upload(lambda p: bytes(3 * 1024 * 1024)), 413, TOO_LARGE),
    "upload for another unit's report": Case(lambda p: p.upload(p.a, p.report_b, p.workbook), 403, ("không thuộc",)),
    "upload id above 64 bits": Case(lambda p: p.upload(p.a, HUGE, p.workbook), 404, NOT_FOUND),
    "upload id zero": Case(lambda p: p.upload(p.a, 0, p.workbook), 404, NOT_FOUND),
    # ------------------------------------------------------------------ uploads without a file
    "upload without a file field": Case(
        lambda p: p.client.post(f"/u/{p.a}/nop/{p.report}", data={"x": "1"}), 400, ("Chưa chọn tệp",)
    ),
    "upload with the file as text": Case(
        lambda p: p.client.post(f"/u/{p.a}/nop/{p.report}", data={"file": "abc"}), 400, ("Chưa chọn tệp",)
    ),
    "upload of an empty file": Case(upload(lambda p: b""), 400, ("Chưa chọn tệp",)),
    "upload of two files": Case(
        lambda p: p.client.post(
            f"/u/{p.a}/nop/{p.report}", files=[("file", ("a.xlsx", p.workbook)), ("file", ("b.xlsx", p.workbook))]
        ),
        400,
        BAD,
    ),
    "upload as JSON": Case(
        lambda p: p.client.post(f"/u/{p.a}/nop/{p.report}", json={"file": "UEsDBA=="}), 400, ("Chưa chọn tệp",)
    ),
    "upload as plain text": Case(
        lambda p: p.client.post(
            f"/u/{p.a}/nop/{p.report}", content=b"PK\x03\x04", headers={"content-type": "text/plain"}
        ),
        400,
        ("Chưa chọn tệp",),
    ),
    "upload with a broken multipart body": Case(
        lambda p: p.client.post(
            f"/u/{p.a}/nop/{p.report}",
            content=b"garbage",
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        ),
        400,
        BAD,
    ),
    "upload with a multipart body without boundary": Case(
        lambda p: p.client.post(
            f"/u/{p.a}/nop/{p.report}", content=b"--\r\n", headers={"content-type": "multipart/form-data"}
        ),
        400,
        BAD,
    ),
    # ------------------------------------------------------------------ files that are not the report
    "CSV as .xlsx": Case(upload(csv), 415, NOT_XLSX + NOT_RECORDED),
    "PDF for a report with forms": Case(upload(lambda p: PDF, "bao-cao.pdf"), 415, ("biểu mẫu Excel",)),
    ".docx renamed .xlsx": Case(upload(lambda p: docx_bytes()), 415, ("biểu mẫu Excel",)),
    "zip bomb as .xlsx": Case(upload(lambda p: zeros_member("xl/worksheets/sheet9.xml", 60)()), 415, ("giải nén",)),
    "over-compressed member": Case(upload(lambda p: zeros_member("xl/media/zeros.bin", 20)()), 415, ("tỷ lệ",)),
    "password-protected zip as .xlsx": Case(upload(encrypted_workbook), 415, ("mã hóa", "gỡ mật khẩu")),
    "password-protected zip as .docx": Case(upload(encrypted_docx, "ke-hoach.docx", "listing"), 415, ("mã hóa",)),
    "OLE file (encrypted Office or .xls)": Case(
        upload(lambda p: bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)), 415, ("mật khẩu",)
    ),
    ".xlsm with macros": Case(upload(lambda p: rezip(add={"xl/vbaProject.bin": b"\x00" * 64})()), 415, ("macro",)),
    ".docx with macros": Case(upload(docm, "ke-hoach.docx", "listing"), 415, ("macro",)),
    "XML entity declarations": Case(
        upload(lambda p: rezip(replace={"xl/workbook.xml": doctype(good())})()), 415, ("DOCTYPE",)
    ),
    "an executable as a document": Case(
        upload(lambda p: b"MZ\x90\x00" + bytes(200), "ke-hoach.pdf", "listing"), 415, ("chương trình",)
    ),
    "a workbook as the monthly list": Case(
        upload(lambda p: p.workbook, "danh-sach.docx", "listing"), 415, ("bảng tính Excel",)
    ),
    "truncated PDF as the monthly list": Case(
        upload(lambda p: PDF[:-7] + bytes(100), "ds.pdf", "listing"), 415, ("không hoàn chỉnh",)
    ),
    "path traversal in a file name": Case(upload(csv, "../../../../etc/cron.d/x.xlsx"), 415, NOT_XLSX),
    "NUL byte in a file name": Case(upload(csv, "bao\x00cao.xlsx"), 415, NOT_XLSX),
    "file name of 10,000 characters": Case(upload(csv, "a" * 10_000 + ".xlsx"), 400, BAD),
    "file name with a right-to-left override": Case(upload(csv, "bao-cao\u202excod.exe"), 415, NOT_XLSX),
    "file name with HTML": Case(upload(csv, "<img src=x onerror=alert(1)>.xlsx"), 415, NOT_XLSX),
    # ------------------------------------------------------------------ the web form
    "empty web form for a report without forms": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/{p.listing}", data={}), 400, ("phải nộp bằng tài liệu",)
    ),
    "figures posted for a report without forms": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/{p.listing}", data={"PL1__G12": "5"}), 400, ("phải nộp bằng tài liệu",)
    ),
    "empty web form": Case(lambda p: p.client.post(f"/u/{p.a}/nhap/{p.report}", data={}), 400, ("Chưa nhập ô nào",)),
    "web form of blanks": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/{p.report}", data={"PL1__G12": "  ", "PL1__H12": "\t"}),
        400,
        ("Chưa nhập ô nào",),
    ),
    "web form for a form the report has not": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/{p.report}", data={"PL9__G12": "5"}), 400, ("Chưa nhập ô nào",)
    ),
    "150 fields of 100 KB": Case(many_fields(150, 100_000), 413, TOO_LARGE),
    "one field of 3 MB": Case(many_fields(1, 3 * 1024 * 1024), 413, TOO_LARGE),
    "one field of 200 KB": Case(many_fields(1, 200_000), 400, BAD),
    "6,000 fields": Case(many_fields(6000, 1), 400, BAD),
    "web form posted with a file": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/{p.report}", data={"PL1__G12": "5"}, files={"f": ("x.xlsx", b"PK")}),
        400,
        BAD,
    ),
    "web form for another unit's report": Case(
        lambda p: p.client.post(
            f"/u/{p.a}/nhap/{p.report_b}", data=web_entries(p.site.target("xa-b", "bao-cao-6-thang"))
        ),
        403,
        ("không thuộc",),
    ),
    "web form with a forged link": Case(
        lambda p: p.client.post(f"/u/{FORGED}/nhap/{p.report}", data={"PL1__G12": "5"}), 404, LINK
    ),
    "web form id above 32 bits": Case(
        lambda p: p.client.post(f"/u/{p.a}/nhap/2147483648", data={"PL1__G12": "5"}), 404, NOT_FOUND
    ),
    # ------------------------------------------------------------------ the office
    "decision without CSRF": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", reason="x"),
        403,
        ("thiếu mã chống giả mạo",),
    ),
    "decision with a forged CSRF": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", csrf="giả", reason="x"),
        403,
        ("Phiên làm việc không hợp lệ",),
    ),
    "decision with a CSRF of 10,000 characters": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", csrf="a" * 10_000, reason="x"),
        403,
        ("Phiên làm việc không hợp lệ",),
    ),
    "return reason holding a NUL byte": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", csrf=CSRF, reason="sai\x00số"),
        400,
        ("ký tự NUL",),
    ),
    "return without a reason": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", csrf=CSRF, reason="   "), 400, ("lý do",)
    ),
    "return reason of 100,000 characters": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/tra-lai", csrf=CSRF, reason="x" * 100_000),
        422,
        ("quá dài",),
    ),
    "accepting an accepted report": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/chap-nhan", csrf=CSRF), 400, ("đã được xử lý",)
    ),
    "decision on an id above 64 bits": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{HUGE}/tra-lai", csrf=CSRF, reason="x"), 404, NOT_FOUND
    ),
    "decision on an unknown submission": Case(
        office("POST", lambda p: "/van-phong/bao-cao/999999/tra-lai", csrf=CSRF, reason="x"),
        404,
        ("Không tìm thấy lần nộp",),
    ),
    "unknown decision": Case(
        office("POST", lambda p: f"/van-phong/bao-cao/{p.submission}/xoa", csrf=CSRF), 404, NOT_FOUND
    ),
    "download of an id above 64 bits": Case(office("GET", lambda p: f"/van-phong/bao-cao/{HUGE}/tep"), 404, NOT_FOUND),
    "download of a submission without a file": Case(
        office("GET", lambda p: "/van-phong/bao-cao/999999/tep"), 404, ("Không tìm thấy lần nộp",)
    ),
    "logout without CSRF": Case(office("POST", lambda p: "/van-phong/dang-xuat"), 403, ("thiếu mã chống giả mạo",)),
    "logout with a forged CSRF": Case(
        office("POST", lambda p: "/van-phong/dang-xuat", csrf="giả"), 403, ("Phiên làm việc không hợp lệ",)
    ),
    "signing the report without CSRF": Case(
        office("POST", lambda p: "/van-phong/bao-cao-tong-hop/ky-so", step="thuc-hien"), 403, ("thiếu mã chống giả mạo",)
    ),
    "issuing the report with a forged CSRF": Case(
        office("POST", lambda p: "/van-phong/bao-cao-tong-hop/phat-hanh", csrf="giả", step="thuc-hien"),
        403,
        ("Phiên làm việc không hợp lệ",),
    ),
    "signing the report with a made-up step": Case(
        office("POST", lambda p: "/van-phong/bao-cao-tong-hop/ky-so", csrf=CSRF, step="xoa"), 422
    ),
    "signing on a portal started without a signing key": Case(
        office("POST", lambda p: "/van-phong/bao-cao-tong-hop/ky-so", csrf=CSRF, step="thuc-hien"),
        503,
        ("DUTYFLOW_SIGNING_KEY_PASSWORD",),
    ),
    "issuing on a portal started without a reports folder": Case(
        office("POST", lambda p: "/van-phong/bao-cao-tong-hop/phat-hanh", csrf=CSRF, step="thuc-hien"),
        503,
        ("chưa được cấu hình thư mục báo cáo",),
    ),
    "login without a password": Case(
        lambda p: p.client.post("/van-phong/dang-nhap", data={"name": STAFF}), 422, ("Thiếu Mật khẩu",)
    ),
    "login with a password of 5,000 characters": Case(
        lambda p: p.client.post("/van-phong/dang-nhap", data={"name": STAFF, "password": "x" * 5000}), 422, ("quá dài",)
    ),
    "login as JSON": Case(
        lambda p: p.client.post("/van-phong/dang-nhap", json=credentials()), 422, ("Thiếu Tên đăng nhập",)
    ),
    "office page with a forged cookie": Case(
        lambda p: p.client.get("/van-phong", cookies={"dutyflow_office": "gia-mao"}, follow_redirects=False), 303
    ),
    "office page with a cookie of 4,000 characters": Case(
        lambda p: p.client.get("/van-phong/bao-cao", cookies={"dutyflow_office": "a" * 4000}, follow_redirects=False),
        303,
    ),
    "a decision without logging in": Case(
        lambda p: p.client.post(
            f"/van-phong/bao-cao/{p.submission}/chap-nhan", data={"csrf": p.csrf}, follow_redirects=False
        ),
        303,
    ),
    "a download without logging in": Case(
        lambda p: p.client.get(f"/van-phong/bao-cao/{p.submission}/tep", follow_redirects=False), 303
    ),
}


def test_the_corpus_holds_at_least_60_hostile_requests() -> None:
    assert len(CORPUS) >= 60


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_hostile_request_gets_a_vietnamese_page_and_changes_nothing(portal: Portal, name: str) -> None:
    case = CORPUS[name]
    before = fingerprint(portal)
    response = case.send(portal)
    assert response.status_code == case.status, response.text[-1500:]
    if 300 <= case.status < 400:
        assert response.headers["location"] == "/van-phong/dang-nhap" and not response.content
    elif response.request.method == "HEAD":
        assert response.headers["content-type"].startswith("text/html")
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="vi">' in response.text
        words = re.sub(r"<[^>]+>", " ", response.text)
        assert VIETNAMESE.search(words) and not ENGLISH.search(words), words[-1500:]
        for word in case.words:
            assert word in response.text, (word, words[-1500:])
    assert fingerprint(portal) == before
