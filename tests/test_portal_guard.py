"""The portal under a hostile or careless client: the body is capped and the link checked before
the body is read, parsing never blocks other requests, failed office logins are throttled and
audited, the cookie is Secure behind a trusted TLS proxy, every answer carries anti-framing headers,
and even an unexpected error is a Vietnamese page."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from dutyflow.intake import Limits
from dutyflow.portal.throttle import LOGIN_FAILED
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, SubmissionRow
from tests.accounts_support import STAFF, credentials
from tests.browser import live_server
from tests.filling import filled_workbook
from tests.test_portal import Site, login, open_site, upload

FRAMING = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, raise_server_exceptions=False) as opened:
        yield opened


# --------------------------------------------------------------------------- the body


class Sender:
    """An ASGI client that feeds the body in chunks and counts how much the app asked for."""

    PART = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'

    def __init__(self, chunks: int, chunk: bytes) -> None:
        self.left, self.chunk, self.pulled = chunks, chunk, 0
        self.status = 0
        self.body = b""

    async def receive(self) -> dict[str, Any]:
        self.pulled += 1
        self.left -= 1
        body = self.PART + self.chunk if self.pulled == 1 else self.chunk  # a file part that never ends
        return {"type": "http.request", "body": body, "more_body": self.left > 0}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")


def post(site: Site, path: str, sender: Sender, length: int | None) -> None:
    headers = [(b"content-type", b"multipart/form-data; boundary=xyz")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(site.client.app(scope, sender.receive, sender.send))  # type: ignore[arg-type]


def test_a_60_mb_upload_is_refused_before_a_byte_of_it_is_read(site: Site) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    sender = Sender(60, b"\0" * 1024 * 1024)
    post(site, f"/u/{site.token('xa-a')}/nop/{obligation.id}", sender, 60 * 1024 * 1024)
    assert (sender.status, sender.pulled) == (413, 0)
    assert "Dữ liệu gửi lên quá lớn" in sender.body.decode()


def test_an_upload_with_a_forged_link_is_refused_before_it_is_read(site: Site) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    sender = Sender(1, b"\0" * 1024 * 1024)
    post(site, f"/u/{'A' * 43}/nop/{obligation.id}", sender, 1024 * 1024)
    assert (sender.status, sender.pulled) == (404, 0)
    other = site.obligation("xa-b", "bao-cao-6-thang")
    post(site, f"/u/{site.token('xa-a')}/nop/{other.id}", sender, 1024 * 1024)
    assert (sender.status, sender.pulled) == (403, 0)


def test_a_body_streamed_without_a_length_is_stopped_at_the_limit(site: Site) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    sender = Sender(60, b"\0" * 1024 * 1024)
    post(site, f"/u/{site.token('xa-a')}/nop/{obligation.id}", sender, None)
    assert sender.status == 413 and sender.pulled <= 3  # limit 2 MB + framing: the third megabyte stops it


def test_150_form_fields_of_1_mb_are_refused_at_the_whole_requests_limit(site: Site) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    fields = {f"PL1__X{i}": "a" * (1024 * 1024) for i in range(150)}
    response = site.client.post(f"/u/{site.token('xa-a')}/nhap/{obligation.id}", data=fields)
    assert response.status_code == 413 and "Dữ liệu gửi lên quá lớn" in response.text
    one = site.client.post(f"/u/{site.token('xa-a')}/nhap/{obligation.id}", data={"PL1__G12": "1" * 200_000})
    assert one.status_code == 400 and "Yêu cầu không hợp lệ" in one.text  # a field above its own limit


# --------------------------------------------------------------------------- the event loop


SST = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def shared_strings_workbook(data: bytes, count: int) -> bytes:
    """The workbook with a table of `count` distinct shared strings, which every reader loads when it
    opens the file: legal (well within every zip limit), and as slow to open as an upload gets."""
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(count))
    table = f'<sst xmlns="{SST}" count="{count}" uniqueCount="{count}">'.encode() + strings + b"</sst>"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                body = body.replace(b"</Types>", override.encode() + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                rel = f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                body = body.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            copy.writestr(info.filename, body)
        copy.writestr("xl/sharedStrings.xml", table)
    return out.getvalue()


def test_healthz_answers_within_200_ms_while_the_heaviest_legal_upload_is_parsed(
    engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    limits = Limits(max_bytes=10 * 1024 * 1024, max_per_day=5)
    with open_site(engine, mini_plan_path, tmp_path, limits=limits) as site:
        obligation = site.obligation("xa-a", "bao-cao-6-thang")
        heavy = shared_strings_workbook(filled_workbook(site.target("xa-a", "bao-cao-6-thang")), 700_000)
        assert len(heavy) < limits.max_bytes
        token = site.token("xa-a")
        with live_server(site.client.app) as base, httpx.Client(base_url=base, timeout=60) as client:
            client.get("/healthz")
            outcome: list[httpx.Response] = []

            def send() -> None:
                with httpx.Client(base_url=base, timeout=120) as uploader:
                    outcome.append(
                        uploader.post(f"/u/{token}/nop/{obligation.id}", files={"file": ("bao-cao.xlsx", heavy)})
                    )

            thread = threading.Thread(target=send)
            thread.start()
            time.sleep(0.3)  # let the upload reach the parser (not a deadline: the polls below measure)
            polls: list[Poll] = []
            while thread.is_alive():
                wall, cpu = time.perf_counter(), time.process_time()
                assert client.get("/healthz").status_code == 200
                polls.append(Poll(time.perf_counter() - wall, time.process_time() - cpu))
                time.sleep(0.02)
            thread.join()
    assert outcome and outcome[0].status_code == 200, outcome[0].text if outcome else "no answer"
    assert len(polls) >= 10, "the upload was parsed too fast to measure anything"
    # A parse on the event loop holds every poll while it runs. On a 2-core machine shared with
    # another test worker, the process's own threads (the uploader encoding 10 MB, the server
    # reading it) can delay one poll now and then; one in fifty, under 2 s, is that, not the parse.
    held = [poll for poll in polls if poll.wall >= 0.2 and not poll.machine_busy]
    assert len(held) <= len(polls) // 50, f"/healthz held by the portal: {held} of {len(polls)} polls"
    portal_polls = [poll for poll in polls if not poll.machine_busy]
    assert portal_polls and max(poll.wall for poll in portal_polls) < 2, max(polls)
    assert sum(poll.wall >= 0.2 for poll in polls) <= len(polls) // 50, "the machine is too busy to tell"


@dataclass(frozen=True, order=True)
class Poll:
    """One /healthz: its wall time, and the processor time this process (server and client) used
    meanwhile. A slow answer while the process hardly ran was the machine's scheduler (other
    programs on a shared machine), not the portal: the parse on the event loop (the bug) or a
    garbage collection of a parse in a thread (decision 28) both spend this process's time."""

    wall: float
    cpu: float

    @property
    def machine_busy(self) -> bool:
        return self.cpu < 0.25 * self.wall


# --------------------------------------------------------------------------- office login


def failures(site: Site) -> int:
    with session_scope(site.engine) as session:
        return session.scalar(select(func.count(AuditEventRow.id)).where(AuditEventRow.action == LOGIN_FAILED)) or 0


def test_five_failed_logins_from_a_client_stop_it_for_fifteen_minutes_and_each_is_audited(site: Site) -> None:
    for _ in range(5):
        assert login(site, "đoán-mò").status_code == 401
    assert failures(site) == 5
    refused = login(site)  # even the right password: the throttle answers before the password is checked
    assert refused.status_code == 429 and "Đăng nhập sai quá nhiều lần" in refused.text
    assert "10:15 ngày 12/05/2025" in refused.text and int(refused.headers["retry-after"]) == 15 * 60
    assert failures(site) == 5  # a refused attempt is not a new failure: the lock does not extend itself
    site.clock.now += dt.timedelta(minutes=14, seconds=59)
    assert login(site).status_code == 429
    site.clock.now += dt.timedelta(seconds=1)
    assert login(site).status_code == 303


def test_two_hundred_guesses_get_five_tries(site: Site) -> None:
    answers = [login(site, f"đoán-{i}").status_code for i in range(200)]
    assert answers.count(401) == 5 and answers.count(429) == 195
    assert failures(site) == 5
    with session_scope(site.engine) as session:
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == LOGIN_FAILED)).first()
        assert event is not None and event.code == STAFF and event.actor == "client:testclient"


def test_failures_spread_over_many_clients_lock_the_account(
    engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    with open_site(engine, mini_plan_path, tmp_path, trusted_proxy="testclient") as site:
        for i in range(20):
            forwarded = {"X-Forwarded-For": f"10.0.0.{i}"}
            answer = site.client.post("/van-phong/dang-nhap", data=credentials(password="sai"), headers=forwarded)
            assert answer.status_code == 401
        fresh = {"X-Forwarded-For": "10.0.1.1"}
        locked = site.client.post("/van-phong/dang-nhap", data=credentials(), headers=fresh)
        assert locked.status_code == 429
        with session_scope(site.engine) as session:
            clients = session.scalars(select(AuditEventRow.actor).where(AuditEventRow.action == LOGIN_FAILED)).all()
        assert len(set(clients)) == 20


# --------------------------------------------------------------------------- cookie and headers


def session_cookie(response: httpx.Response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and "dutyflow_office" in v)


def test_the_session_cookie_is_secure_behind_a_trusted_tls_proxy_only(
    engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    tls = {"X-Forwarded-Proto": "https"}
    with open_site(engine, mini_plan_path, tmp_path, trusted_proxy="testclient") as site:
        behind = site.client.post(
            "/van-phong/dang-nhap", data=credentials(), headers=tls, follow_redirects=False
        )
        assert behind.status_code == 303 and "secure" in session_cookie(behind).lower()
        plain = site.client.post("/van-phong/dang-nhap", data=credentials(), follow_redirects=False)
        assert "secure" not in session_cookie(plain).lower()
        cookie = session_cookie(behind).lower()
        assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_forwarded_proto_from_an_untrusted_client_is_ignored(site: Site) -> None:
    forged = site.client.post(
        "/van-phong/dang-nhap",
        data=credentials(),
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.9.9"},
        follow_redirects=False,
    )
    assert forged.status_code == 303 and "secure" not in session_cookie(forged).lower()
    for _ in range(5):
        site.client.post("/van-phong/dang-nhap", data=credentials(password="sai"), headers={"X-Forwarded-For": "10.9.9.9"})
    assert login(site).status_code == 429  # counted against the real client, whatever the header says


def test_every_answer_forbids_framing_and_leaking_the_link(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    answers = [
        site.client.get(f"/u/{token}"),
        site.client.get(f"/u/{token}/bieu-mau/{obligation.id}.xlsx"),
        site.client.get("/u/khong-co"),
        site.client.put(f"/u/{token}"),
        site.client.get("/healthz"),
        upload(site, token, obligation.id, b"not a workbook"),
    ]
    for answer in answers:
        for name, value in FRAMING.items():
            assert answer.headers.get(name) == value, (answer.request.url, name)
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_an_unexpected_error_is_a_vietnamese_page_that_says_nothing_internal(site: Site) -> None:
    def boom() -> None:
        raise RuntimeError("secret detail: /srv/dutyflow/data")

    site.client.app.add_api_route("/hong", boom)  # type: ignore[attr-defined]
    response = site.client.get("/hong")
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
    assert "Hệ thống gặp sự cố" in response.text and "không có gì bị thay đổi" in response.text
    assert "secret" not in response.text and "RuntimeError" not in response.text and "Traceback" not in response.text
    assert response.headers["x-frame-options"] == "DENY"


def test_the_web_form_of_a_report_without_forms_refuses_an_empty_post(site: Site) -> None:
    token = site.token("xa-a")
    plan = site.obligation("xa-a", "danh-sach-thang")
    assert site.client.get(f"/u/{token}/nhap/{plan.id}").status_code == 404
    response = site.client.post(f"/u/{token}/nhap/{plan.id}", data={})
    assert response.status_code == 400 and "phải nộp bằng tài liệu" in response.text
    assert "Danh sách hằng tháng" in response.text
    after = site.obligation("xa-a", "danh-sach-thang")
    assert after.state == plan.state and after.next_action_at == plan.next_action_at
    with session_scope(site.engine) as session:
        assert session.scalars(select(SubmissionRow)).all() == []
    assert site.outbox.sent == []
    report = site.obligation("xa-a", "bao-cao-6-thang")
    empty = site.client.post(f"/u/{token}/nhap/{report.id}", data={"PL1__G12": "  ", "PL1__H12": ""})
    assert empty.status_code == 400 and "Chưa nhập ô nào" in empty.text
