"""A contact corrected in the console survives a reload of the plan: the unchanged file keeps it (and
the load says so); a file that itself changes that contact replaces it, and the load, the console's
diff and the audit say what was replaced. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, select

from dutyflow import plan_change
from dutyflow.office import ContactRole, correct_contact
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, PlanRow, UnitRow
from dutyflow.store.sync import ContactOutcome, LoadReport, load_plan_into_store
from tests.accounts_support import STAFF
from tests.conftest import MINI_PLAN, at
from tests.office_cli import Cli
from tests.test_console_actions import signed_in
from tests.test_portal import open_site

OLD, NEW, THIRD = "vhxh@xa-a.thunghiem.example", "vanhoa@xa-a.thunghiem.example", "vhxh.moi@xa-a.thunghiem.example"


def load(engine: Engine, path: Path, day: str) -> LoadReport:
    with session_scope(engine) as session:
        return load_plan_into_store(session, load_plan(path), path, now=at(day), actor="cli:vanthu")


def correct(engine: Engine, email: str = NEW, name: str = "") -> None:
    with session_scope(engine) as session:
        plan_id = session.scalars(select(PlanRow.id)).one()
        correct_contact(
            session, plan_id, "xa-a", ContactRole.FOCAL, email, name=name, now=at("2025-05-02"), actor="vanphong"
        )


def stored(engine: Engine, unit: str = "xa-a") -> tuple[str, str, str]:
    with session_scope(engine) as session:
        row = session.scalars(select(UnitRow).where(UnitRow.code == unit)).one()
        return row.focal_name, row.focal_email, row.head_email


def unit_updates(engine: Engine) -> list[tuple[str, dict[str, object], str | None]]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.entity == "unit", AuditEventRow.action == "updated")
            .order_by(AuditEventRow.id)
        )
        return [(r.code, r.detail, r.reason) for r in rows]


def edited(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_corrected_address_survives_a_reload_of_the_unchanged_file_and_the_load_says_so(
    engine: Engine, mini_plan_path: Path
) -> None:
    load(engine, mini_plan_path, "2025-04-20")
    correct(engine)
    report = load(engine, mini_plan_path, "2025-05-05")
    assert stored(engine) == ("Công chức VHXH xã A", NEW, "chutich@xa-a.thunghiem.example")
    assert not report.changed and unit_updates(engine) == []
    [note] = report.contacts
    assert (note.unit, note.field, note.outcome, note.value, note.file_before) == (
        "xa-a",
        "focal_email",
        ContactOutcome.KEPT,
        NEW,
        OLD,
    )
    heading, line = report.contact_lines()
    assert heading == "Liên hệ đã sửa trên trang Văn phòng:"
    assert (
        line
        == f"- UBND xã A, địa chỉ thư của cán bộ đầu mối: giữ {NEW} đã sửa trên trang Văn phòng (tệp kế hoạch vẫn ghi {OLD}); hãy sửa cả tệp kế hoạch."
    )
    # A changed file that leaves this contact alone keeps it too.
    edited(mini_plan_path, "chutich@xa-b.thunghiem.example", "chu.tich@xa-b.thunghiem.example")
    again = load(engine, mini_plan_path, "2025-05-06")
    assert again.changed and stored(engine)[1] == NEW and [n.outcome for n in again.contacts] == [ContactOutcome.KEPT]
    assert [code for code, _, _ in unit_updates(engine)] == ["xa-b"]


def test_a_file_that_changes_the_corrected_contact_replaces_it_and_says_so(
    engine: Engine, mini_plan_path: Path
) -> None:
    load(engine, mini_plan_path, "2025-04-20")
    correct(engine, name="Nguyễn Thị Văn Hoá")
    edited(
        mini_plan_path,
        f'{{name: "Công chức VHXH xã A", email: "{OLD}"}}',
        f'{{name: "Công chức VHXH xã A", email: "{THIRD}"}}',
    )
    plan = load_plan(mini_plan_path)
    diff = plan_change.preview(engine, plan, mini_plan_path, now=at("2025-05-05"), actor="vanphong")
    assert stored(engine)[1] == NEW  # rehearsed: nothing changed
    replaced = f"UBND xã A, địa chỉ thư của cán bộ đầu mối: tệp kế hoạch đổi {OLD} thành {THIRD}, thay cho {NEW} đã sửa trên trang Văn phòng."
    kept_name = "UBND xã A, họ tên cán bộ đầu mối: giữ Nguyễn Thị Văn Hoá đã sửa trên trang Văn phòng"
    assert diff.contacts[0].startswith(kept_name) and diff.contacts[1] == replaced
    [change] = diff.changes["unit"]
    assert (change.code, change.before, change.after) == ("xa-a", f"focal_email: {NEW}", f"focal_email: {THIRD}")

    report = load(engine, mini_plan_path, "2025-05-05")
    assert stored(engine) == (
        "Nguyễn Thị Văn Hoá",
        THIRD,
        "chutich@xa-a.thunghiem.example",
    )  # the name was not changed by the file
    assert [(n.field, n.outcome, n.corrected) for n in report.contacts] == [
        ("focal_name", ContactOutcome.KEPT, "Nguyễn Thị Văn Hoá"),
        ("focal_email", ContactOutcome.REPLACED, NEW),
    ]
    [(code, detail, reason)] = unit_updates(engine)
    assert code == "xa-a" and detail == {"focal_email": {"before": NEW, "after": THIRD}}
    assert reason == "Tệp kế hoạch đổi liên hệ này; thay cho giá trị đã sửa trên trang Văn phòng."
    # The next reload of the same file: nothing corrected any more but the name, which stays.
    after = load(engine, mini_plan_path, "2025-05-06")
    assert not after.changed and [(n.field, n.outcome) for n in after.contacts] == [("focal_name", ContactOutcome.KEPT)]


def test_a_file_that_now_says_what_the_console_corrected_is_silent(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path, "2025-04-20")
    correct(engine)
    report = load(engine, edited(mini_plan_path, OLD, NEW), "2025-05-05")
    assert stored(engine)[1] == NEW and report.contacts == [] and unit_updates(engine) == []
    assert report.changed  # the plan's document changed; the unit did not
    later = load(engine, mini_plan_path, "2025-05-06")
    assert later.contacts == [] and not later.changed


def test_without_a_correction_a_reload_takes_the_files_contacts_as_before(engine: Engine, mini_plan_path: Path) -> None:
    load(engine, mini_plan_path, "2025-04-20")
    report = load(engine, edited(mini_plan_path, OLD, THIRD), "2025-05-05")
    assert stored(engine)[1] == THIRD and report.contacts == []
    [(code, detail, reason)] = unit_updates(engine)
    assert code == "xa-a" and detail == {"focal_email": {"before": OLD, "after": THIRD}} and reason is None


def test_plan_load_prints_what_it_did_with_the_corrected_contacts(cli: Cli) -> None:
    correct(cli.runtime().engine)
    result = cli.run("plan", "load", str(MINI_PLAN))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("không thay đổi gì."), lines
    assert lines[1:] == [
        "Liên hệ đã sửa trên trang Văn phòng:",
        f"- UBND xã A, địa chỉ thư của cán bộ đầu mối: giữ {NEW} đã sửa trên trang Văn phòng (tệp kế hoạch vẫn ghi {OLD}); hãy sửa cả tệp kế hoạch.",
    ]
    assert stored(cli.runtime().engine)[1] == NEW


def test_the_consoles_plan_page_says_which_corrections_a_load_keeps(
    engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    with open_site(engine, mini_plan_path, tmp_path) as site:
        client, csrf = signed_in(site, STAFF)
        form = {"unit": "xa-a", "contact": "focal", "email": NEW, "csrf": csrf, "step": "thuc-hien"}
        assert client.post("/van-phong/thao-tac/sua-lien-he", data=form).status_code == 200
        shown = client.post(
            "/van-phong/ke-hoach",
            data={"csrf": csrf},
            files={"plan_file": ("ke-hoach.yaml", mini_plan_path.read_bytes())},
        )
        assert shown.status_code == 200 and "không có gì thay đổi" in shown.text
        [notes] = re.findall(r'<div class="notice" role="status" id="contact-notes">(.*?)</div>', shown.text, re.S)
        assert f"giữ {NEW} đã sửa trên trang Văn phòng (tệp kế hoạch vẫn ghi {OLD})" in notes
        assert stored(engine)[1] == NEW
