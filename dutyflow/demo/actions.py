"""What the simulated units do: upload through the portal's HTTP interface with the link from
their assignment email, or answer by email into the office's mailbox; and the office's page."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow import accounts
from dutyflow.demo.units import PlannedSubmission, values_for
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ImapAccount
from dutyflow.messages import t
from dutyflow.obligations import State
from dutyflow.plan import Plan
from dutyflow.plandraft.text import slug
from dutyflow.resources import Resources
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow, UnitRow

DEMO_ACCOUNT = "vanphong"
DEMO_PASSWORD = "van-phong-demo"
APPROVER_PASSWORD = "lanh-dao-demo"  # a demo account's; never a real secret
LINK = re.compile(r"https?://[^\s\"<>]+/u/[A-Za-z0-9_-]{20,}")


def links_from_mailbox(plan: Plan, sink: MailSink) -> dict[str, str]:
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


def upload(
    plan: Plan, runtime: Resources, http: httpx.Client, links: dict[str, str], planned: PlannedSubmission, seed: int
) -> str:
    """The unit fills the form the portal gives it (or writes its plan document) and uploads it."""
    from dutyflow.forms import FormTarget, fill_workbook

    token = links[planned.unit]
    with session_scope(runtime.engine) as session:
        obligation = find_obligation(session, planned)
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
        data = plan_document(plan, planned)
        name = "ke-hoach-trien-khai.docx"
    response = http.post(f"/u/{token}/nop/{obligation_id}", files={"file": (name, data)})
    if response.status_code not in (200, 422):
        raise RuntimeError(f"upload refused ({response.status_code}): {response.text[:300]}")
    return "returned" if response.status_code == 422 else "accepted"


def find_obligation(session: Session, planned: PlannedSubmission) -> ObligationRow:
    """The obligation a planned submission is for."""
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


def email(
    plan: Plan,
    runtime: Resources,
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
        obligation = find_obligation(session, planned)
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


def latest_status(runtime: Resources, planned: PlannedSubmission) -> str:
    with session_scope(runtime.engine) as session:
        obligation = find_obligation(session, planned)
        status = session.scalars(
            select(SubmissionRow.status)
            .where(SubmissionRow.obligation_id == obligation.id)
            .order_by(SubmissionRow.version.desc())
        ).first()
    return status or "missing"


def plan_document(plan: Plan, planned: PlannedSubmission) -> bytes:
    from docx import Document

    unit = plan.unit(planned.unit)
    document = Document()
    document.add_heading(f"KẾ HOẠCH triển khai {plan.plan.title}", level=1)
    document.add_paragraph(f"{unit.name} xây dựng kế hoạch triển khai thực hiện tại đơn vị, địa phương.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def add_demo_account(session: Session, *, now: dt.datetime) -> None:
    """The office's account the demo signs in with (staff: it may do everything)."""
    accounts.add(
        session,
        DEMO_ACCOUNT,
        AccountRole.OFFICE,
        DEMO_PASSWORD,
        full_name=t("accounts.demo_full_name"),
        title=t("accounts.demo_title"),
        now=now,
        actor="demo",
    )


def approver_name(plan: Plan) -> str:
    """The demo leader's account name, from the plan's signer's title: "PHÓ CHỦ TỊCH" → "phochutich"."""
    return slug(plan.plan.signer.title, limit=64, sep="")


def add_demo_approver(session: Session, plan: Plan, *, now: dt.datetime) -> accounts.Account:
    """The leadership account of the plan's signer (the vice-chair), who approves the final report."""
    signer = plan.plan.signer
    return accounts.add(
        session,
        approver_name(plan),
        AccountRole.LEADERSHIP,
        APPROVER_PASSWORD,
        full_name=signer.name,
        title=signer.title,
        now=now,
        actor="demo",
    )


def save_status_page(http: httpx.Client, out_dir: Path) -> Path:
    http.post("/van-phong/dang-nhap", data={"name": DEMO_ACCOUNT, "password": DEMO_PASSWORD})
    page = http.get("/van-phong")
    page.raise_for_status()
    path = out_dir / "tinh-hinh.html"
    path.write_text(page.text, encoding="utf-8")
    return path
