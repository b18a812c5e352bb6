"""Shared by the email intake tests: a private Dovecot, the office's intake over the announced mini
plan, and messages built the way common mail clients send them."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import Engine, select

from dutyflow.forms import FormTarget
from dutyflow.intake import target_of
from dutyflow.mail import Address, MemoryTransport
from dutyflow.mailin.dovecot import ImapAccount, ThrowawayDovecot, dovecot_binary
from dutyflow.mailin.intake_mail import MailIntake, MailIntakeConfig
from dutyflow.mailin.mailbox import ImapMailbox, ImapSettings
from dutyflow.mailin.replyto import make_token, reply_address
from dutyflow.notify import Notifier
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from tests.conftest import at, build_notifier
from tests.filling import filled_workbook

OFFICE = Address("Văn phòng HĐND&UBND huyện", "vanthu@vp.thunghiem.example")
SECRET = b"khoa-bi-mat-cua-may-chu-thu-nghiem"
NOW = at("2025-05-12", 9)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FOCAL_A = "vhxh@xa-a.thunghiem.example"
FOCAL_B = "vhxh@xa-b.thunghiem.example"
HEAD_A = "chutich@xa-a.thunghiem.example"


@pytest.fixture
def imap() -> Iterator[ImapAccount]:
    """A private Dovecot on a free port; missing Dovecot fails under CI=true."""
    if dovecot_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("dovecot is required in CI (Debian package dovecot-imapd, installed by .ci/setup --test)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    with ThrowawayDovecot() as account:
        yield account


def settings_of(account: ImapAccount, **changes: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": account.host,
        "port": account.port,
        "security": account.security,
        "user": account.user,
        "password": account.password,
        "cafile": account.cafile,
    }
    values.update(changes)
    return ImapSettings(**values)  # type: ignore[arg-type]


@dataclass
class Office:
    engine: Engine
    notifier: Notifier
    transport: MemoryTransport
    files: FileStore
    account: ImapAccount

    def intake(self, config: MailIntakeConfig | None = None, fault=None) -> MailIntake:  # type: ignore[no-untyped-def]
        return MailIntake(
            self.engine, self.files, self.notifier, SECRET, config or MailIntakeConfig(), fault=fault
        )

    def mailbox(self, **changes: object) -> ImapMailbox:
        return ImapMailbox(settings_of(self.account, **changes))

    def run(self, now: dt.datetime = NOW, config: MailIntakeConfig | None = None):  # type: ignore[no-untyped-def]
        with self.mailbox() as box:
            return self.intake(config).run(box, now)

    def deliver(self, *messages: bytes) -> None:
        with self.mailbox() as box:
            for raw in messages:
                box.append(raw)

    def folder(self, name: str = "INBOX") -> list[str]:
        """Message-IDs (or subjects when missing) in a folder, and whether any was marked seen."""
        with MailBoxUnencrypted(self.account.host, self.account.port).login(
            self.account.user, self.account.password, initial_folder=None
        ) as box:
            if not box.folder.exists(name):
                return []
            box.folder.set(name)
            return [m.headers.get("message-id", (m.subject,))[0].strip() for m in box.fetch(mark_seen=False)]

    def obligation(self, unit: str, deliverable: str, period: str | None = None) -> ObligationRow:
        with session_scope(self.engine) as session:
            query = (
                select(ObligationRow)
                .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
                .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(UnitRow.code == unit, DeliverableRow.code == deliverable)
                .order_by(ObligationRow.last_day)
            )
            if period:
                query = query.where(ObligationRow.period == period)
            return session.scalars(query).first()  # type: ignore[return-value]

    def target(self, unit: str, deliverable: str, period: str | None = None) -> FormTarget:
        return target_of(self.notifier.plan, self.obligation(unit, deliverable, period))

    def form(self, unit: str, deliverable: str = "bao-cao-6-thang", fill=None) -> bytes:  # type: ignore[no-untyped-def]
        target = self.target(unit, deliverable)
        return filled_workbook(target, fill) if fill else filled_workbook(target)

    def reply_to(self, unit: str, deliverable: str | None = None) -> str:
        """The Reply-To of a reminder to `unit` (about one obligation when `deliverable` is given)."""
        obligation = self.obligation(unit, deliverable) if deliverable else None
        with session_scope(self.engine) as session:
            unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == unit)).one()
        token = make_token(SECRET, self.notifier.plan.plan.code, unit_id, obligation.id if obligation else None)
        return reply_address(OFFICE.email, token)


@pytest.fixture
def office(announced: Engine, imap: ImapAccount, tmp_path: Path) -> Office:
    transport = MemoryTransport()
    notifier = build_notifier(announced, transport, sender=OFFICE, reply_secret=SECRET.decode())
    return Office(announced, notifier, transport, FileStore(tmp_path / "uploads"), imap)


# ---------------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class File:
    name: str
    content: bytes
    mime: str = XLSX


def _headers(
    message: MIMEBase | MIMEMultipart,
    sender: str,
    to: str,
    subject: str,
    in_reply_to: str | None,
    message_id: str | None,
    extra: dict[str, str] | None,
) -> None:
    message["From"] = sender
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8").encode() if not subject.isascii() else subject
    message["Date"] = format_datetime(NOW)
    if message_id is not False:  # type: ignore[comparison-overlap]
        message["Message-ID"] = message_id or make_msgid(domain="client.thunghiem.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["MIME-Version"] = "1.0"
    for name, value in (extra or {}).items():
        message[name] = value


def _attachment(file: File, style: str) -> MIMEBase:
    maintype, subtype = file.mime.split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(file.content)
    encoders.encode_base64(part)
    if style == "gmail":  # RFC 2047 inside quotes, as Gmail writes non-ASCII names
        encoded = "=?UTF-8?B?" + base64.b64encode(file.name.encode()).decode() + "?="
        part.replace_header("Content-Type", f'{file.mime}; name="{encoded}"')
        part["Content-Disposition"] = f'attachment; filename="{encoded}"'
        part["X-Attachment-Id"] = "f_m1abc"
    elif style == "thunderbird":  # RFC 2231 with continuations
        from urllib.parse import quote

        quoted = quote(file.name.encode())
        half = len(quoted) // 2
        while quoted[half - 1] == "%" or quoted[half - 2] == "%":
            half += 1
        part["Content-Disposition"] = (
            f"attachment;\r\n filename*0*=UTF-8''{quoted[:half]};\r\n filename*1*={quoted[half:]}"
        )
    else:  # Outlook and most others: RFC 2231 in one parameter
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", file.name))
    return part


def gmail(
    sender: str,
    to: str,
    files: Sequence[File],
    *,
    subject: str = "Re: Nhắc hạn báo cáo",
    in_reply_to: str | None = None,
    message_id: str | None = None,
    extra: dict[str, str] | None = None,
    body: str = "Kính gửi Văn phòng, xã gửi báo cáo.\n\nVào Th 2, 12 thg 5, Văn phòng đã viết:\n> Nhắc hạn",
) -> bytes:
    """multipart/mixed: alternative (plain and html, base64), then the files, names in RFC 2047."""
    message = MIMEMultipart("mixed")
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(body, "plain", "utf-8"))
    alternative.attach(MIMEText(f"<div>{body}</div><div class=gmail_quote>…</div>", "html", "utf-8"))
    message.attach(alternative)
    for file in files:
        message.attach(_attachment(file, "gmail"))
    _headers(message, sender, to, subject, in_reply_to, message_id, extra)
    return message.as_bytes()


def outlook(
    sender: str,
    to: str,
    files: Sequence[File],
    *,
    subject: str = "TL: Nhắc hạn báo cáo",
    in_reply_to: str | None = None,
    message_id: str | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """Quoted-printable bodies, an HTML part related to an inline logo, RFC 2231 file names."""
    message = MIMEMultipart("mixed")
    alternative = MIMEMultipart("alternative")
    alternative.attach(_qp("Gửi Văn phòng báo cáo của xã.\n\nTrân trọng,\nCông chức VHXH\n\n-----Original Message-----\n"))
    related = MIMEMultipart("related")
    related.attach(_qp("<p>Gửi Văn phòng báo cáo của xã.</p><img src=\"cid:image001.png@01DB\">", "html"))
    logo = MIMEBase("image", "png")
    logo.set_payload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    encoders.encode_base64(logo)
    logo["Content-ID"] = "<image001.png@01DB>"
    logo.add_header("Content-Disposition", "inline", filename="image001.png")
    related.attach(logo)
    alternative.attach(related)
    message.attach(alternative)
    for file in files:
        message.attach(_attachment(file, "outlook"))
    _headers(message, sender, to, subject, in_reply_to, message_id, {"Thread-Index": "AdtDdM5j", **(extra or {})})
    return message.as_bytes()


def _qp(text: str, subtype: str = "plain") -> MIMEText:
    from email import charset

    cs = charset.Charset("utf-8")
    cs.body_encoding = charset.QP
    part = MIMEText(text, subtype, cs)  # type: ignore[arg-type]
    return part


def thunderbird(
    sender: str,
    to: str,
    files: Sequence[File],
    *,
    subject: str = "Re: Nhắc hạn báo cáo",
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """format=flowed text with a signature, file names in RFC 2231 continuations."""
    message = MIMEMultipart("mixed")
    text = MIMEText("Xã B gửi báo cáo.\n\n-- \nCông chức VHXH xã B\nĐT: 0206 000 000\n", "plain", "utf-8")
    text.set_param("format", "flowed")
    message.attach(text)
    for file in files:
        message.attach(_attachment(file, "thunderbird"))
    _headers(message, sender, to, subject, in_reply_to, message_id, {"User-Agent": "Mozilla Thunderbird"})
    return message.as_bytes()


def phone_forward(sender: str, to: str, original: bytes, *, subject: str = "Fwd: Báo cáo 6 tháng") -> bytes:
    """A phone app forwarding a message as an attachment (message/rfc822) inside a nested multipart."""
    from email import message_from_bytes

    message = MIMEMultipart("mixed")
    message.attach(MIMEText("---------- Forwarded message ---------\nGửi từ điện thoại", "plain", "utf-8"))
    forwarded = MIMEMessage(message_from_bytes(original))
    forwarded.add_header("Content-Disposition", "attachment", filename="Bao cao.eml")
    inner = MIMEMultipart("mixed")
    inner.attach(forwarded)
    message.attach(inner)
    _headers(message, sender, to, subject, None, None, {"X-Mailer": "iPhone Mail (20A362)"})
    return message.as_bytes()
