"""Every header of every message a year sends reads exactly as it was rendered.

The bundled plan, cut to two units of each kind (every kind it has) and with some of its names
and titles made very long, runs a whole year through the Notifier (the code the Prefect tasks
call) and a real SMTP sink: every unit's assignment, every step of the ladder for every obligation
(nobody reports, so every step fires), the weekly digests, a receipt and a "returned" message per
unit, a new link per unit and the final report. The other units of the plan would only repeat the
same messages to other names: the longest names are kept, and the count of each kind of message
is checked against the plan. Each
message as it reached the sink is read back with the standard library's parser and with a strict
RFC 2047 decoder, and compared with what the renderer wrote and whom it was addressed to.
"""

from __future__ import annotations

import datetime as dt
import email.policy
from collections import Counter, defaultdict
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from dutyflow.demo.plan import plan_of_units
from dutyflow.mail import Address, MailSink, SmtpTransport
from dutyflow.notify import Notifier, Outcome, SentRecord
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.models import ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at, build_notifier

LONG_TAIL = (
    " và các cơ quan, đơn vị phối hợp thực hiện công tác bảo vệ, chăm sóc, giáo dục trẻ em có hoàn cảnh"
    " đặc biệt trên địa bàn các xã, thị trấn thuộc huyện Trùng Khánh, tỉnh Cao Bằng"
)
SENDER = Address("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện Trùng Khánh", "vanthu@vp.trungkhanh.example")
ATTACHED: defaultdict[str, list[str]] = defaultdict(list)
ATTACHED["assignment"] = ["han-bao-cao.ics"]
ATTACHED["report_final"] = ["Báo cáo kết quả thực hiện công tác trẻ em năm 2025 – bản chính thức của huyện.pdf"]
"""The file names each kind of message carries (RFC 2231 parameters, folded by CPython)."""
FIRST_DAY = dt.date(2025, 4, 21)
LAST_DAY = dt.date(2025, 12, 31)


NAME_LIMIT = 150
"""The longest name a plan accepts (a name becomes an email display name)."""


def at_limit(name: str) -> str:
    """`name` cut to the longest a plan accepts: as long a display name as the engine ever writes."""
    return name[:NAME_LIMIT].rstrip()


def two_of_each_kind(plan: Plan) -> Plan:
    """`plan` with the first two units of each kind (and the office)."""
    kept: dict[str, list[str]] = defaultdict(list)
    for unit in plan.units:
        kept[unit.kind].append(unit.code)
    return plan_of_units(plan, {code for codes in kept.values() for code in codes[:2]})


def long_plan(bundled: Path, folder: Path) -> Path:
    """The bundled plan, two units of each kind, with a very long title, and very long unit, person
    and deliverable names."""
    data: dict[str, Any] = two_of_each_kind(load_plan(bundled)).model_dump(mode="json")
    data["plan"]["title"] += LONG_TAIL
    for unit in data["units"][1::4]:
        unit["name"] = at_limit(unit["name"] + LONG_TAIL)
        unit["focal"]["name"] = at_limit(f"{unit['focal']['name']} – cán bộ đầu mối{LONG_TAIL}")
        unit["head"]["name"] = at_limit(f"{unit['head']['name']} (Trưởng phòng, thủ trưởng đơn vị{LONG_TAIL})")
    for deliverable in data["deliverables"][::2]:
        deliverable["name"] += LONG_TAIL
    for leader in data["chase"]["digest"]["recipients"]:
        leader["name"] = at_limit(leader["name"] + " – Phó Chủ tịch Ủy ban nhân dân huyện phụ trách khối văn hóa – xã hội")
    path = folder / "ke-hoach-ten-dai.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def working_days(notifier: Notifier) -> list[dt.date]:
    days, day = [], FIRST_DAY
    while day <= LAST_DAY:
        if notifier.calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def submit(engine: Engine, obligation_id: int, status: str, now: dt.datetime) -> int:
    with session_scope(engine) as session:
        version = 1 + len(
            session.scalars(select(SubmissionRow).where(SubmissionRow.obligation_id == obligation_id)).all()
        )
        row = SubmissionRow(
            obligation_id=obligation_id,
            version=version,
            channel="portal",
            received_at=now,
            submitted_by="portal",
            file_sha256=None,
            file_name="Báo cáo kết quả thực hiện – bản chính thức của đơn vị.docx",
            content_type="docx",
            size=20480,
            status=status,
            reasons=["Thiếu chữ ký của thủ trưởng đơn vị và dấu của cơ quan"] if status == "returned" else [],
            decided_at=now,
            decided_by="office",
        )
        session.add(row)
        session.flush()
        return row.id


def run_year(engine: Engine, notifier: Notifier, folder: Path) -> list[tuple[SentRecord, dt.datetime]]:
    """Every kind of message the engine sends, for every unit; each record with the `now` it was sent at."""
    sent: list[tuple[SentRecord, dt.datetime]] = []

    def keep(outcome: Outcome, now: dt.datetime) -> None:
        assert not outcome.failures and not outcome.unknown
        sent.extend((record, now) for record in outcome.sent)

    units = [u.code for u in notifier.units_to_assign(FIRST_DAY)]
    keep(notifier.assign(units, FIRST_DAY, at(FIRST_DAY.isoformat())), at(FIRST_DAY.isoformat()))
    for day in working_days(notifier)[1:]:
        now = at(day.isoformat(), 9)
        keep(notifier.chase([u.code for u in notifier.units_to_chase(now)], day, now), now)
        keep(notifier.digest(day, now), now)
    late = at("2026-01-05", 10)
    with session_scope(engine) as session:
        firsts = {
            code: oid
            for code, oid in session.execute(
                select(UnitRow.code, ObligationRow.id).join(UnitRow).order_by(ObligationRow.id.desc())
            )
        }
    for code, oid in sorted(firsts.items()):
        for status in ("returned", "accepted"):
            keep(notifier.acknowledge(submit(engine, oid, status, late), late.date(), late), late)
        keep(notifier.send_link(code, f"https://baocao.example/u/{code}", late.date(), late, "g2"), late)
    report = folder / ATTACHED["report_final"][0]
    report.write_bytes(b"%PDF-1.4\n")
    keep(
        notifier.send_report(
            [report],
            late.date(),
            late,
            title="Báo cáo năm 2025" + LONG_TAIL,
            obligation_id=firsts[notifier.plan.plan.office],
        ),
        late,
    )
    return sent


def strictly_decoded(raw: bytes, name: str) -> str:
    """A header as an RFC 2047 reader shows it: unfolded, white space between encoded words dropped."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    value: list[str] = []
    for line in head.split("\r\n"):
        if value and line[:1] in (" ", "\t"):
            value.append(line)
        elif value:
            break
        elif line.lower().startswith(name.lower() + ":"):
            value.append(line.split(":", 1)[1])
    return str(make_header(decode_header("\r\n".join(value).strip())))


Year = tuple[Plan, list[tuple[SentRecord, dt.datetime]], Path]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Year]:
    """One year for the module, on SQLite only: what is checked here is the bytes of the messages,
    which no store shapes (the outbox and the ladder are held on both backends elsewhere)."""
    tmp_path = tmp_path_factory.mktemp("year")
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    path = long_plan(BUNDLED_PLAN, tmp_path)
    plan = load_plan(path)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, path, now=at("2025-04-20"), actor="t")
    with MailSink(tmp_path / "mail") as sink:
        notifier = build_notifier(engine, SmtpTransport(sink.host, sink.port), sender=SENDER, simulated_clock=True)
        sent = run_year(engine, notifier, tmp_path)
    yield plan, sent, tmp_path / "mail"
    engine.dispose()


def test_every_header_of_a_years_messages_decodes_to_what_was_rendered(
    year: Year,
) -> None:
    plan, sent, mailbox = year
    names = {u.focal.email.lower(): u.focal.name for u in plan.units}
    names |= {u.head.email.lower(): u.head.name for u in plan.units}
    names |= {c.email.lower(): c.name for c in plan.chase.digest.recipients}
    by_id = {record.message_id: (record, now) for record, now in sent}
    parser = BytesParser(policy=email.policy.default)
    files = sorted(mailbox.glob("*.eml"))
    assert len(files) == len(by_id) == len(sent)
    differences: list[str] = []
    templates: Counter[str] = Counter()
    longest_name = 0
    for path in files:
        raw = path.read_bytes()
        message = parser.parsebytes(raw)
        assert isinstance(message, EmailMessage)
        record, now = by_id[str(message["Message-ID"])]
        templates[record.template] += 1
        expected_people = [(Address(names[r.lower()], r).name, r) for r in record.recipients]
        got_people = [(a.display_name, a.addr_spec) for h in ("To", "Cc") if h in message for a in message[h].addresses]
        longest_name = max(longest_name, *(len(name) for name, _ in got_people))
        checks = {
            "Subject": (str(message["Subject"]), record.subject),
            "Subject (RFC 2047)": (strictly_decoded(raw, "Subject"), record.subject),
            "From": ([(a.display_name, a.addr_spec) for a in message["From"].addresses], [(SENDER.name, SENDER.email)]),
            "From (RFC 2047)": (strictly_decoded(raw, "From"), f"{SENDER.name} <{SENDER.email}>"),
            "Reply-To": (message["Reply-To"].addresses[0].display_name, SENDER.name),
            "To/Cc": (sorted(got_people), sorted(expected_people)),
            **{
                f"{header} (RFC 2047)": (
                    strictly_decoded(raw, header),
                    ", ".join(f"{a.display_name} <{a.addr_spec}>" for a in message[header].addresses),
                )
                for header in ("To", "Cc")
                if header in message
            },
            "Date": (message["Date"].datetime, now),
            "attachment names": (
                [part.get_filename() for part in message.iter_attachments()],
                ATTACHED[record.template],
            ),
        }
        for header, (got, expected) in checks.items():
            if got != expected:
                differences.append(f"{path.name} {record.template} {header}: {got!r} != {expected!r}")
    assert differences == []
    assert set(templates) == {
        "assignment", "reminder", "due_today", "overdue", "overdue_second", "escalation",
        "digest", "receipt", "returned", "new_link", "report_final",
    }  # fmt: skip
    units = len(plan.units)
    assert {u.kind for u in plan.units} == {u.kind for u in load_plan(BUNDLED_PLAN).units}  # every kind
    assert (templates["assignment"], templates["receipt"], templates["returned"], templates["new_link"]) == (units,) * 4
    assert max(len(record.subject) for record, _ in sent) > 200
    assert longest_name >= NAME_LIMIT - 10  # names at the plan's limit


def test_the_calendar_of_an_assignment_is_utf_8_and_stamped_when_it_was_made(
    year: Year,
) -> None:
    _plan, sent, mailbox = year
    assignments = {record.message_id for record, _ in sent if record.template == "assignment"}
    parser = BytesParser(policy=email.policy.default)
    seen = 0
    for path in sorted(mailbox.glob("*.eml")):
        message = parser.parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if str(message["Message-ID"]) not in assignments:
            continue
        [calendar] = list(message.iter_attachments())
        assert calendar.get_content_type() == "text/calendar"
        assert calendar.get_content_charset() == "utf-8"
        assert calendar.get_filename() == "han-bao-cao.ics"
        text = calendar.get_payload(decode=True).decode("utf-8")
        stamps = {line.split(":", 1)[1] for line in text.split("\r\n") if line.startswith("DTSTAMP:")}
        assert stamps == {"20250421T010000Z"}  # 08:00 in Trùng Khánh on the day of the assignment
        seen += 1
    assert seen == len(assignments) == len(_plan.units)  # every unit, the office too
