"""The office console's read pages: overview, units, a unit's page, a message as sent, reports and
the audit log with its CSV; sorted, filtered and paged on the server, on both stores."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from dutyflow import admin, audit
from dutyflow.completeness import ObligationFact, completeness
from dutyflow.obligations import Standing
from dutyflow.store.console_queries import late_obligations, obligation_facts
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, NotificationRow, ObligationRow, ReportRow, SentMessageRow, UnitRow
from dutyflow.store.queries import status_lines
from tests.accounts_support import credentials
from tests.conftest import ICT, at
from tests.filling import filled_workbook
from tests.test_portal import Site, open_site, upload

ICT_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")



@pytest.fixture
def office(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    """The mini plan's portal, assigned, with the office signed in."""
    with open_site(engine, mini_plan_path, tmp_path) as site:
        sign_in(site)
        yield site


def sign_in(site: Site) -> None:
    answer = site.client.post("/van-phong/dang-nhap", data=credentials(), follow_redirects=False)
    assert answer.status_code == 303


def unit_id(site: Site, code: str) -> int:
    with session_scope(site.engine) as session:
        return session.scalars(select(UnitRow.id).where(UnitRow.code == code)).one()


def test_the_console_needs_the_office_session(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> None:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        for path in ["/van-phong/tong-quan", "/van-phong/don-vi/xa-a", "/van-phong/nhat-ky", "/van-phong/nhat-ky.csv"]:
            answer = site.client.get(path, follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"] == "/van-phong/dang-nhap", path


def test_the_overview_counts_by_deliverable_and_kind_and_lists_the_late_longest_first(office: Site) -> None:
    office.clock.now = at("2025-08-20", 10)
    sign_in(office)
    page = office.client.get("/van-phong/tong-quan")
    assert page.status_code == 200
    assert "Theo sản phẩm báo cáo" in page.text and "Theo loại đơn vị" in page.text
    assert "Báo cáo 6 tháng" in page.text and "xã" in page.text
    days = [int(d) for d in re.findall(r'class="num overdue" data-label="Số ngày quá hạn">(\d+)<', page.text)]
    assert days and days == sorted(days, reverse=True)
    ascending = office.client.get("/van-phong/tong-quan?sort=days")
    days_up = [int(d) for d in re.findall(r'class="num overdue" data-label="Số ngày quá hạn">(\d+)<', ascending.text)]
    assert days_up == sorted(days) and len(days_up) == len(days)
    assert "Giao việc" in page.text and "Đôn đốc" in page.text  # next runs


def test_the_unit_page_shows_a_message_readable_as_sent_with_its_message_id(office: Site) -> None:
    notifier = office.client.app.state.portal.notifier  # type: ignore[attr-defined]
    now = office.clock()
    notifier.chase([u.code for u in notifier.units_to_chase(now)], now.date(), now)  # the 6-month report's reminder
    page = office.client.get("/van-phong/don-vi/xa-a")
    assert page.status_code == 200
    assert "UBND xã A" in page.text and "Liên hệ" in page.text
    with session_scope(office.engine) as session:
        query = select(NotificationRow).where(NotificationRow.unit_id == unit_id(office, "xa-a"))
        row = session.scalars(query.order_by(NotificationRow.id.desc())).first()
        assert row is not None
        copy = session.scalars(select(SentMessageRow).where(SentMessageRow.message_id == row.message_id)).one()
        row_id, message_id, text = row.id, row.message_id, copy.text
    assert escape(message_id) in page.text and "máy chủ thư đã nhận" in page.text
    shown = office.client.get(f"/van-phong/thu/{row_id}")
    assert shown.status_code == 200
    assert f'<code id="message-id">{escape(message_id)}</code>' in shown.text
    assert f'<pre id="body">{escape(text)}</pre>' in shown.text  # the text body, whole, as kept
    [sent] = [m for m in office.outbox.sent if m.message_id == message_id]
    token = office.token("xa-a")
    assert token in sent.text  # the message carried the unit's link...
    assert token not in text and token not in shown.text  # ...which is not kept, nor shown
    assert text == sent.text.replace(token, "[mã riêng của đơn vị – không lưu]")
    assert "<dt>Message-ID</dt><dd>" + escape(message_id) in shown.text
    html = office.client.get(f"/van-phong/thu/{row_id}/html")
    assert html.status_code == 200 and "sandbox" in html.headers["content-security-policy"]


def test_an_unknown_unit_is_a_page_not_a_trace(office: Site) -> None:
    answer = office.client.get("/van-phong/don-vi/khong-co")
    assert answer.status_code == 404 and "Không tìm thấy đơn vị" in answer.text


def test_the_audit_csv_neutralises_formulas(office: Site) -> None:
    with session_scope(office.engine) as session:
        for reason in ['=HYPERLINK("http://x.example")', "+1", "-2", "@SUM(A1)", "\tx", "bình thường"]:
            audit.write(
                session, audit.AuditEvent("paused", "unit", "xa-a", {}, reason), actor="=cmd", at=at("2025-05-10")
            )
    answer = office.client.get("/van-phong/nhat-ky.csv", params={"unit": "xa-a", "actor": "=cmd"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    reasons = {row[5] for row in rows[1:]}
    assert reasons == {'\'=HYPERLINK("http://x.example")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "bình thường"}
    assert {row[1] for row in rows[1:]} == {"'=cmd"}
    assert {row[2] for row in rows[1:]} == {"tạm dừng đôn đốc"}  # the kind of change in words


def test_a_refused_reminder_is_a_delivery_problem_on_the_overview_and_the_unit_page(office: Site) -> None:
    notifier = office.client.app.state.portal.notifier  # type: ignore[attr-defined]
    now = at("2025-05-12")
    office.outbox.refuse.add("vhxh@xa-a.thunghiem.example")
    notifier.chase([u.code for u in notifier.units_to_chase(now)], now.date(), now)
    overview = office.client.get("/van-phong/tong-quan")
    problems = overview.text[overview.text.index('id="problem-list"') :]
    assert "vhxh@xa-a.thunghiem.example" in problems and "gửi lỗi" in problems
    assert "vhxh@xa-b" not in problems  # only the refused recipient's messages are problems
    unit = office.client.get("/van-phong/don-vi/xa-a")
    assert "gửi lỗi: every recipient refused" in unit.text
    with session_scope(office.engine) as session:
        failed = session.scalars(select(NotificationRow).where(NotificationRow.status == "failed")).first()
        assert failed is not None
        failed_id = failed.id
    never_left = office.client.get(f"/van-phong/thu/{failed_id}")
    assert "Thư chưa rời hệ thống" in never_left.text
    assert office.client.get(f"/van-phong/thu/{failed_id}/html").status_code == 404


def add_audit_rows(site: Site, count: int) -> None:
    """`count` changes by two people on two units, every six hours from 1/5/2025."""
    with session_scope(site.engine) as session:
        for i in range(count):
            event = audit.AuditEvent("paused" if i % 2 else "resumed", "unit", "xa-a" if i % 3 else "xa-b", {"i": i})
            audit.write(
                session, event, actor="lan" if i % 5 else "minh", at=at("2025-05-01") + dt.timedelta(hours=6 * i)
            )


def test_the_audit_log_pages_sorts_and_filters_by_person_unit_kind_and_dates(office: Site) -> None:
    add_audit_rows(office, 120)
    with session_scope(office.engine) as session:
        total = len(session.scalars(select(AuditEventRow.id)).all())
    first = office.client.get("/van-phong/nhat-ky")
    assert first.status_code == 200 and f"Nhật ký thay đổi ({total})" in first.text
    assert first.text.count('class="audit-row"') == 50
    last_page = -(-total // 50)
    assert f'href="/van-phong/nhat-ky?page={last_page}"' in first.text
    last = office.client.get(f"/van-phong/nhat-ky?page={last_page}")
    assert last.text.count('class="audit-row"') == total - 50 * (last_page - 1)
    beyond = office.client.get("/van-phong/nhat-ky?page=999&sort=nonsense")  # typed by hand: the last page
    assert beyond.status_code == 200 and beyond.text.count('class="audit-row"') == total - 50 * (last_page - 1)

    chosen = office.client.get("/van-phong/nhat-ky", params={"actor": "minh", "unit": "xa-b", "action": "resumed"})
    expected = [i for i in range(120) if i % 5 == 0 and i % 3 == 0 and i % 2 == 0]
    assert chosen.text.count('class="audit-row"') == len(expected)
    dated = office.client.get("/van-phong/nhat-ky", params={"actor": "lan", "from": "2025-05-02", "to": "03/05/2025"})
    days = [(at("2025-05-01") + dt.timedelta(hours=6 * i)).astimezone(ICT).date() for i in range(120)]
    in_range = [i for i in range(120) if i % 5 and dt.date(2025, 5, 2) <= days[i] <= dt.date(2025, 5, 3)]
    assert dated.text.count('class="audit-row"') == len(in_range) > 0

    by_actor = office.client.get("/van-phong/nhat-ky", params={"sort": "actor", "action": "paused"})
    actors = re.findall(r'data-label="Người thực hiện">([^<]*)<', by_actor.text)
    assert actors == sorted(actors) and set(actors) == {"lan", "minh"}
    reversed_ = office.client.get("/van-phong/nhat-ky", params={"sort": "-actor", "action": "paused"})
    backwards = re.findall(r'data-label="Người thực hiện">([^<]*)<', reversed_.text)
    assert backwards == sorted(backwards, reverse=True) and backwards[0] == "minh" and actors[0] == "lan"

    bad = office.client.get("/van-phong/nhat-ky", params={"from": "31/02/2025"})
    assert bad.status_code == 200 and "«31/02/2025» không phải là ngày" in bad.text
    assert bad.text.count('class="audit-row"') == 50  # the list, unfiltered by that date

    exported = office.client.get(
        "/van-phong/nhat-ky.csv", params={"actor": "minh", "unit": "xa-b", "action": "resumed"}
    )
    assert len(list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))) == 1 + len(expected)


def test_the_units_list_filters_by_kind_and_name_and_sorts(office: Site) -> None:
    everyone = office.client.get("/van-phong/don-vi")
    names = re.findall(r'data-label="Đơn vị"><a href="/van-phong/don-vi/[^"]+">([^<]+)<', everyone.text)
    assert len(names) >= 4 and names == sorted(names, key=str.casefold)
    communes = office.client.get("/van-phong/don-vi", params={"kind": "commune"})
    assert re.findall(r'href="/van-phong/don-vi/([^"]+)"', communes.text.split("<tbody>")[1]) == ["xa-a", "xa-b"]
    found = office.client.get("/van-phong/don-vi", params={"q": "xã b"})
    assert "UBND xã B" in found.text and "UBND xã A" not in found.text
    by_code = office.client.get("/van-phong/don-vi", params={"sort": "-code"})
    codes = re.findall(r'data-label="Mã">([^<]+)<', by_code.text)
    assert codes == sorted(codes, reverse=True)


def test_the_overview_filters_the_late_by_deliverable_and_pages_its_lists(office: Site) -> None:
    office.clock.now = at("2025-12-20", 10)
    sign_in(office)
    everyone = office.client.get("/van-phong/tong-quan")
    late = re.findall(r'<tr class="late-line">', everyone.text)
    assert late
    six_months = office.client.get("/van-phong/tong-quan", params={"deliverable": "bao-cao-6-thang"})
    rows = six_months.text.split('id="late-list"')[1].split("</table>")[0]
    assert "Báo cáo 6 tháng" in rows and "Báo cáo năm" not in rows
    assert 0 < rows.count('class="late-line"') < len(late)
    named = office.client.get("/van-phong/tong-quan", params={"q": "xã a"})
    assert "UBND xã B" not in named.text.split('id="late-list"')[1].split("</table>")[0]


def test_every_report_made_is_listed_with_its_completeness_and_downloads(office: Site) -> None:
    from dutyflow.consolidate import consolidate

    files = FileStore(office.root / "uploads")
    made = consolidate(
        office.engine, files, office.root / "reports", dt.date(2025, 5, 12), at("2025-05-12", 9), final=False
    )
    with session_scope(office.engine) as session:
        [row] = session.scalars(select(ReportRow)).all()
        report_id, expected, received = row.id, row.expected, row.received
    assert expected > 0
    page = office.client.get("/van-phong/tong-hop")
    assert page.status_code == 200 and f'id="report-{report_id}"' in page.text and "Dự thảo" in page.text
    assert f"{received}/{expected}" in page.text
    docx = office.client.get(f"/van-phong/tong-hop/{report_id}.docx")
    assert docx.status_code == 200 and docx.content == made.files.docx.read_bytes()
    html = office.client.get(f"/van-phong/tong-hop/{report_id}.html")
    assert html.content == made.files.html.read_bytes() and "attachment" in html.headers["content-disposition"]
    if made.files.pdf is not None:  # LibreOffice made one (CI installs it)
        assert office.client.get(f"/van-phong/tong-hop/{report_id}.pdf").content == made.files.pdf.read_bytes()
    else:
        assert "không có PDF" in page.text
    assert office.client.get("/van-phong/tong-hop", params={"kind": "final"}).text.count('id="report-') == 0
    assert office.client.get(f"/van-phong/tong-hop/{report_id + 1}.docx").status_code == 404


def test_the_overview_counts_as_the_reports_completeness_rule_does(office: Site) -> None:
    token = office.token("xa-a")
    on_time = office.obligation("xa-a", "bao-cao-6-thang")
    assert (
        upload(office, token, on_time.id, filled_workbook(office.target("xa-a", "bao-cao-6-thang"))).status_code == 200
    )
    office.clock.now = at("2025-06-10", 10)  # xã B hands its report in late
    sign_in(office)
    late = office.obligation("xa-b", "bao-cao-6-thang")
    token_b = office.token("xa-b")
    assert (
        upload(office, token_b, late.id, filled_workbook(office.target("xa-b", "bao-cao-6-thang"))).status_code == 200
    )
    page = office.client.get("/van-phong/tong-quan")
    with session_scope(office.engine) as session:
        counted = obligation_facts(session, office.client.app.state.portal.plan_id)  # type: ignore[attr-defined]
    handed = [f.fact for f in counted.handed_in]
    assert len(handed) == 2
    # The report's rule, with its lists of names, over every obligation (those with nothing handed in too).
    with session_scope(office.engine) as session:
        rows = session.scalars(select(ObligationRow)).all()
        full = [
            ObligationFact(
                o.unit.code, o.unit.name, o.deliverable.code, o.deliverable.name, o.period, o.last_day, o.extended_until
            )
            for o in rows
            if (o.unit.code, o.deliverable.code) not in {("xa-a", "bao-cao-6-thang"), ("xa-b", "bao-cao-6-thang")}
        ]
    expected = completeness(full + handed, ICT_ZONE)
    six = expected.by_deliverable["bao-cao-6-thang"]
    assert (six.expected, six.on_time, six.late) == (3, 1, 1)
    table = page.text.split('id="by-deliverable"')[1].split("</table>")[0]
    shown = {}
    for row in table.split("<tr>")[2:]:
        name = re.findall(r'data-label="Sản phẩm báo cáo">([^<]+)<', row)[0]
        shown[name] = re.findall(r'class="num" data-label="[^"]+">([^<]+)<', row)[:7]
    names = {d.code: d.name for d in office.plan.deliverables}
    assert shown == {
        names[code]: [str(v) for v in (k.expected, k.received, k.on_time, k.late, k.awaiting, k.returned, k.not_sent)]
        for code, k in expected.by_deliverable.items()
    }
    total = page.text.split('id="total-expected"')[1]
    assert f"<strong>{expected.total.expected}</strong>" in total.split("</div>")[0]


def test_the_late_list_is_what_the_status_calls_overdue_on_every_day(office: Site) -> None:
    """The late list's query against the standing rule (`status_lines`), with a report handed in,
    an extension and a paused unit, before, on and after last days."""
    plan_id = office.client.app.state.portal.plan_id  # type: ignore[attr-defined]
    token = office.token("xa-a")
    six = office.obligation("xa-a", "bao-cao-6-thang")
    assert upload(office, token, six.id, filled_workbook(office.target("xa-a", "bao-cao-6-thang"))).status_code == 200
    with session_scope(office.engine) as session:
        admin.extend(
            session, plan_id, "xa-b", "bao-cao-6-thang", dt.date(2025, 6, 2), "lũ", now=at("2025-05-12"), actor="t"
        )
        admin.pause(session, plan_id, "tu-phap", "cán bộ nghỉ", now=at("2025-05-12"), actor="t")
    day, checked = dt.date(2025, 5, 1), 0
    while day <= dt.date(2026, 1, 10):
        with session_scope(office.engine) as session:
            by_rule = {
                line.obligation_id for line in status_lines(session, plan_id, day) if line.standing is Standing.OVERDUE
            }
            by_query = {late.obligation_id for late in late_obligations(session, plan_id, day)}
        assert by_query == by_rule, day
        checked += bool(by_rule)
        day += dt.timedelta(days=3)
    assert checked > 20  # the comparison saw late obligations, not only empty sets
    page = office.client.get("/van-phong/don-vi/xa-b")
    history = page.text.split(f'id="obligation-{office.obligation("xa-b", "bao-cao-6-thang").id}"')[1].split("</tr>")[0]
    assert "gia hạn – t: lũ" in history  # the obligation's history, in words, with its person and reason
    paused = office.client.get("/van-phong/don-vi/tu-phap")
    assert "Đang tạm dừng đôn đốc: cán bộ nghỉ" in paused.text and "tạm dừng đôn đốc – t: cán bộ nghỉ" in paused.text
