"""The console's import page: office staff record a report a unit sent by other means, checked as a
portal upload, after a confirmation that records nothing; the receipt goes to the unit, dated on the
day received, and the audit names the person. Leadership and auditors are refused, the CSRF code is
checked, and bad input (no file, too big, wrong type, a report the unit does not owe, a day to come)
is answered on the form in Vietnamese. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow.states import AccountRole, ObligationState
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, ObligationRow, SubmissionRow
from tests.accounts_support import AUDITOR, LEADER, STAFF, add_accounts
from tests.conftest import at
from tests.filling import filled_workbook, sensible
from tests.test_console_actions import signed_in
from tests.test_portal import SECRET, Site, open_site

IMPORT = "/van-phong/nhap-bao-cao"
XA_A = "vhxh@xa-a.thunghiem.example"


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        add_accounts(engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
        yield site


def six_month(site: Site) -> ObligationRow:
    return site.obligation("xa-a", "bao-cao-6-thang")


def fields(site: Site, csrf: str, received: str = "2025-05-09", **more: str) -> dict[str, str]:
    report = f"bao-cao-6-thang/{six_month(site).period}"
    return {"csrf": csrf, "step": "xem-lai", "unit": "xa-a", "report": report, "received": received} | more


def workbook(site: Site, wrong_cell: str | None = None) -> bytes:
    def fill(form_code, field):  # type: ignore[no-untyped-def]
        return "mười hai" if field.name == wrong_cell else sensible(form_code, field)

    return filled_workbook(site.target("xa-a", "bao-cao-6-thang"), fill)


def send(client: TestClient, form: dict[str, str], data: bytes | None, name: str = "bao-cao-xa-a.xlsx"):  # type: ignore[no-untyped-def]
    files = {"file": (name, io.BytesIO(data))} if data is not None else {"file": ("", io.BytesIO(b""))}
    return client.post(IMPORT, data=form, files=files)


def confirmed(client: TestClient, page: str):  # type: ignore[no-untyped-def]
    """The confirmation page's own form, posted as it stands."""
    form = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">', page))
    assert form["step"] == "thuc-hien" and len(form["sha256"]) == 64, form
    return client.post(IMPORT, data=form)


def submissions(site: Site) -> list[tuple[str, str, str | None, dt.datetime]]:
    with session_scope(site.engine) as session:
        rows = session.scalars(select(SubmissionRow).order_by(SubmissionRow.id)).all()
        return [(r.channel, r.status, r.submitted_by, r.received_at.astimezone(dt.UTC)) for r in rows]


def audit_actors(site: Site, code_prefix: str) -> set[str]:
    with session_scope(site.engine) as session:
        rows = session.scalars(select(AuditEventRow).where(AuditEventRow.code.startswith(code_prefix)))
        return {r.actor for r in rows if r.at > at("2025-05-01")}


def test_staff_import_a_good_workbook_received_days_ago_and_the_unit_gets_its_receipt(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    unit_page = client.get("/van-phong/don-vi/xa-a").text
    assert f'href="{IMPORT}?unit=xa-a"' in unit_page  # reachable from the unit's page
    form_page = client.get(f"{IMPORT}?unit=xa-a")
    assert form_page.status_code == 200 and "UBND xã A" in form_page.text
    assert f'value="bao-cao-6-thang/{six_month(site).period}"' in form_page.text
    assert "bao-cao-nam/" in form_page.text and "tong-hop/" not in form_page.text  # only what xã A owes
    assert 'min="2025-01-01" max="2025-05-12"' in form_page.text and 'value="2025-05-12"' in form_page.text  # today by default

    confirm = send(client, fields(site, csrf), workbook(site))
    assert confirm.status_code == 200, confirm.text
    assert (
        "Sẽ ghi nhận «Báo cáo 6 tháng» (kỳ: 6 tháng đầu năm 2025) của UBND xã A, nhận ngày 09/05/2025" in confirm.text
    )
    assert "tệp hợp lệ" in confirm.text and "Xác nhận nhập báo cáo" in confirm.text
    assert submissions(site) == [] and site.outbox.sent == []  # rehearsed: nothing recorded, nothing sent

    done = confirmed(client, confirm.text)
    assert done.status_code == 200, done.text
    assert "Đã ghi nhận «Báo cáo 6 tháng»" in done.text and "nhận ngày 09/05/2025: đã chấp nhận" in done.text
    noon_of_the_day = dt.datetime(2025, 5, 9, 5, tzinfo=dt.UTC)  # 12:00 in Vietnam
    assert submissions(site) == [("import", "accepted", STAFF, noon_of_the_day)]
    assert six_month(site).state == ObligationState.ACCEPTED
    assert audit_actors(site, "xa-a/bao-cao-6-thang") == {STAFF}
    [receipt] = site.outbox.sent
    assert XA_A in receipt.recipients and receipt.subject.startswith("Đã nhận Báo cáo")
    assert "09/05/2025" in receipt.text and "12/05/2025" not in receipt.text  # dated on the day received
    [listed] = re.findall(r'<table id="submission-list".*?</table>', client.get("/van-phong/don-vi/xa-a").text, re.S)
    assert "Văn phòng nhập hộ (nhận qua đường khác)" in listed and STAFF in listed and "09/05/2025" in listed


def test_a_workbook_with_a_wrong_cell_is_shown_with_its_reasons_then_returned(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    confirm = send(client, fields(site, csrf, received=""), workbook(site, wrong_cell="G12"))
    assert confirm.status_code == 200 and "tệp có lỗi" in confirm.text
    [reasons] = re.findall(r'<ul id="reasons">(.*?)</ul>', confirm.text, re.S)
    assert "Phụ lục I" in reasons and "ô G12" in reasons
    assert submissions(site) == []
    done = confirmed(client, confirm.text)
    assert done.status_code == 422 and "bị trả lại" in done.text and "ô G12" in done.text
    [(channel, status, who, when)] = submissions(site)
    assert (channel, status, who, when) == ("import", "returned", STAFF, site.clock())  # no day given: now
    assert six_month(site).state == ObligationState.RETURNED
    [returned] = site.outbox.sent
    assert XA_A in returned.recipients and "ô G12" in returned.text


@pytest.mark.parametrize(
    ("change", "data", "message"),
    [
        ({"received": "2025-05-13"}, "good", "là ngày trong tương lai (hôm nay là 12/05/2025)"),
        ({"received": "31/12/2024"}, "good", "trước năm kế hoạch 2025"),
        ({"received": "31/13/2025"}, "good", "«Ngày nhận»: «31/13/2025» không phải là ngày hợp lệ"),
        ({"report": "bao-cao-6-thang/2099"}, "good", "«Báo cáo và kỳ»: UBND xã A không phải nộp báo cáo này"),
        ({"report": "tong-hop/2025"}, "good", "«Báo cáo và kỳ»: UBND xã A không phải nộp báo cáo này"),
        ({"report": ""}, "good", "Chưa điền «Báo cáo và kỳ»"),
        ({"unit": "khong-co"}, "good", "không có đơn vị mã «khong-co»"),
        ({}, None, "Chưa chọn «Tệp báo cáo»"),
        ({}, "text", "Tệp không phải bảng tính Excel (.xlsx)"),
        ({}, "big", "Tệp quá lớn"),
    ],
)
def test_bad_input_is_answered_on_the_form_and_records_nothing(
    site: Site, change: dict[str, str], data: str | None, message: str
) -> None:
    client, csrf = signed_in(site, STAFF)
    body = {
        "good": workbook(site),
        "text": "Báo cáo gửi qua Zalo".encode(),
        "big": b"PK" + b"0" * (2 * 1024 * 1024),
        None: None,
    }[data]
    answer = send(client, fields(site, csrf) | change, body)
    assert answer.status_code == 422 and message in answer.text, answer.text
    assert 'role="alert"' in answer.text and "<form" in answer.text and "Traceback" not in answer.text
    assert submissions(site) == [] and site.outbox.sent == []


def test_a_file_above_the_bodys_limit_gets_a_vietnamese_page(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = send(client, fields(site, csrf), b"PK" + b"0" * (3 * 1024 * 1024))
    assert answer.status_code == 413 and "text/html" in answer.headers["content-type"]
    assert "Dữ liệu gửi lên quá lớn" in answer.text
    assert submissions(site) == []


def test_the_second_step_records_only_a_file_that_was_kept(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    form = fields(site, csrf) | {"step": "thuc-hien", "sha256": "0" * 64, "file_name": "x.xlsx"}
    answer = client.post(IMPORT, data=form)
    assert answer.status_code == 422 and "Không tìm thấy tệp đã tải lên" in answer.text
    forged = client.post(IMPORT, data=form | {"sha256": "../../etc/passwd"})
    assert forged.status_code == 422 and "Không tìm thấy tệp đã tải lên" in forged.text
    assert submissions(site) == []


@pytest.mark.parametrize("name", [LEADER, AUDITOR])
def test_leadership_and_auditors_are_refused(site: Site, name: str) -> None:
    client, csrf = signed_in(site, name)
    assert f'href="{IMPORT}' not in client.get("/van-phong/don-vi/xa-a").text  # no way in is shown
    refused = client.get(f"{IMPORT}?unit=xa-a")
    assert refused.status_code == 403 and "chỉ được xem" in refused.text
    posted = send(client, fields(site, csrf), workbook(site))
    assert posted.status_code == 403 and "chỉ được xem" in posted.text
    assert submissions(site) == [] and site.outbox.sent == []


def test_a_forged_or_missing_csrf_code_is_refused(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    forged = send(client, fields(site, "giả"), workbook(site))
    assert forged.status_code == 403
    missing = send(client, {k: v for k, v in fields(site, csrf).items() if k != "csrf"}, workbook(site))
    assert missing.status_code == 403 and "thiếu mã chống giả mạo" in missing.text
    confirm = send(client, fields(site, csrf), workbook(site))
    form = dict(re.findall(r'<input type="hidden" name="([a-z_0-9]+)" value="([^"]*)">', confirm.text))
    assert client.post(IMPORT, data=form | {"csrf": "giả"}).status_code == 403
    assert submissions(site) == []


def test_the_menu_and_the_actions_page_lead_to_the_import(site: Site) -> None:
    client, _ = signed_in(site, STAFF)
    for path in ("/van-phong/tong-quan", "/van-phong/thao-tac", "/van-phong"):
        assert f'href="{IMPORT}"' in client.get(path).text, path
    chooser = client.get(IMPORT)
    assert chooser.status_code == 200 and '<select name="unit"' in chooser.text
    unknown = client.get(f"{IMPORT}?unit=khong-co")
    assert unknown.status_code == 422 and "không có đơn vị mã «khong-co»" in unknown.text


def test_a_second_click_on_the_confirmation_records_nothing_more(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    confirm = send(client, fields(site, csrf), workbook(site))
    assert confirmed(client, confirm.text).status_code == 200
    again = confirmed(client, confirm.text)
    assert again.status_code == 422, again.text
    assert (
        "Tệp này đã được nhập cho UBND xã A – «Báo cáo 6 tháng» (kỳ: 6 tháng đầu năm 2025), nhận ngày 09/05/2025"
        in again.text
    )
    assert len(submissions(site)) == 1 and len(site.outbox.sent) == 1  # one version, one receipt
    # The same file received on another day is another report (the unit sent it again).
    other_day = send(client, fields(site, csrf, received="2025-05-10"), workbook(site))
    assert other_day.status_code == 200 and confirmed(client, other_day.text).status_code == 200
    assert len(submissions(site)) == 2
