"""The portal as units and the office use it: links, downloads, uploads, receipts, returns, security."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow.forms import FormTarget
from dutyflow.intake import Limits
from dutyflow.mail import Address, MemoryTransport
from dutyflow.plan import Plan, load_plan
from dutyflow.portal.app import create_app
from dutyflow.states import AccountRole, ObligationState, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DataValueRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from dutyflow.tokens import current_token, expiry_for, issue
from tests.accounts_support import PASSWORD, add_accounts, credentials
from tests.conftest import ICT, at, build_notifier
from tests.filling import filled_workbook, sensible, web_entries

SECRET = b"test-secret"
OFFICE = Address("Văn phòng HĐND&UBND huyện", "vanthu@vp.thunghiem.example")


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Site:
    def __init__(
        self, engine: Engine, plan: Plan, client: TestClient, clock: Clock, outbox: MemoryTransport, root: Path
    ):
        self.engine, self.plan, self.client, self.clock, self.outbox, self.root = (
            engine,
            plan,
            client,
            clock,
            outbox,
            root,
        )

    def token(self, unit: str) -> str:
        with session_scope(self.engine) as session:
            row = session.scalars(select(UnitRow).where(UnitRow.code == unit)).one()
            return current_token(
                session, SECRET, self.plan.plan.code, row, now=self.clock(), expires_at=expiry_for(2025, ICT)
            )

    def obligation(self, unit: str, deliverable: str) -> ObligationRow:
        with session_scope(self.engine) as session:
            rows = session.scalars(select(ObligationRow).join(UnitRow).where(UnitRow.code == unit)).all()
            return next(r for r in rows if r.deliverable.code == deliverable)

    def target(self, unit: str, deliverable: str) -> FormTarget:
        o = self.obligation(unit, deliverable)
        return FormTarget(self.plan, unit, deliverable, o.period, o.period_label)


@contextmanager
def open_site(engine: Engine, plan_path: Path, root: Path, **options: Any) -> Iterator[Site]:
    """The mini plan loaded and assigned (every unit has its link), and the portal over it on 12/5/2025.
    `options` go to `create_app` (and `raise_server_exceptions` to the client)."""
    plan = load_plan(plan_path)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, plan_path, now=at("2025-04-20"), actor="t")
    add_accounts(engine, AccountRole.OFFICE)
    clock = Clock(at("2025-05-12", 10))
    outbox = MemoryTransport()

    def links(session, unit, now):  # type: ignore[no-untyped-def]
        return f"http://portal.test/u/{current_token(session, SECRET, plan.plan.code, unit, now=now, expires_at=expiry_for(2025, ICT))}"

    notifier = build_notifier(engine, outbox, sender=OFFICE, links=links)
    notifier.assign(
        [u.code for u in notifier.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21")
    )
    outbox.sent.clear()
    raise_server_exceptions = options.pop("raise_server_exceptions", True)
    app = create_app(
        engine,
        FileStore(root / "uploads"),
        notifier=notifier,
        clock=clock,
        limits=options.pop("limits", Limits(max_bytes=2 * 1024 * 1024, max_per_day=5)),
        **options,
    )
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield Site(engine, plan, client, clock, outbox, root)


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path) as opened:
        yield opened


def upload(site: Site, token: str, obligation_id: int, data: bytes, name: str = "bao-cao.xlsx"):
    return site.client.post(f"/u/{token}/nop/{obligation_id}", files={"file": (name, io.BytesIO(data))})


def test_a_unit_sees_its_obligations_and_duties_and_downloads_its_form(site: Site) -> None:
    token = site.token("xa-a")
    page = site.client.get(f"/u/{token}")
    assert page.status_code == 200
    assert "UBND xã A" in page.text and "Báo cáo 6 tháng" in page.text and "Rà soát trẻ em" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    form = site.client.get(f"/u/{token}/bieu-mau/{obligation.id}.xlsx")
    assert form.status_code == 200 and form.content[:2] == b"PK"


def test_a_good_upload_is_accepted_stops_the_chase_and_sends_a_receipt(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    response = upload(site, token, obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    assert response.status_code == 200, response.text
    assert "Biên nhận" in response.text
    after = site.obligation("xa-a", "bao-cao-6-thang")
    assert after.state == ObligationState.ACCEPTED and after.next_action_at is None
    with session_scope(site.engine) as session:
        values = session.scalars(select(DataValueRow)).all()
        assert {(v.row, v.number) for v in values} == {("tre_duoi_5_khai_sinh", 150), ("tre_duoi_5", 200)}
    [receipt] = site.outbox.sent
    assert receipt.subject.startswith("Đã nhận Báo cáo 6 tháng") and "Phụ lục I: 2 ô số liệu" in receipt.text
    assert "http://portal.test/u/" in receipt.text
    # The file is kept under its hash, not under the name the unit gave.
    stored = list((site.root / "uploads").rglob("*"))
    assert all("bao-cao" not in p.name for p in stored) and any(p.is_file() for p in stored)


def test_a_broken_upload_is_returned_with_the_cell_to_fix(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")

    def too_many(form: str, field) -> object:  # type: ignore[no-untyped-def]
        return 300 if field.column_label.startswith("Tử số") else sensible(form, field)

    response = upload(site, token, obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang"), too_many))
    assert response.status_code == 422
    assert "Phụ lục I, ô G12" in response.text
    after = site.obligation("xa-a", "bao-cao-6-thang")
    assert after.state == ObligationState.RETURNED and after.chase_round == 1
    with session_scope(site.engine) as session:
        assert session.scalars(select(DataValueRow)).all() == []
        assert session.scalars(select(SubmissionRow.status)).all() == [SubmissionStatus.RETURNED]
    [returned] = site.outbox.sent
    assert returned.subject.startswith("Đề nghị bổ sung") and "ô G12" in returned.text


def test_the_web_form_validates_the_same_way(site: Site) -> None:
    token = site.token("xa-b")
    obligation = site.obligation("xa-b", "bao-cao-6-thang")
    target = site.target("xa-b", "bao-cao-6-thang")
    assert "G12" in site.client.get(f"/u/{token}/nhap/{obligation.id}").text
    bad = web_entries(target) | {"PL1__G12": "12a"}
    response = site.client.post(f"/u/{token}/nhap/{obligation.id}", data=bad)
    assert response.status_code == 422 and "Phụ lục I, ô G12" in response.text and "12a" in response.text
    good = site.client.post(f"/u/{token}/nhap/{obligation.id}", data=web_entries(target))
    assert good.status_code == 200 and "Biên nhận" in good.text
    assert site.obligation("xa-b", "bao-cao-6-thang").state == ObligationState.ACCEPTED


def test_another_units_token_a_forged_token_and_an_expired_token_are_refused(site: Site) -> None:
    mine = site.obligation("xa-a", "bao-cao-6-thang")
    other = site.token("xa-b")
    data = filled_workbook(site.target("xa-a", "bao-cao-6-thang"))
    assert upload(site, other, mine.id, data).status_code == 403
    assert site.client.get(f"/u/{other}/bieu-mau/{mine.id}.xlsx").status_code == 403
    forged = site.client.get("/u/" + "A" * 43)
    assert forged.status_code == 404 and "Đường dẫn không đúng" in forged.text
    assert "vanthu@vp.thunghiem.example" in forged.text and "Văn phòng HĐND&amp;UBND huyện" in forged.text
    token = site.token("xa-a")
    site.clock.now = dt.datetime(2026, 1, 1, 0, 0, tzinfo=ICT)
    expired = site.client.get(f"/u/{token}")
    assert expired.status_code == 410 and "đã hết hạn từ ngày 01/01/2026" in expired.text
    assert "cấp đường dẫn mới" in expired.text and "vanthu@vp.thunghiem.example" in expired.text
    assert site.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.ANNOUNCED


def test_a_reissued_link_revokes_the_old_one(site: Site) -> None:
    old = site.token("xa-a")
    with session_scope(site.engine) as session:
        unit = session.scalars(select(UnitRow).where(UnitRow.code == "xa-a")).one()
        new = issue(session, SECRET, site.plan.plan.code, unit, now=site.clock(), expires_at=expiry_for(2025, ICT))
    revoked = site.client.get(f"/u/{old}")
    assert revoked.status_code == 410 and "đã được thay bằng đường dẫn mới từ ngày 12/05/2025" in revoked.text
    assert "thư mới nhất" in revoked.text and "vanthu@vp.thunghiem.example" in revoked.text
    assert site.client.get(f"/u/{new}").status_code == 200


def test_uploads_are_limited_in_size_and_number(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    assert upload(site, token, obligation.id, b"\0" * (2 * 1024 * 1024 + 10)).status_code == 413
    # A file that is not a workbook at all is not a version of the report: refused, not counted.
    garbage = upload(site, token, obligation.id, b"not a workbook")
    assert garbage.status_code == 415 and "không phải bảng tính Excel" in garbage.text
    wrong = filled_workbook(site.target("xa-a", "bao-cao-6-thang"), lambda form, field: "12a")
    for _ in range(5):
        assert upload(site, token, obligation.id, wrong).status_code == 422
    sixth = upload(site, token, obligation.id, wrong)
    assert sixth.status_code == 429 and "giới hạn 5" in sixth.text


def test_what_a_unit_typed_is_escaped_in_pages(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    response = upload(
        site, token, obligation.id, b"<script>alert(1)</script>", name="<img src=x onerror=alert(1)>.xlsx"
    )
    assert response.status_code == 415
    assert "<script>" not in response.text and "<img" not in response.text


def test_nul_bytes_in_a_file_name_or_a_typed_value_are_answered_not_crashed_on(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    data = filled_workbook(site.target("xa-a", "bao-cao-6-thang"))
    # Raw multipart: httpx would percent-encode the NUL; a hostile client sends it as it is.
    name = "../bao\x00cáo\u202e.xlsx".encode()
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + name + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--b--\r\n"
    )
    headers = {"content-type": "multipart/form-data; boundary=b"}
    named = site.client.post(f"/u/{token}/nop/{obligation.id}", content=body, headers=headers)
    assert named.status_code == 200 and "Biên nhận" in named.text
    with session_scope(site.engine) as session:
        assert session.scalars(select(SubmissionRow.file_name)).all() == ["baocáo.xlsx"]
    other = site.obligation("xa-b", "bao-cao-6-thang")
    entries = web_entries(site.target("xa-b", "bao-cao-6-thang")) | {"PL1__G12": "1\x002"}
    typed = site.client.post(f"/u/{site.token('xa-b')}/nhap/{other.id}", data=entries)
    assert typed.status_code == 422 and "Phụ lục I, ô G12" in typed.text and "\x00" not in typed.text


def login(site: Site, password: str = PASSWORD):
    return site.client.post("/van-phong/dang-nhap", data=credentials(password=password), follow_redirects=False)


def csrf_of(site: Site) -> str:
    page = site.client.get("/van-phong/bao-cao").text
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_office_pages_need_the_password(site: Site) -> None:
    assert site.client.get("/van-phong", follow_redirects=False).status_code == 303
    assert login(site, "sai").status_code == 401
    assert login(site).status_code == 303
    status = site.client.get("/van-phong")
    assert status.status_code == 200 and "Tình hình nộp báo cáo" in status.text
    # Late units first: April's monthly lists are overdue on 12/5.
    table = status.text.split('id="status"')[1]  # the filter's choices above it name every standing
    assert table.index("quá hạn") < table.index("đang thực hiện")


def test_the_office_returns_an_accepted_report_with_a_reason_and_the_chase_resumes(site: Site) -> None:
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    upload(site, token, obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    login(site)
    with session_scope(site.engine) as session:
        submission_id = session.scalars(select(SubmissionRow.id)).one()
    forged = site.client.post(f"/van-phong/bao-cao/{submission_id}/tra-lai", data={"csrf": "giả", "reason": "x"})
    assert forged.status_code == 403
    done = site.client.post(
        f"/van-phong/bao-cao/{submission_id}/tra-lai",
        data={"csrf": csrf_of(site), "reason": "Số liệu mẫu số chưa khớp với dân số"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = site.obligation("xa-a", "bao-cao-6-thang")
    assert after.state == ObligationState.RETURNED and after.next_action_at is not None
    returned = site.outbox.sent[-1]
    assert "Số liệu mẫu số chưa khớp với dân số" in returned.text


def test_the_office_accepts_a_report_that_waits_for_it(site: Site, engine: Engine) -> None:
    with session_scope(engine) as session:
        obligation = session.get(ObligationRow, site.obligation("xa-a", "bao-cao-6-thang").id)
        assert obligation is not None
        obligation.deliverable.definition = obligation.deliverable.definition | {"requires_acceptance": True}
    token = site.token("xa-a")
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    upload(site, token, obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    assert site.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.SUBMITTED
    login(site)
    with session_scope(site.engine) as session:
        submission_id = session.scalars(select(SubmissionRow.id)).one()
    site.client.post(f"/van-phong/bao-cao/{submission_id}/chap-nhan", data={"csrf": csrf_of(site)})
    assert site.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.ACCEPTED
    assert site.outbox.sent[-1].subject.startswith("Đã nhận")


def test_two_workers_creating_a_units_first_link_at_once_agree(engine: Engine, mini_plan_path: Path) -> None:
    import threading

    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
    barrier = threading.Barrier(2)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        try:
            with session_scope(engine) as session:
                unit = session.scalars(select(UnitRow).where(UnitRow.code == "xa-a")).one()
                barrier.wait()
                tokens.append(
                    current_token(
                        session, SECRET, "mini-2025", unit, now=at("2025-04-21"), expires_at=expiry_for(2025, ICT)
                    )
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(set(tokens)) == 1
