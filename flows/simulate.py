"""The demo: the whole plan year through the real flows, the real portal and a local mail sink.

A simulated clock jumps from one due action to the next: the assignment, every ladder step, every
unit's upload (through the portal's HTTP interface, with the link from its assignment email), the
weekly digests, a draft and then the final district report.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select

from dutyflow.calendar import WorkingCalendar
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ImapAccount, ThrowawayDovecot, dovecot_binary
from dutyflow.messages import t
from dutyflow.obligations import State, expand_obligations
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, UnitKind, load_plan
from dutyflow.portal.server import background_server
from dutyflow.resources import Resources
from dutyflow.settings import load_settings
from dutyflow.simulation import PlannedSubmission, behaviour, cast, values_for
from dutyflow.store.db import session_scope, upgrade
from dutyflow.store.models import DeliverableRow, NotificationRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from flows._common import override

Progress = Callable[[dt.date, str], None]
DEMO_PASSWORD = "van-phong-demo"
LINK = re.compile(r"https?://[^\s\"<>]+/u/[A-Za-z0-9_-]{20,}")


@dataclass
class SimClock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, day: dt.date, hour: int, tz: dt.tzinfo) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


@dataclass
class DemoResult:
    out_dir: Path
    plan: Plan
    messages: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    uploads: Counter[str] = field(default_factory=Counter)
    files: dict[str, Path] = field(default_factory=dict)
    days: int = 0
    seconds: float = 0.0
    cast: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def quick_plan(plan: Plan, communes: int = 3) -> Plan:
    """A plan cut down to the office, two departments and a few communes (CI's short mode).

    Departments are a district's (phòng) or a province's (sở); communes are xã first, then the
    plan's other commune-level units (phường, thị trấn, đặc khu) if it has too few xã."""
    kept: list[str] = [plan.plan.office]
    department_kinds = {UnitKind.DEPARTMENT, UnitKind.PROVINCE_DEPARTMENT}
    kept += [u.code for u in plan.units if u.kind in department_kinds][:2]
    commune_level = sorted(
        (u for u in plan.units if u.kind.is_commune_level), key=lambda u: u.kind is not UnitKind.COMMUNE
    )
    kept += [u.code for u in commune_level][:communes]
    keep = set(kept)
    data = plan.model_dump(mode="json")
    data["units"] = [u for u in data["units"] if u["code"] in keep]
    groups = []
    for group in data["groups"]:
        group["members"] = [m for m in group["members"] if m in keep]
        if group["members"] or group["kinds"]:
            groups.append(group)
    data["groups"] = groups
    names = keep | {g["code"] for g in groups}
    duties = []
    for duty in data["duties"]:
        duty["units"] = [u for u in duty["units"] if u in names]
        duty["partners"] = [u for u in duty["partners"] if u in names]
        if duty["units"]:
            duties.append(duty)
    data["duties"] = duties
    indicators = []
    for indicator in data["indicators"]:
        indicator["reported_by"] = [u for u in indicator["reported_by"] if u in names]
        if indicator["reported_by"]:
            indicators.append(indicator)
    data["indicators"] = indicators
    for deliverable in data["deliverables"]:
        deliverable["units"] = [u for u in deliverable["units"] if u in names] or [plan.plan.office]
    return Plan.model_validate(data)


def demo_span(plan: Plan) -> tuple[dt.date, dt.date]:
    """The simulated part of the plan's own year: from the assignment to the final report."""
    from dutyflow.consolidate import final_from

    calendar = WorkingCalendar.from_config(plan.calendar)
    specs = expand_obligations(plan, calendar)
    consolidated = next(
        s for s in specs if any(d.code == s.deliverable and d.kind == "consolidated" for d in plan.deliverables)
    )
    return calendar.next_working_day(dt.date(plan.plan.year, 4, 21)), final_from(consolidated.last_day, calendar)


def run_demo(
    out_dir: Path,
    *,
    plan_path: Path = BUNDLED_PLAN,
    seed: int = 2025,
    quick: bool = False,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the year of the plan at `plan_path` (the bundled 2025 plan by default)."""
    started = time.monotonic()
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("dutyflow.db", "dutyflow.db-wal", "dutyflow.db-shm"):
        (out_dir / stale).unlink(missing_ok=True)
    for folder in ("mail", "reports", "prefect", "uploads"):
        shutil.rmtree(out_dir / folder, ignore_errors=True)
    plan_path = plan_path.resolve()
    if quick:
        reduced = quick_plan(load_plan(plan_path))
        plan_path = out_dir / "ke-hoach-rut-gon.yaml"
        plan_path.write_text(
            yaml.safe_dump(reduced.model_dump(mode="json"), allow_unicode=True, sort_keys=False), "utf-8"
        )
    plan = load_plan(plan_path)
    calendar = WorkingCalendar.from_config(plan.calendar)
    result = DemoResult(out_dir=out_dir, plan=plan)
    port = _free_port()
    mailbox = ThrowawayDovecot() if dovecot_binary() else None
    if mailbox is None:
        result.notes.append(t("mailin.demo_no_dovecot"))
    clock = SimClock(_local(dt.date(plan.plan.year, 4, 1), 8, calendar))
    with (
        MailSink(out_dir / "mail") as sink,
        mailbox or nullcontext() as account,
        _prefect(out_dir),
        override(_resources(out_dir, plan_path, sink.port, port, clock, account)) as runtime,
    ):
        upgrade(runtime.engine)
        with session_scope(runtime.engine) as session:
            load_plan_into_store(
                session, plan, plan_path, now=_local(dt.date(plan.plan.year, 4, 1), 8, calendar), actor="demo"
            )
        with (
            background_server(runtime.portal_app(), port) as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            _run_year(
                plan, calendar, runtime, clock, sink, http, seed, result, progress or (lambda d, s: None), account
            )
            result.files["status"] = _save_status_page(http, out_dir)
        result.messages = _messages_by_template(runtime.engine)
        result.states = _states(runtime.engine)
    result.files["mail"] = out_dir / "mail" / "index.html"
    result.seconds = time.monotonic() - started
    return result


def _run_year(
    plan: Plan,
    calendar: WorkingCalendar,
    runtime: Resources,
    clock: SimClock,
    sink: MailSink,
    http: httpx.Client,
    seed: int,
    result: DemoResult,
    progress: Progress,
    account: ImapAccount | None = None,
) -> None:
    from flows.assign import assign
    from flows.chase import chase
    from flows.consolidate import consolidate_flow
    from flows.intake_mail import intake_mail

    specs = expand_obligations(plan, calendar)
    planned = behaviour(plan, specs, calendar, seed)
    if account is None:  # no IMAP server: every unit uses the portal
        planned = [replace(p, channel="portal") for p in planned]
    roles = cast(plan, seed)
    result.cast = {"never": plan.unit(roles.never).name, "corrects": plan.unit(roles.corrects).name}
    result.cast["email"] = ", ".join(sorted({plan.unit(p.unit).name for p in planned if p.channel == "email"}))
    assign_day, final_day = demo_span(plan)
    draft_day = calendar.add_working_days(final_day, -3)
    day = assign_day
    links: dict[str, str] = {}
    while day <= final_day:
        progress(day, "")
        clock.at(day, 8, calendar.tz)
        if day == assign_day:
            assign(as_of=day)
            links = _links_from_mailbox(plan, sink)
        chase(as_of=day)
        emailed: list[PlannedSubmission] = []
        for submission in [p for p in planned if p.day == day]:
            clock.at(day, submission.hour, calendar.tz)
            if submission.channel == "email" and account is not None:
                if _email(plan, runtime, sink, account, submission, seed, clock.now):
                    emailed.append(submission)
                continue
            outcome = _upload(plan, runtime, http, links, submission, seed)
            result.uploads[outcome] += 1
        if emailed:  # the office's mailbox is read on its schedule; the units' replies are in it now
            intake_mail(as_of=day)
            for submission in emailed:
                result.uploads[f"email-{_latest_status(runtime, submission)}"] += 1
        if day == draft_day:
            consolidate_flow(as_of=day, final=False)
        if day == final_day:
            final = consolidate_flow(as_of=day, final=True)
            for path in final["files"]:  # type: ignore[union-attr]
                result.files[Path(str(path)).suffix.lstrip(".")] = Path(str(path))
            result.notes.extend(str(n) for n in final["notes"])  # type: ignore[union-attr]
        result.days += 1
        day = _next_day(day, planned, runtime, calendar, (draft_day, final_day))


def _next_day(
    day: dt.date,
    planned: list[PlannedSubmission],
    runtime: Resources,
    calendar: WorkingCalendar,
    fixed: tuple[dt.date, ...],
) -> dt.date:
    """The next day on which anything happens: an upload, a ladder step, a digest, a report."""
    candidates = [p.day for p in planned if p.day > day] + [d for d in fixed if d > day]
    with session_scope(runtime.engine) as session:
        chased = [State.ANNOUNCED.value, State.RETURNED.value]
        upcoming = session.scalars(
            select(ObligationRow.next_action_at).where(
                ObligationRow.state.in_(chased), ObligationRow.next_action_at.is_not(None)
            )
        ).all()
        overdue = session.scalars(
            select(ObligationRow.id).where(ObligationRow.state.in_(chased), ObligationRow.last_day < day)
        ).first()
    for instant in upcoming:
        local = calendar.local_date(instant)
        candidates.append(local if local > day else calendar.next_working_day(day + dt.timedelta(days=1)))
    if overdue is not None:  # the weekly digest goes out on Mondays while anything is overdue
        candidates.append(day + dt.timedelta(days=7 - day.weekday()))
    return min(candidates) if candidates else max(fixed) + dt.timedelta(days=1)


def _links_from_mailbox(plan: Plan, sink: MailSink) -> dict[str, str]:
    """Each unit's personal link, read from the assignment email it received."""
    by_email = {u.focal.email.lower(): u.code for u in plan.units}
    links: dict[str, str] = {}
    for received in sink.received:
        body = received.message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        match = LINK.search(text)
        for recipient in received.rcpt_tos:
            unit = by_email.get(recipient.lower())
            if unit and match and unit not in links:
                links[unit] = match.group(0).split("/u/", 1)[1]
    return links


def _upload(
    plan: Plan, runtime: Resources, http: httpx.Client, links: dict[str, str], planned: PlannedSubmission, seed: int
) -> str:
    from dutyflow.forms import FormTarget, fill_workbook

    token = links[planned.unit]
    with session_scope(runtime.engine) as session:
        obligation = session.scalars(
            select(ObligationRow)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(
                UnitRow.code == planned.unit,
                DeliverableRow.code == planned.deliverable,
                ObligationRow.period == planned.period,
            )
        ).one()
        obligation_id, period_label = obligation.id, obligation.period_label
        if obligation.state == State.ACCEPTED.value:
            return "already"
    deliverable = next(d for d in plan.deliverables if d.code == planned.deliverable)
    if deliverable.forms:
        page = http.get(f"/u/{token}/bieu-mau/{obligation_id}.xlsx")
        page.raise_for_status()
        target = FormTarget(plan, planned.unit, planned.deliverable, planned.period, period_label)
        data = fill_workbook(
            page.content, target, values_for(plan, planned.unit, planned.period, seed, broken=planned.broken)
        )
        name = f"{planned.deliverable}-{planned.period}.xlsx"
    else:
        data = _plan_document(plan, planned)
        name = "ke-hoach-trien-khai.docx"
    response = http.post(f"/u/{token}/nop/{obligation_id}", files={"file": (name, data)})
    if response.status_code not in (200, 422):
        raise RuntimeError(f"upload refused ({response.status_code}): {response.text[:300]}")
    return "returned" if response.status_code == 422 else "accepted"


def _obligation(session: Any, planned: PlannedSubmission) -> ObligationRow:
    return session.scalars(
        select(ObligationRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(
            UnitRow.code == planned.unit,
            DeliverableRow.code == planned.deliverable,
            ObligationRow.period == planned.period,
        )
    ).one()


def _email(
    plan: Plan,
    runtime: Any,
    sink: MailSink,
    account: ImapAccount,
    planned: PlannedSubmission,
    seed: int,
    now: dt.datetime,
) -> bool:
    """The unit answers the latest message it received with its filled form attached, delivered to
    the office's mailbox (IMAP APPEND) as its mail server would. False if it has nothing to answer."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from dutyflow.forms import FormTarget, build_workbook, fill_workbook
    from dutyflow.mailin.mailbox import ImapMailbox, ImapSettings

    unit = plan.unit(planned.unit)
    with session_scope(runtime.engine) as session:
        obligation = _obligation(session, planned)
        if obligation.state == State.ACCEPTED.value:
            return False
        period_label = obligation.period_label
    latest = next(
        (r.message for r in reversed(sink.received) if unit.focal.email.lower() in {a.lower() for a in r.rcpt_tos}),
        None,
    )
    if latest is None or latest["Reply-To"] is None:
        return False
    target = FormTarget(plan, planned.unit, planned.deliverable, planned.period, period_label)
    data = fill_workbook(
        build_workbook(target), target, values_for(plan, planned.unit, planned.period, seed, broken=planned.broken)
    )
    reply = EmailMessage()
    reply["From"] = f"{unit.focal.name} <{unit.focal.email}>"
    reply["To"] = latest["Reply-To"]
    reply["Subject"] = f"Re: {latest['Subject']}"
    reply["Date"] = format_datetime(now)
    reply["Message-ID"] = make_msgid(domain=unit.focal.email.rpartition("@")[2])
    reply["In-Reply-To"] = latest["Message-ID"]
    reply["References"] = latest["Message-ID"]
    reply.set_content(f"Kính gửi Văn phòng,\n{unit.name} gửi báo cáo kèm theo thư này.\n\nTrân trọng.\n")
    name = f"Báo cáo {unit.name} – {period_label}.xlsx"
    reply.add_attachment(
        data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename=name
    )
    settings = ImapSettings(account.host, account.port, account.security, account.user, account.password)
    with ImapMailbox(settings) as box:
        box.append(reply.as_bytes())
    return True


def _latest_status(runtime: Any, planned: PlannedSubmission) -> str:
    with session_scope(runtime.engine) as session:
        obligation = _obligation(session, planned)
        status = session.scalars(
            select(SubmissionRow.status)
            .where(SubmissionRow.obligation_id == obligation.id)
            .order_by(SubmissionRow.version.desc())
        ).first()
    return status or "missing"


def _plan_document(plan: Plan, planned: PlannedSubmission) -> bytes:
    from docx import Document

    unit = plan.unit(planned.unit)
    document = Document()
    document.add_heading(f"KẾ HOẠCH triển khai {plan.plan.title}", level=1)
    document.add_paragraph(f"{unit.name} xây dựng kế hoạch triển khai thực hiện tại đơn vị, địa phương.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _save_status_page(http: httpx.Client, out_dir: Path) -> Path:
    http.post("/van-phong/dang-nhap", data={"password": DEMO_PASSWORD})
    page = http.get("/van-phong")
    page.raise_for_status()
    path = out_dir / "tinh-hinh.html"
    path.write_text(page.text, encoding="utf-8")
    return path


def _messages_by_template(engine: Any) -> Counter[str]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(NotificationRow.template, func.count(func.distinct(NotificationRow.message_id)))
            .where(NotificationRow.status == "sent")
            .group_by(NotificationRow.template)
        ).all()
    return Counter({template: int(count) for template, count in rows})


def _states(engine: Any) -> Counter[str]:
    with session_scope(engine) as session:
        rows = session.execute(select(ObligationRow.state, func.count()).group_by(ObligationRow.state)).all()
        returned = session.scalar(
            select(func.count()).select_from(SubmissionRow).where(SubmissionRow.status == "returned")
        )
    counts = Counter({state: int(count) for state, count in rows})
    counts["submissions returned"] = int(returned or 0)
    return counts


def _local(day: dt.date, hour: int, calendar: WorkingCalendar) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=calendar.tz)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _resources(
    out_dir: Path, plan_path: Path, smtp_port: int, portal_port: int, clock: SimClock, imap: ImapAccount | None
) -> Resources:
    """The demo's resources: its folder, a SQLite store, the local sink, the portal on 127.0.0.1."""
    settings = load_settings(
        data_dir=out_dir,
        database_url=f"sqlite:///{out_dir / 'dutyflow.db'}",
        plan=plan_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_user="",
        mail_from="",
        portal_url=f"http://127.0.0.1:{portal_port}",
        admin_password=DEMO_PASSWORD,
        retry_delay_seconds=0,
        batch_size=8,
        simulated_clock=True,
        imap_host=imap.host if imap else "",
        imap_port=imap.port if imap else 993,
        imap_security=imap.security if imap else "ssl",
        imap_user=imap.user if imap else "",
        imap_password=imap.password if imap else "",
    )
    return Resources.from_settings(settings, clock=clock)


STARTUP_TIMEOUT_SECONDS = 90
"""How long the demo waits for its ephemeral Prefect server: on a loaded machine 20 s is not enough."""


@contextmanager
def _prefect(out_dir: Path) -> Iterator[None]:
    """Prefect on a store in the demo folder, offline and quiet, with no flow heartbeats (they
    cost about a second per flow run) and a patient start of its ephemeral server."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    prefect_home = out_dir / "prefect"
    prefect_home.mkdir(parents=True, exist_ok=True)
    values = {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_SECONDS),
    }
    saved = {key: os.environ.get(key) for key in [*values, "PREFECT_API_URL"]}
    os.environ.update(values)
    os.environ.pop("PREFECT_API_URL", None)
    updates = {
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: STARTUP_TIMEOUT_SECONDS,
    }
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
