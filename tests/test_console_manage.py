"""The console's schedules and plan pages, through the portal, on SQLite and PostgreSQL: a schedule
said in words with its next runs, changed by office staff after a confirmation (stored and audited
as `dutyflow schedule set` does), refused to other roles; a changed plan uploaded, its errors shown
with their lines, its changes listed (units, duties, deliverables, deadlines, obligations), applied
only at the second step; a withdrawn deliverable's obligations are withdrawn, never deleted."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import ScheduleRow, SubmissionRow, UnitRow
from tests.accounts_support import AUDITOR, LEADER, STAFF, add_accounts
from tests.filling import filled_workbook
from tests.test_console_actions import audited, signed_in
from tests.test_portal import SECRET, Site, open_site, upload

SCHEDULES = "/van-phong/lich-chay"
PLAN = "/van-phong/ke-hoach"


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        add_accounts(engine, AccountRole.LEADERSHIP, AccountRole.AUDITOR)
        yield site


def cron_of(site: Site, flow: str) -> str:
    with session_scope(site.engine) as session:
        return session.scalars(select(ScheduleRow.cron).where(ScheduleRow.flow == flow)).one()


def test_every_role_reads_the_schedules_in_words_with_their_next_five_runs(site: Site) -> None:
    for name in (STAFF, LEADER, AUDITOR):
        client, _ = signed_in(site, name)
        page = client.get(SCHEDULES)
        assert page.status_code == 200
        assert "8 giờ sáng các ngày làm việc" in page.text and "mỗi 10 phút các ngày làm việc" in page.text
        chase = page.text.split('id="lich-chase"')[1].split("</section>")[0]
        # the clock is Monday 12/05/2025 10:00 in Hà Nội: today's 08:00 has passed
        assert re.findall(r"<li>(08:00 \d\d/05/2025)</li>", chase) == [f"08:00 {d}/05/2025" for d in (13, 14, 15, 16, 19)]
        assert ('name="cron"' in page.text) is (name == STAFF)


def test_staff_change_a_schedule_after_seeing_it_in_words(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    confirm = client.post(f"{SCHEDULES}/chase", data={"csrf": csrf, "step": "xem-lai", "cron": "30 7  * * 1-6", "reason": "Nhắc sớm"})
    assert confirm.status_code == 200
    assert "7 giờ 30 phút sáng vào thứ Hai" in confirm.text and "<li>07:30 13/05/2025</li>" in confirm.text
    assert "<li>07:30 17/05/2025</li>" in confirm.text  # Saturday
    assert cron_of(site, "chase") == "0 8 * * 1-5"  # shown, not changed
    done = client.post(f"{SCHEDULES}/chase", data={"csrf": csrf, "step": "thuc-hien", "cron": "30 7 * * 1-6", "reason": "Nhắc sớm"})
    assert done.status_code == 200 and "Đã đổi lịch chạy của «chase»" in done.text
    assert "dutyflow serve" in done.text  # no launcher: applies when the flows are served again
    assert cron_of(site, "chase") == "30 7 * * 1-6"
    assert audited(site, "schedule_changed") == [("chase", STAFF, "Nhắc sớm")]
    listed = client.get(SCHEDULES).text
    chase = listed.split('id="lich-chase"')[1].split("</section>")[0]
    assert f"Đổi lần cuối bởi {STAFF}, 10:00 12/05/2025" in chase  # the portal's clock, in Hà Nội
    assert "Lịch mặc định, chưa ai thay đổi." in listed.split('id="lich-assign"')[1].split("</section>")[0]


@pytest.mark.parametrize(("flow", "cron", "status", "message"), [
    ("chase", "61 8 * * *", 422, "61 8 * * *"),
    ("khong-co", "0 8 * * *", 404, "khong-co"),
])
def test_a_bad_schedule_is_refused_on_the_page(site: Site, flow: str, cron: str, status: int, message: str) -> None:
    client, csrf = signed_in(site, STAFF)
    for step in ("xem-lai", "thuc-hien"):
        answer = client.post(f"{SCHEDULES}/{flow}", data={"csrf": csrf, "step": step, "cron": cron})
        assert answer.status_code == status and message in answer.text and 'role="alert"' in answer.text
    assert audited(site, "schedule_changed") == []


@pytest.mark.parametrize("name", [LEADER, AUDITOR])
def test_leadership_and_auditors_cannot_change_a_schedule_or_the_plan(site: Site, name: str, mini_plan_path: Path) -> None:
    client, csrf = signed_in(site, name)
    assert client.get(SCHEDULES).status_code == 200  # the defaults are stored on first read
    answer = client.post(f"{SCHEDULES}/chase", data={"csrf": csrf, "step": "thuc-hien", "cron": "0 9 * * *"})
    assert answer.status_code == 403 and "chỉ được xem" in answer.text
    assert client.get(PLAN).status_code == 403
    data = mini_plan_path.read_bytes()
    assert client.post(PLAN, data={"csrf": csrf}, files={"plan_file": ("ke-hoach.yaml", io.BytesIO(data))}).status_code == 403
    assert client.get("/van-phong/chay-ngay").status_code == 403
    assert cron_of(site, "chase") == "0 8 * * 1-5"


def by_staff(site: Site, action: str) -> list[tuple[str, str, str | None]]:
    return [event for event in audited(site, action) if event[1] == STAFF]


def changed_plan(path: Path) -> bytes:
    """The mini plan with a unit added, a duty retitled, a deliverable withdrawn and a deadline moved."""
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "groups:\n",
        '  - code: xa-c\n    name: "UBND xã C"\n    kind: commune\n    gso_code: "00003"\n'
        '    focal: {name: "Công chức VHXH xã C", email: "vhxh@xa-c.thunghiem.example"}\n'
        '    head: {name: "Chủ tịch UBND xã C", email: "chutich@xa-c.thunghiem.example"}\ngroups:\n',
        1,
    )
    text = text.replace('title: "Rà soát trẻ em có hoàn cảnh đặc biệt"', 'title: "Rà soát trẻ em có hoàn cảnh khó khăn"')
    start = text.index("  - code: danh-sach-thang")
    text = text[:start] + text[text.index("  - code: bao-cao-nam") :]
    return text.replace("due: 2025-05-20", "due: 2025-05-27").encode("utf-8")


def post_plan(client, csrf: str, data: bytes, name: str = "ke-hoach.yaml"):  # type: ignore[no-untyped-def]
    return client.post(PLAN, data={"csrf": csrf}, files={"plan_file": (name, io.BytesIO(data), "application/yaml")})


def test_staff_see_a_bad_plans_errors_with_their_lines_and_nothing_changes(site: Site, mini_plan_path: Path) -> None:
    client, csrf = signed_in(site, STAFF)
    text = mini_plan_path.read_text(encoding="utf-8").replace("vhxh@xa-b.thunghiem.example", "khong-phai-email")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "khong-phai-email" in row)
    answer = post_plan(client, csrf, text.encode("utf-8"))
    assert answer.status_code == 422
    assert f"Dòng {line}," in answer.text and "khong-phai-email" in answer.text
    assert "Xác nhận nạp" not in answer.text
    assert by_staff(site, "updated") == []


def test_staff_see_what_a_changed_plan_changes_and_apply_it_at_the_second_step(site: Site, mini_plan_path: Path) -> None:
    client, csrf = signed_in(site, STAFF)
    before = site.obligation("xa-a", "bao-cao-6-thang").last_day
    preview = post_plan(client, csrf, changed_plan(mini_plan_path))
    assert preview.status_code == 200
    diff = preview.text.split('id="diff"')[1]
    assert "Đơn vị (1)" in diff and "xa-c" in diff
    assert "Nhiệm vụ (1)" in diff and "hoàn cảnh đặc biệt" in diff and "hoàn cảnh khó khăn" in diff
    assert "danh-sach-thang" in diff and "rút lại" in diff  # its obligations withdrawn, kept
    assert "Hạn nộp (3)" in diff and "xa-a/bao-cao-6-thang" in diff  # tu-phap, xa-a, xa-b
    assert f"<td>{before.isoformat()}</td>" in diff  # the deadline as it was, beside the new one
    assert "<td>due: 2025-05-20</td><td>due: 2025-05-27</td>" in diff  # only what changed in its definition
    assert "definition:" not in diff
    assert "xa-c/bao-cao-6-thang" in diff and "xa-c/bao-cao-nam" in diff  # its obligations added
    with session_scope(site.engine) as session:
        assert session.scalar(select(UnitRow).where(UnitRow.code == "xa-c")) is None  # shown, not done
    assert by_staff(site, "created") == []
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text)
    assert sha is not None
    done = client.post(f"{PLAN}/ap-dung", data={"csrf": csrf, "sha256": sha.group(1), "name": "ke-hoach.yaml"})
    assert done.status_code == 200 and 'id="done"' in done.text
    assert site.obligation("xa-a", "bao-cao-6-thang").last_day > before
    assert ("xa-c", STAFF, None) in audited(site, "created")
    assert any(code.startswith("xa-a/danh-sach-thang/") for code, _, _ in by_staff(site, "withdrawn"))
    assert by_staff(site, "deleted") == []
    # the action forms follow the plan just loaded
    assert '<option value="xa-c"' in client.get("/van-phong/thao-tac/tam-dung").text


def test_a_plan_without_a_unit_that_has_reported_withdraws_its_obligations_and_keeps_its_report(
    site: Site, mini_plan_path: Path
) -> None:
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    upload(site, site.token("xa-a"), obligation.id, filled_workbook(site.target("xa-a", "bao-cao-6-thang")))
    text = mini_plan_path.read_text(encoding="utf-8")
    start = text.index("  - code: xa-a")
    without_a = text[:start] + text[text.index("  - code: xa-b") :]
    client, csrf = signed_in(site, STAFF)
    preview = post_plan(client, csrf, without_a.encode("utf-8"))
    assert preview.status_code == 200
    diff = preview.text.split('id="diff"')[1]
    assert "xa-a/bao-cao-6-thang" in diff and "rút lại" in diff
    assert by_staff(site, "withdrawn") == []  # shown, not done
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text)
    assert sha is not None
    assert client.post(f"{PLAN}/ap-dung", data={"csrf": csrf, "sha256": sha.group(1)}).status_code == 200
    with session_scope(site.engine) as session:
        assert session.scalar(select(UnitRow).where(UnitRow.code == "xa-a")) is not None  # kept as history
        assert session.scalar(select(func.count(SubmissionRow.id))) == 1
    assert f"xa-a/bao-cao-6-thang/{obligation.period}" in [code for code, _, _ in by_staff(site, "withdrawn")]
    assert by_staff(site, "deleted") == []


def test_an_unknown_upload_hash_is_answered_in_vietnamese(site: Site) -> None:
    client, csrf = signed_in(site, STAFF)
    answer = client.post(f"{PLAN}/ap-dung", data={"csrf": csrf, "sha256": "0" * 64})
    assert answer.status_code == 404 and "tải lên lại" in answer.text
