"""Signing and issuing the consolidated report from the console, on SQLite and PostgreSQL: the portal
is built as `dutyflow portal` builds it (`Resources.portal_app`), its signing key named by the
settings (a test CA's PKCS#12 file) and its mail going to a local SMTP sink. Office staff sign the
approved report and issue it, each step reviewed before it is confirmed; the addressees receive the
signed PDF and the page shows each delivery's result; the leadership signs but cannot issue, an
auditor can do neither; an expired certificate, a wrong password or a missing key is refused on the
page in Vietnamese; every form needs the session's CSRF code."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow import approval
from dutyflow.accounts import Account
from dutyflow.mail import MailSink, SmtpTransport
from dutyflow.messages import t
from dutyflow.portal.app import create_app
from dutyflow.resources import Resources
from dutyflow.signing import TrustStore, verify_pdf
from dutyflow.signing.testca import TestAuthority
from dutyflow.states import AccountRole, ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow
from tests.accounts_support import AUDITOR, STAFF, add_accounts
from tests.approval_support import (
    ADDRESSEE,
    APPROVER,
    ICT,
    LEADER,
    PASSWORD,
    add_leader,
    made_final,
    plan_with_addressee,
)
from tests.conftest import MINI_PLAN, OFFICE, at
from tests.test_console_report import REPORT, signed_in
from tests.test_report_pdf import require

ARCHIVE = {"name": "Bộ phận lưu trữ tỉnh Thử Nghiệm", "email": "luutru@soyte.thunghiem.example"}
"""A second addressee, whose mail server refuses it: the page shows that delivery's result too."""
SIGN, ISSUE = f"{REPORT}/ky-so", f"{REPORT}/phat-hanh"
PORTAL_NOW = at("2025-11-21", 9)


@dataclass
class Office:
    engine: Engine
    client: TestClient
    sink: MailSink
    ws: approval.Workspace
    trust: Path

    def state(self) -> ReportState:
        return approval.report_status(self.ws).state


def keys(folder: Path, *, expired: bool = False) -> tuple[Path, Path]:
    """A PKCS#12 key of the approver issued by a throw-away CA (valid now, or expired yesterday) and
    the CA's trust store."""
    now = dt.datetime.now(ICT)
    ca = TestAuthority.create(now=now - dt.timedelta(days=500))
    start, end = (now - dt.timedelta(days=400), now - dt.timedelta(days=1)) if expired else (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    issued = ca.issue_signer(APPROVER, "UBND huyện Thử Nghiệm", not_before=start, not_after=end)
    folder.mkdir(parents=True, exist_ok=True)
    return ca.write_pkcs12(issued, folder / "signer.p12", PASSWORD), ca.write_trust_store(folder / "trust")


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink(refuse=[ARCHIVE["email"]]) as running:
        yield running


def awaiting_approval(engine: Engine, folder: Path) -> tuple[approval.Workspace, Account]:
    """The mini plan with two addressees and its final report made, in the data folder
    `folder`/data, an account per role; the leadership's account, which approves."""
    require("soffice")
    plan = plan_with_addressee(MINI_PLAN, folder / "plan.yaml", recipients=[ADDRESSEE, ARCHIVE])
    ws = made_final(engine, plan, folder / "data")
    add_accounts(engine, AccountRole.OFFICE, AccountRole.AUDITOR)
    return ws, add_leader(engine)


def approved(engine: Engine, folder: Path) -> approval.Workspace:
    """As `awaiting_approval`, the report approved by the leadership."""
    ws, leader = awaiting_approval(engine, folder)
    approval.approve(ws, leader, now=at("2025-11-21", 8))
    return ws


def portal(ws: approval.Workspace, sink: MailSink, **signing: Any) -> TestClient:
    """The portal as `dutyflow portal` builds it (`Resources.portal_app`) over the data folder of
    `ws`, its mail to `sink`, with the `signing` settings given (key, password, trust store)."""
    resources = Resources.for_test(
        ws.engine,
        ws.out_root.parent,
        transport=SmtpTransport(sink.host, sink.port, timeout=5),
        clock=lambda: PORTAL_NOW,
        sender=OFFICE,
        links=None,
        reply_tokens=False,
        **signing,
    )
    return TestClient(resources.portal_app())


@pytest.fixture
def office(engine: Engine, tmp_path: Path, sink: MailSink) -> Iterator[Office]:
    ws = approved(engine, tmp_path)
    key, trust = keys(tmp_path / "keys")
    with portal(ws, sink, signing_key=key, signing_key_password=PASSWORD, signing_trust_store=trust) as client:
        yield Office(engine, client, sink, ws, trust)


def alert(html: str) -> str:
    found = re.search(r'role="alert"><ul>(.*?)</ul>', html, re.S)
    assert found is not None, "no refusal on the page"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def report_events(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.entity == "report").order_by(AuditEventRow.id))
        return [(e.action, e.actor) for e in rows]


def test_office_staff_sign_the_approved_report_and_issue_it_to_its_addressees(office: Office) -> None:
    staff, csrf = signed_in(office.client, STAFF)
    page = staff.get(REPORT).text
    assert f'action="{SIGN}"' in page and f'action="{ISSUE}"' not in page  # approved: signed before issued

    review = staff.post(SIGN, data={"csrf": csrf, "step": "xem-lai"})
    assert review.status_code == 200, review.text
    assert 'id="confirm-sign"' in review.text and "Sẽ ký báo cáo số 1/BC-UBND" in review.text
    assert f"PHÓ CHỦ TỊCH {APPROVER}" in review.text
    assert office.state() is ReportState.APPROVED  # the review signs nothing

    signed = staff.post(SIGN, data={"csrf": csrf, "step": "thuc-hien"})
    assert signed.status_code == 200, signed.text
    assert "Đã ký số báo cáo số 1/BC-UBND" in signed.text and 'id="state">Đã ký số<' in signed.text
    status = approval.report_status(office.ws)
    verification = verify_pdf(status.file, TrustStore.from_folder(office.trust), now=dt.datetime.now(ICT))
    assert verification.ok and APPROVER in verification.signatures[0].signer
    assert f'action="{SIGN}"' not in signed.text and f'action="{ISSUE}"' in signed.text

    review = staff.post(ISSUE, data={"csrf": csrf, "step": "xem-lai"})
    assert review.status_code == 200, review.text
    to_send = review.text.split('id="to-send">')[1].split("</ul>")[0]
    assert ADDRESSEE["email"] in to_send and ARCHIVE["email"] in to_send
    assert office.sink.messages == []  # the review sends nothing

    issued = staff.post(ISSUE, data={"csrf": csrf, "step": "thuc-hien"})
    assert issued.status_code == 200, issued.text
    assert "Đã phát hành báo cáo số 1/BC-UBND: gửi tới 1 nơi nhận" in issued.text
    assert 'id="state">Đã phát hành, đã gửi<' in issued.text
    deliveries = issued.text.split('id="deliveries"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", deliveries)
    assert [(who, result.split(" (")[0]) for who, result in rows] == [
        (ADDRESSEE["email"], "đã gửi"),
        (ARCHIVE["email"], "chưa gửi được, sẽ gửi lại"),
    ]
    assert "550" in rows[1][1]  # the server's answer, beside the result
    assert ARCHIVE["email"] in alert(issued.text)  # what was not delivered, said above the report

    (message,) = office.sink.messages
    assert message["To"].addresses[0].addr_spec == ADDRESSEE["email"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content() == status.file.read_bytes()  # the signed PDF itself
    assert report_events(office.engine)[-2:] == [("report_sign", STAFF), ("report_issue", STAFF)]

    # issued again: only to the addressee not reached yet, and nothing recorded twice
    page = staff.get(REPORT).text
    assert f'action="{ISSUE}"' in page and "Xem lại để gửi tới nơi nhận chưa nhận được" in page
    review = staff.post(ISSUE, data={"csrf": csrf, "step": "xem-lai"})
    to_send = review.text.split('id="to-send">')[1].split("</ul>")[0]
    assert ARCHIVE["email"] in to_send and ADDRESSEE["email"] not in to_send
    assert f"không gửi lại: {ADDRESSEE['name']}" in review.text
    office.sink.refuse.clear()  # the archive's server takes mail again
    again = staff.post(ISSUE, data={"csrf": csrf, "step": "thuc-hien"})
    assert again.status_code == 200 and "gửi tới 1 nơi nhận" in again.text and 'role="alert"' not in again.text
    assert [m["To"].addresses[0].addr_spec for m in office.sink.messages] == [ADDRESSEE["email"], ARCHIVE["email"]]
    assert [a for a, _ in report_events(office.engine)].count("report_issue") == 1

    # everyone reached: nothing is left to issue, and asking is refused
    assert f'action="{ISSUE}"' not in staff.get(REPORT).text
    refused = staff.post(ISSUE, data={"csrf": csrf, "step": "xem-lai"})
    assert refused.status_code == 409 and "Không thể phát hành" in alert(refused.text)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_leadership_signs_only_the_office_issues_an_auditor_does_neither_and_forms_need_csrf(
    office: Office,
) -> None:
    staff, staff_csrf = signed_in(office.client, STAFF)
    for forged in ({"step": "thuc-hien"}, {"csrf": "gia-mao", "step": "thuc-hien"}):
        refused = staff.post(SIGN, data=forged)
        assert refused.status_code == 403 and t("portal.csrf") in refused.text
    assert office.state() is ReportState.APPROVED

    auditor, auditor_csrf = signed_in(office.client, AUDITOR)
    assert f'action="{SIGN}"' not in auditor.get(REPORT).text
    forbidden = auditor.post(SIGN, data={"csrf": auditor_csrf, "step": "thuc-hien"})
    assert forbidden.status_code == 403
    assert "Vai trò «Kiểm tra viên» của bạn không được ký số báo cáo" in forbidden.text
    assert "«Cán bộ văn phòng» hoặc «Lãnh đạo»" in forbidden.text
    assert office.state() is ReportState.APPROVED

    leader, leader_csrf = signed_in(office.client, LEADER)
    assert leader.post(SIGN, data={"csrf": leader_csrf, "step": "xem-lai"}).status_code == 200
    signed = leader.post(SIGN, data={"csrf": leader_csrf, "step": "thuc-hien"})
    assert signed.status_code == 200 and 'id="state">Đã ký số<' in signed.text
    assert f'action="{ISSUE}"' not in signed.text  # the leadership does not issue
    for step in ("xem-lai", "thuc-hien"):
        refused = leader.post(ISSUE, data={"csrf": leader_csrf, "step": step})
        assert refused.status_code == 403 and "không được phát hành báo cáo" in refused.text
    assert auditor.post(ISSUE, data={"csrf": auditor_csrf, "step": "thuc-hien"}).status_code == 403
    for forged in ({"step": "thuc-hien"}, {"csrf": leader_csrf, "step": "thuc-hien"}):  # another session's code
        refused = staff.post(ISSUE, data=forged)
        assert refused.status_code == 403 and t("portal.csrf") in refused.text
    assert office.state() is ReportState.SIGNED and office.sink.messages == []
    assert report_events(office.engine)[-1] == ("report_sign", LEADER)
    assert f'action="{ISSUE}"' in staff.get(REPORT).text  # office staff issue it

    # office staff issue it while every addressee's server refuses: said on the page, not recorded
    office.sink.refuse.add(ADDRESSEE["email"])
    undelivered = staff.post(ISSUE, data={"csrf": staff_csrf, "step": "thuc-hien"})
    assert undelivered.status_code == 409 and "Chưa gửi được báo cáo tới nơi nhận nào" in alert(undelivered.text)
    assert 'id="state">Đã ký số<' in undelivered.text and office.state() is ReportState.SIGNED


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_key_that_cannot_sign_is_refused_on_the_page_in_vietnamese(
    engine: Engine, tmp_path: Path, sink: MailSink
) -> None:
    ws = approved(engine, tmp_path)
    key, trust = keys(tmp_path / "keys")
    expired, expired_trust = keys(tmp_path / "expired", expired=True)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"signing_key": expired, "signing_key_password": PASSWORD, "signing_trust_store": expired_trust}, "đã hết hạn lúc"),
        ({"signing_key": key, "signing_key_password": "không phải mật khẩu này", "signing_trust_store": trust}, "sai mật khẩu"),
        ({}, "Chưa cấu hình khóa ký số: đặt DUTYFLOW_SIGNING_KEY"),
    ]
    for settings, expected in cases:
        with portal(ws, sink, **settings) as client:
            staff, csrf = signed_in(client, STAFF)
            for step in ("xem-lai", "thuc-hien"):  # refused at the review, and if confirmed anyway
                refused = staff.post(SIGN, data={"csrf": csrf, "step": step})
                assert refused.status_code == 409, refused.text
                assert expected in alert(refused.text) and "Traceback" not in refused.text
                assert 'id="state">Đã duyệt, đã cấp số<' in refused.text  # the report's status, still shown
    assert approval.report_status(ws).state is ReportState.APPROVED
    assert "report_sign" not in [action for action, _ in report_events(engine)]

    # a portal started without signing (as an embedding may be) says what the administrator sets
    app = create_app(engine, ws.files, notifier=None, clock=lambda: PORTAL_NOW, reports_dir=ws.out_root)
    with TestClient(app) as client:
        staff, csrf = signed_in(client, STAFF)
        page = staff.get(REPORT)
        assert page.status_code == 200 and f'action="{SIGN}"' not in page.text
        said = page.text.split('id="sign-not-configured">')[1].split("</p>")[0]
        for setting in ("DUTYFLOW_SIGNING_KEY ", "DUTYFLOW_SIGNING_KEY_PASSWORD", "DUTYFLOW_SIGNING_TRUST_STORE"):
            assert setting in said
        refused = staff.post(SIGN, data={"csrf": csrf, "step": "xem-lai"})
        assert refused.status_code == 503 and "DUTYFLOW_SIGNING_KEY_PASSWORD" in alert(refused.text)
    assert approval.report_status(ws).state is ReportState.APPROVED
