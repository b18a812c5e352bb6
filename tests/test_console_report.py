"""The consolidated report's way in the console, on SQLite and PostgreSQL, with the final report made
by LibreOffice: office staff upload the edited sections II–IV (a new draft); the leadership sends it
back (a comment is required) and then approves it (a number from the register), each step in the
history with its person and comment; office staff cannot approve."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dutyflow.portal.app import create_app
from dutyflow.states import AccountRole
from tests.accounts_support import STAFF, add_accounts, credentials
from tests.approval_support import APPROVER, LEADER, add_leader, made_final, plan_with_addressee
from tests.conftest import MINI_PLAN, at
from tests.test_approval import office_edit
from tests.test_report_pdf import require

REPORT = "/van-phong/bao-cao-tong-hop"


@pytest.fixture
def portal(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    require("soffice")
    ws = made_final(engine, plan_with_addressee(MINI_PLAN, tmp_path / "plan.yaml"), tmp_path)
    add_accounts(engine, AccountRole.OFFICE)
    add_leader(engine)
    app = create_app(engine, ws.files, notifier=None, clock=lambda: at("2025-11-21", 9), reports_dir=ws.out_root)
    with TestClient(app) as client:
        yield client, office_edit(ws, tmp_path)


def signed_in(client: TestClient, name: str) -> tuple[TestClient, str]:
    browser = TestClient(client.app)
    assert browser.post("/van-phong/dang-nhap", data=credentials(name), follow_redirects=False).status_code == 303
    found = re.search(r'name="csrf" value="([^"]+)"', browser.get(REPORT).text)
    assert found is not None
    return browser, found.group(1)


def test_the_office_edits_the_leadership_returns_then_approves(portal: tuple[TestClient, Path]) -> None:
    client, edited = portal
    office, office_csrf = signed_in(client, STAFF)
    first = office.get(REPORT).text
    assert "Dự thảo" in first and 'action="/van-phong/bao-cao-tong-hop/duyet"' not in first  # staff do not approve
    upload = {"docx": ("bao-cao-sua.docx", io.BytesIO(edited.read_bytes()), "application/octet-stream")}
    answer = office.post(f"{REPORT}/sua", data={"csrf": office_csrf}, files=upload)
    assert answer.status_code == 200 and "phiên bản 2" in answer.text
    refused = office.post(f"{REPORT}/duyet", data={"csrf": office_csrf, "decision": "duyet"})
    assert refused.status_code == 403

    leader, leader_csrf = signed_in(client, LEADER)
    page = leader.get(REPORT).text
    assert 'action="/van-phong/bao-cao-tong-hop/sua"' not in page and "Duyệt và cấp số" in page
    no_comment = leader.post(f"{REPORT}/duyet", data={"csrf": leader_csrf, "decision": "tra-lai"})
    assert no_comment.status_code == 409 and 'role="alert"' in no_comment.text
    back = leader.post(f"{REPORT}/duyet", data={"csrf": leader_csrf, "decision": "tra-lai", "comment": "Bổ sung số liệu xã B"})
    assert back.status_code == 200 and "Trả lại để chỉnh sửa" in back.text
    history = back.text.split('id="history"')[1].split("</table>")[0]
    assert f"<td>{LEADER}</td><td>Bổ sung số liệu xã B</td>" in history

    upload = {"docx": ("bao-cao-sua-2.docx", io.BytesIO(edited.read_bytes()), "application/octet-stream")}
    assert office.post(f"{REPORT}/sua", data={"csrf": office_csrf}, files=upload).status_code == 200
    approved = leader.post(f"{REPORT}/duyet", data={"csrf": leader_csrf, "decision": "duyet"})
    assert approved.status_code == 200 and "Đã duyệt, đã cấp số" in approved.text
    assert re.search(r'id="number">\d+/BC-', approved.text)
    assert f"Người duyệt: {APPROVER}" in approved.text
