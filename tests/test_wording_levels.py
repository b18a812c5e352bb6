"""A province's plan and a commune's plan read as their own: no email, page, report or CLI message
names a district ("huyện"), a town ("thị trấn"), children ("trẻ em") or the bundled plans' places
unless the plan itself does (decisions.md, "Wording from the plan").

Each plan runs a short season on a simulated clock: the assignment, the whole reminder ladder and
the weekly digest, an upload through the portal with its receipt, the office's pages and its
return, a new link, a refused email, the final report (DOCX and HTML) and its email, and the CLI's
plan and status commands.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.forms import FormTarget
from dutyflow.intake import Limits
from dutyflow.mail import Address, MemoryTransport
from dutyflow.messages import _catalogue
from dutyflow.messaging import MailReply
from dutyflow.paths import BUNDLED_PLAN, PLANS_DIR, TEMPLATES_DIR
from dutyflow.plan import Plan, load_plan
from dutyflow.plan.fields import IssuerLevel, UnitKind
from dutyflow.plan.model import Wording
from dutyflow.portal.app import create_app
from dutyflow.report.build import build_report
from dutyflow.states import AccountRole, ObligationState
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from dutyflow.tokens import current_token, expiry_for
from dutyflow.wording import issuer_level, plan_wording, report_email_title, topic_of, unit_type
from tests.accounts_support import add_accounts, credentials
from tests.conftest import ICT, at, build_notifier
from tests.filling import filled_workbook

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = b"test-secret"
WORDS = ("huyện", "thị trấn", "trẻ em", "Trùng Khánh", "Cao Bằng", "Văn phòng HĐND&UBND")
"""What a district's or the bundled plans' wording would leave behind."""
TAG = re.compile(r"<[^>]+>")


def plan_words(plan: Plan) -> str:
    """Everything the plan itself says (its values, not its file's comments), folded."""
    return json.dumps(plan.model_dump(mode="json"), ensure_ascii=False).casefold()


def foreign(plan: Plan, texts: Iterable[tuple[str, str]]) -> list[str]:
    """Each (where, line) holding a word of WORDS that the plan does not hold."""
    own = plan_words(plan)
    wanted = [w for w in WORDS if w.casefold() not in own]
    return [
        f"{where}: {line.strip()}"
        for where, text in texts
        for line in text.splitlines()
        if any(w.casefold() in line.casefold() for w in wanted)
    ]


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    return "\n".join(TAG.sub("", p) for p in re.findall(r"<w:p[ >].*?</w:p>", xml))


def page_text(html: str) -> str:
    return TAG.sub(" ", html)


def login(client: TestClient) -> None:
    assert client.post("/van-phong/dang-nhap", data=credentials(), follow_redirects=False).status_code == 303


def csrf(client: TestClient) -> str:
    page = client.get("/van-phong/bao-cao").text
    marker = 'name="csrf" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    return [d for d in days if d.weekday() < 5]


def season(engine: Engine, plan_path: Path, unit: str, root: Path) -> tuple[Plan, list[tuple[str, str]]]:
    """Run the plan from its assignment to its final report; every text a person reads, by where."""
    plan = load_plan(plan_path)
    texts: list[tuple[str, str]] = []
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, plan_path, now=at("2025-04-20"), actor="t")

    def links(session: Any, row: UnitRow, now: dt.datetime) -> str:
        token = current_token(session, SECRET, plan.plan.code, row, now=now, expires_at=expiry_for(2025, ICT))
        return f"http://portal.test/u/{token}"

    outbox = MemoryTransport()
    notifier = build_notifier(
        engine, outbox, sender=Address(plan_wording(plan).office, "vanthu@office.example"), links=links
    )
    notifier.assign([u.code for u in notifier.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21"))

    now = at("2025-05-12", 10)
    add_accounts(engine, AccountRole.OFFICE)
    portal = create_app(
        engine,
        FileStore(root / "uploads"),
        notifier=notifier,
        clock=lambda: now,
        limits=Limits(max_bytes=2 * 1024 * 1024, max_per_day=5),
    )
    with TestClient(portal) as client:
        with session_scope(engine) as session:
            row = session.scalars(select(UnitRow).where(UnitRow.code == unit)).one()
            token = current_token(session, SECRET, plan.plan.code, row, now=now, expires_at=expiry_for(2025, ICT))
            obligation = session.scalars(
                select(ObligationRow)
                .join(UnitRow)
                .join(DeliverableRow)
                .where(UnitRow.code == unit, DeliverableRow.code == "bao-cao-6-thang")
            ).one()
            target = FormTarget(plan, unit, "bao-cao-6-thang", obligation.period, obligation.period_label)
        texts.append(("unit page", page_text(client.get(f"/u/{token}").text)))
        done = client.post(
            f"/u/{token}/nop/{obligation.id}",
            files={"file": ("bao-cao.xlsx", io.BytesIO(filled_workbook(target)))},
        )
        texts.append(("upload page", page_text(done.text)))
        texts.append(("unknown link page", page_text(client.get("/u/khong-co-that").text)))
        texts.append(("login page", page_text(client.get("/van-phong/dang-nhap").text)))
        login(client)
        texts.append(("office status page", page_text(client.get("/van-phong").text)))
        texts.append(("office submissions page", page_text(client.get("/van-phong/bao-cao").text)))
        with session_scope(engine) as session:
            submission_id = session.scalars(select(SubmissionRow.id)).one()
        client.post(
            f"/van-phong/bao-cao/{submission_id}/tra-lai",
            data={"csrf": csrf(client), "reason": "Số liệu chưa khớp"},
            follow_redirects=False,
        )
        with session_scope(engine) as session:
            assert session.get(ObligationRow, obligation.id).state == ObligationState.RETURNED  # type: ignore[union-attr]

    for day in working_days(dt.date(2025, 4, 22), dt.date(2025, 6, 20)):
        moment = dt.datetime.combine(day, dt.time(8), tzinfo=ICT)
        notifier.chase([u.code for u in notifier.units_to_chase(moment)], day, moment)
        notifier.digest(day, moment)
    notifier.send_link(unit, "http://portal.test/u/moi", dt.date(2025, 6, 2), at("2025-06-02"), "g2")
    reply = MailReply(Address("Cán bộ", "canbo@unit.example"), None, ())
    notifier.answer_mail(
        "m1", unit, ["Tệp đính kèm không đọc được."], "Báo cáo", reply, dt.date(2025, 6, 2), at("2025-06-02")
    )

    files = build_report(engine, None, dt.date(2025, 6, 20), root / "report", final=True, pdf=False)
    texts += [
        ("report docx", docx_text(files.docx)),
        ("report html", page_text(files.html.read_text(encoding="utf-8"))),
    ]
    with session_scope(engine) as session:
        consolidated = session.scalars(
            select(ObligationRow.id).join(DeliverableRow).where(DeliverableRow.kind == "consolidated")
        ).one()
    notifier.send_report(
        [files.docx], dt.date(2025, 6, 20), at("2025-06-20"), title=report_email_title(plan), obligation_id=consolidated
    )

    texts += [(f"email «{m.subject}»", f"{m.subject}\n{m.text}\n{page_text(m.html or '')}") for m in outbox.sent]
    return plan, texts


PLANS = {
    "province": (FIXTURES / "province-plan.yaml", "xa-a"),
    "commune": (FIXTURES / "commune-plan.yaml", "thon-na-lau"),
}


@pytest.mark.parametrize("level", PLANS)
def test_every_email_page_and_report_of_the_plan_reads_as_its_own(level: str, engine: Engine, tmp_path: Path) -> None:
    path, unit = PLANS[level]
    plan, texts = season(engine, path, unit, tmp_path)

    assert foreign(plan, texts) == []
    # The season reached every kind of message, each in the plan's words.
    subjects = "\n".join(where for where, _ in texts if where.startswith("email"))
    for start in (
        "Thông báo nhiệm vụ",  # assignment
        "Nhắc thời hạn",  # reminder
        "Hôm nay là hạn cuối",  # due_today
        "Đề nghị gửi",  # overdue
        "Nhắc lần hai",  # overdue_second
        "Đề nghị chỉ đạo",  # escalation
        "Tình hình báo cáo",  # digest
        "Đã nhận",  # receipt
        "Đề nghị bổ sung",  # returned
        "Đường dẫn mới",  # new_link
        "Chưa nhận được",  # mail_refused
        report_email_title(plan),  # report_final
    ):
        assert f"«{start}" in subjects, (start, subjects)
    wording = plan_wording(plan)
    report = dict(texts)["report docx"]
    assert f"{wording.report_title} năm 2025" in report
    assert f"trên cơ sở báo cáo của {wording.reporters} (số liệu đến" in report
    emails = "\n".join(text for where, text in texts if where.startswith("email"))
    assert f"Đồng chí {wording.leader};" in emails
    assert f"Kính gửi: {wording.report_addressee[:1].upper()}{wording.report_addressee[1:]}" in emails


@pytest.mark.parametrize("level", PLANS)
def test_the_cli_speaks_of_the_plan_in_its_own_words(level: str, tmp_path: Path) -> None:
    path, _ = PLANS[level]
    plan = load_plan(path)
    env = {
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'store.db'}",
        "COLUMNS": "200",
    }
    runner = CliRunner()
    outputs = []
    runner.invoke(app, ["db", "upgrade"], env=env, catch_exceptions=False)
    for args in (["plan", "check", str(path)], ["plan", "show", str(path)], ["plan", "load", str(path)], ["status"]):
        result = runner.invoke(app, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append((" ".join(args[:2]), result.output))
    assert foreign(plan, outputs) == []


# Catalogue sections and keys that name real units on purpose: the register and the draft of a
# plan from a document read real units' names and types; the kinds' own names say what each is.
# The indicator groups' headings a-d are the bundled plans' until plans give their groups titles.
LEGITIMATE = re.compile(
    r"^(register|plandraft|unit_kind)\.|\.gso_code$|gso_code_forbidden$|^report\.indicator_groups\."
)


def _messages(node: object, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _messages(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, str(node)


def test_no_message_or_template_of_the_engine_names_a_level_a_place_or_a_topic() -> None:
    """Every phrase that names one comes from the plan: the templates and the catalogue hold none
    (besides the register's and the plan draft's, which read real units)."""
    words = ("huyện", "thị trấn", "trẻ em", "Trùng Khánh", "Cao Bằng", "Phó Chủ tịch")
    found = [
        f"{key}: {text}"
        for key, text in _messages(_catalogue())
        if not LEGITIMATE.search(key) and key.split(".")[0] != "wording" and any(w in text for w in words)
    ]
    for folder in ("email", "report", "portal"):
        for template in sorted((TEMPLATES_DIR / folder).glob("*.j2")):
            text = template.read_text(encoding="utf-8")
            found += [f"{template.name}: {w}" for w in words if w.casefold() in text.casefold()]
    assert found == []


def test_a_province_plan_before_the_reform_with_districts_as_units_passes_check(tmp_path: Path) -> None:
    source = (FIXTURES / "province-plan.yaml").read_text(encoding="utf-8")
    districts = source.replace(
        """  - code: xa-a
    name: "UBND xã Bình An"
    kind: commune""",
        """  - code: xa-a
    name: "UBND huyện Bình An"
    kind: district""",
    ).replace(
        """  - code: phuong-b
    name: "UBND phường Hòa Bình"
    kind: ward""",
        """  - code: phuong-b
    name: "UBND thành phố Hòa Bình"
    kind: district""",
    )
    districts = districts.replace("kinds: [commune, ward, special_zone]", "kinds: [district, special_zone]").replace(
        "kinds: [province_department, commune, ward, special_zone]",
        "kinds: [province_department, district, special_zone]",
    )
    assert districts.count("kind: district") == 2
    path = tmp_path / "province-districts.yaml"
    path.write_text(districts, encoding="utf-8")
    result = CliRunner().invoke(app, ["plan", "check", str(path)], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Kế hoạch hợp lệ" in result.output
    wording = plan_wording(load_plan(path))
    assert wording.local_units == "Ủy ban nhân dân các huyện, thành phố, đặc khu"


def test_the_bundled_plans_keep_their_own_words() -> None:
    district = plan_wording(load_plan(BUNDLED_PLAN))
    assert district.reporters == "các cơ quan, đơn vị và Ủy ban nhân dân các xã, thị trấn"
    assert district.leader == "Phó Chủ tịch UBND huyện Trùng Khánh phụ trách lĩnh vực"
    assert district.report_title == "Kết quả thực hiện công tác trẻ em"
    province = plan_wording(load_plan(PLANS_DIR / "cao-bang-2026.yaml"))
    assert province.local_units == "Ủy ban nhân dân các xã, phường"
    assert province.report_addressee == "lãnh đạo UBND tỉnh Cao Bằng"
    assert province.office == "Sở Y tế"


def test_the_defaults_are_read_from_the_plan() -> None:
    assert topic_of("Kế hoạch thực hiện công tác trẻ em năm 2025 trên địa bàn huyện Trùng Khánh") == "công tác trẻ em"
    assert topic_of("Kế hoạch phòng, chống dịch bệnh giai đoạn 2026-2030") == "phòng, chống dịch bệnh"
    assert topic_of("Chương trình hành động vì người cao tuổi") == "chương trình hành động vì người cao tuổi"
    assert unit_type("UBND thị trấn Trùng Khánh", UnitKind.TOWN) == "thị trấn"
    assert unit_type("UBND thị xã Quảng Yên", UnitKind.DISTRICT) == "thị xã"
    assert unit_type("UBND thành phố Cao Bằng", UnitKind.DISTRICT) == "thành phố"
    assert unit_type("Huyện Hà Quảng", UnitKind.DISTRICT) == "huyện"
    assert unit_type("Quang Hán", UnitKind.COMMUNE) == "xã"
    province, commune = (load_plan(FIXTURES / f"{level}-plan.yaml") for level in ("province", "commune"))
    assert (issuer_level(province), issuer_level(commune)) == (IssuerLevel.PROVINCE, IssuerLevel.COMMUNE)
    assert issuer_level(load_plan(BUNDLED_PLAN)) is IssuerLevel.DISTRICT
    stated = province.model_copy(
        update={
            "plan": province.plan.model_copy(
                update={"issuer": province.plan.issuer.model_copy(update={"level": IssuerLevel.COMMUNE})}
            )
        }
    )
    assert issuer_level(stated) is IssuerLevel.COMMUNE
    # A phrase the plan gives is taken as it is.
    worded = commune.model_copy(
        update={
            "plan": commune.plan.model_copy(
                update={"wording": Wording(leader="Chủ tịch UBND xã", leader_title="Chủ tịch")}
            )
        }
    )
    assert (plan_wording(worded).leader, plan_wording(worded).leader_title) == ("Chủ tịch UBND xã", "Chủ tịch")
