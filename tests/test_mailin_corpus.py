"""Bad messages, each with its precise answer, review reason, or silence: delivered together to a
real IMAP server and taken in one pass, so every case also shows that the others do not disturb it."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from sqlalchemy import select

from dutyflow.intake import Limits
from dutyflow.mailin.intake_mail import MailIntakeConfig
from dutyflow.mailin.ledger import AUTOMATIC, IGNORED, OWN, REVIEW
from dutyflow.mailin.replyto import reply_address
from dutyflow.store.db import session_scope
from dutyflow.store.models import InboundMailRow
from tests.filling import sensible
from tests.mailin_support import (
    DOCX,
    FOCAL_A,
    FOCAL_B,
    HEAD_A,
    OFFICE,
    File,
    Office,
    gmail,
    imap,
    office,
    outlook,
    thunderbird,
)
from tests.test_forms_corpus import docx_bytes

__all__ = ["imap", "office"]  # fixtures

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
XLS = "application/vnd.ms-excel"
LIMITS = Limits(max_bytes=96 * 1024)


@dataclass(frozen=True)
class Answer:
    """A reply in the message's thread whose subject starts with `subject` and whose text has `words`."""

    subject: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Silent:
    """Left where it was, unanswered, recorded with this outcome."""

    outcome: str


Make = Callable[[Office, str], bytes]


def numerator_over(form: str, field) -> object:  # type: ignore[no-untyped-def]
    return 300 if field.column_label.startswith("Tử số") else sensible(form, field)


def word_in_number(form: str, field) -> object:  # type: ignore[no-untyped-def]
    return "khoảng một trăm" if field.column_label.startswith("Tử số") else sensible(form, field)


def macro(o: Office) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(o.form("xa-a")), "r") as source, zipfile.ZipFile(out, "w") as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))
        copy.writestr("xl/vbaProject.bin", b"\x00" * 64)
    return out.getvalue()


def tampered(o: Office, **cells: str) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(o.form("xa-a")))
    for address, value in cells.items():
        workbook["_dutyflow"][address] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def foreign_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Danh sách trẻ em có hoàn cảnh đặc biệt"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def token(o: Office, unit: str = "xa-a", deliverable: str = "bao-cao-6-thang") -> str:
    return o.reply_to(unit, deliverable)


RETURNED = "Đề nghị bổ sung"
REFUSED = "Chưa nhận được báo cáo"

CASES: dict[str, tuple[Make, Answer | Review | Silent]] = {
    # ------------------------------------------------------------ answered: the file cannot count as it is
    "old .xls from a known contact": (
        lambda o, m: gmail(FOCAL_A, OFFICE.email, [File("Báo cáo.xls", OLE, XLS)], message_id=m),
        Answer(REFUSED, ("Báo cáo.xls", "hãy lưu lại dưới dạng .xlsx")),
    ),
    "old .xls in reply to a reminder": (
        lambda o, m: outlook(FOCAL_A, token(o), [File("bc.xls", OLE, XLS)], message_id=m),
        Answer(REFUSED, ("bc.xls", "Excel cũ (.xls)", "(.xlsx)")),  # refused at the door (decision 27)
    ),
    "workbook with macros": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.xlsm", macro(o))], message_id=m),
        Answer(REFUSED, ("có chứa macro",)),
    ),
    "PDF for a report that needs the form": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.pdf", PDF, "application/pdf")], message_id=m),
        Answer(REFUSED, ("phải nộp bằng tệp biểu mẫu Excel",)),
    ),
    "Word file renamed .xlsx": (
        lambda o, m: thunderbird(FOCAL_A, token(o), [File("bc.xlsx", docx_bytes())], message_id=m),
        Answer(REFUSED, ("bc.xlsx", "tệp «docx» không thay được biểu mẫu")),
    ),
    "truncated zip": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.xlsx", o.form("xa-a")[:3000])], message_id=m),
        Answer(REFUSED, ("bị hỏng",)),
    ),
    "empty file": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.xlsx", b"")], message_id=m),
        Answer(REFUSED, ("rỗng",)),
    ),
    "file over the size limit": (
        lambda o, m: gmail(
            FOCAL_A, token(o), [File("bc.xlsx", b"PK\x03\x04" + random.Random(5).randbytes(120 * 1024))],
            message_id=m,
        ),
        Answer(REFUSED, ("bc.xlsx", "Tệp quá lớn")),
    ),
    "a numerator above its denominator": (
        lambda o, m: outlook(FOCAL_A, token(o), [File("bc.xlsx", o.form("xa-a", fill=numerator_over))], message_id=m),
        Answer(RETURNED, ("Phụ lục I, ô G12",)),
    ),
    "words in a number cell": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.xlsx", o.form("xa-a", fill=word_in_number))], message_id=m),
        Answer(RETURNED, ("Phụ lục I, ô G12", "khoảng một trăm")),
    ),
    "another unit's form in reply to this unit's reminder": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.xlsx", o.form("xa-b"))], message_id=m),
        Answer(RETURNED, ("xã B", "đang nộp cho đơn vị")),
    ),
    "an unreadable winmail.dat": (
        lambda o, m: outlook(
            FOCAL_A, OFFICE.email, [File("winmail.dat", b"\x78\x9f\x3e\x22" + bytes(40), "application/ms-tnef")],
            message_id=m,
        ),
        Answer(REFUSED, ("winmail.dat", "tệp đính kèm thông thường")),
    ),
    "a spreadsheet for a report that takes documents": (
        lambda o, m: gmail(
            FOCAL_A, token(o, deliverable="danh-sach-thang"), [File("ds.xlsx", foreign_workbook())], message_id=m
        ),
        Answer(REFUSED, ("bảng tính Excel, không phải văn bản Word",)),
    ),
    "a text file in reply to a reminder": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("bc.txt", "Số liệu: 150/200".encode(), "text/plain")], message_id=m),
        Answer(REFUSED, ("bc.txt", "không phải bảng tính Excel")),  # refused at the door (decision 27)
    ),
    # ------------------------------------------------------------ the office must look
    "another unit's form from this unit's contact": (
        lambda o, m: gmail(HEAD_A, OFFICE.email, [File("bc.xlsx", o.form("xa-b"))], message_id=m),
        Review(("bc.xlsx", "là biểu mẫu của", "xã B")),
    ),
    "a document from a known contact, no reminder answered": (
        lambda o, m: gmail(FOCAL_A, OFFICE.email, [File("Kế hoạch.docx", docx_bytes(), DOCX)], message_id=m),
        Review(("Kế hoạch.docx", "không xác định được là báo cáo nào")),
    ),
    "two units' forms from an unknown address": (
        lambda o, m: gmail(
            "ai-do@gmail.example", OFFICE.email,
            [File("a.xlsx", o.form("xa-a")), File("b.xlsx", o.form("xa-b"))], message_id=m,
        ),
        Review(("nhiều đơn vị",)),
    ),
    "a form whose identification names no report of the plan": (
        lambda o, m: gmail("ai-do.khac@gmail.example", OFFICE.email, [File("bc.xlsx", tampered(o, B4="khong-co"))],
                           message_id=m),
        Review(("bc.xlsx", "không ứng với báo cáo nào")),
    ),
    # ------------------------------------------------------------ never answered, left where they were
    "Vietnamese auto-reply": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("a.xlsx", o.form("xa-a"))], subject="Trả lời tự động: Nhắc hạn",
                           message_id=m),
        Silent(AUTOMATIC),
    ),
    "absence notice": (
        lambda o, m: gmail(FOCAL_B, OFFICE.email, [File("a.pdf", PDF, "application/pdf")],
                           subject="Thông báo vắng mặt đến 20/5", message_id=m),
        Silent(AUTOMATIC),
    ),
    "Auto-Submitted": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("a.xlsx", o.form("xa-a"))], message_id=m,
                           extra={"Auto-Submitted": "auto-replied"}),
        Silent(AUTOMATIC),
    ),
    "Precedence bulk": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("a.xlsx", o.form("xa-a"))], message_id=m,
                           extra={"Precedence": "bulk"}),
        Silent(AUTOMATIC),
    ),
    "English out of office": (
        lambda o, m: outlook(FOCAL_B, OFFICE.email, [File("a.pdf", PDF, "application/pdf")],
                             subject="Automatic reply: Out of Office", message_id=m),
        Silent(AUTOMATIC),
    ),
    "X-Autoreply": (
        lambda o, m: gmail(FOCAL_A, token(o), [File("a.xlsx", o.form("xa-a"))], message_id=m,
                           extra={"X-Autoreply": "yes"}),
        Silent(AUTOMATIC),
    ),
    "a mailing list": (
        lambda o, m: gmail(FOCAL_B, OFFICE.email, [File("a.pdf", PDF, "application/pdf")], message_id=m,
                           extra={"List-Id": "<tin-tuc.thunghiem.example>"}),
        Silent(AUTOMATIC),
    ),
    "the office's own message": (
        lambda o, m: gmail(OFFICE.email, OFFICE.email, [File("a.xlsx", o.form("xa-a"))], message_id=m),
        Silent(OWN),
    ),
    "an unknown sender with a document": (
        lambda o, m: gmail("quang-cao@ngoai.example", OFFICE.email, [File("a.pdf", PDF, "application/pdf")],
                           message_id=m),
        Silent(IGNORED),
    ),
    "a known contact without a file": (
        lambda o, m: gmail(FOCAL_A, token(o), [], subject="Re: Nhắc hạn – xã xin gia hạn", message_id=m),
        Silent(IGNORED),
    ),
    "only a logo, a calendar and a signature": (
        lambda o, m: gmail(
            FOCAL_B, OFFICE.email,
            [File("logo.png", b"\x89PNG\r\n\x1a\n", "image/png"), File("han.ics", b"BEGIN:VCALENDAR", "text/calendar"),
             File("smime.p7s", b"0\x82", "application/pkcs7-signature")],
            message_id=m,
        ),
        Silent(IGNORED),
    ),
    "a forged token from an unknown sender": (
        lambda o, m: gmail("gia-mao@ngoai.example", reply_address(OFFICE.email, "3-5-" + "a" * 20),
                           [File("a.pdf", PDF, "application/pdf")], message_id=m),
        Silent(IGNORED),
    ),
}


def test_the_corpus_has_enough_bad_messages() -> None:
    assert len(CASES) >= 25


@pytest.fixture
def answered(office: Office) -> Office:
    ids = {name: f"<corpus-{i}@thunghiem.example>" for i, name in enumerate(CASES)}
    office.deliver(*(make(office, ids[name]) for name, (make, _) in CASES.items()))
    office.run(config=MailIntakeConfig(max_per_sender_per_day=1000, limits=LIMITS))
    office.ids = ids  # type: ignore[attr-defined]
    return office


def test_every_bad_message_gets_its_precise_answer_review_or_silence(answered: Office) -> None:
    ids: dict[str, str] = answered.ids  # type: ignore[attr-defined]
    inbox = set(answered.folder("INBOX"))
    review = set(answered.folder(MailIntakeConfig().review_folder))
    processed = set(answered.folder(MailIntakeConfig().processed_folder))
    with session_scope(answered.engine) as session:
        rows = {row.message_id: row for row in session.scalars(select(InboundMailRow))}
    failures: list[str] = []
    for name, (_, expected) in CASES.items():
        mid = ids[name]
        replies = [m for m in answered.transport.sent if m.in_reply_to == mid]
        row = rows.get(mid)
        if isinstance(expected, Answer):
            ok = (
                len(replies) == 1
                and replies[0].subject.startswith(expected.subject)
                and all(w in " ".join(replies[0].text.split()) for w in expected.words)
                and mid in processed
            )
        elif isinstance(expected, Review):
            ok = (
                not replies
                and row is not None
                and row.outcome == REVIEW
                and all(w in (row.reason or "") for w in expected.words)
                and mid in review
            )
        else:
            ok = not replies and row is not None and row.outcome == expected.outcome and mid in inbox
        if not ok:
            failures.append(
                f"{name}: outcome={row.outcome if row else None} reason={row.reason if row else None} "
                f"replies={[(r.subject, r.text[:600]) for r in replies]}"
            )
    assert not failures, "\n".join(failures)
    assert len(answered.transport.sent) == sum(isinstance(e, Answer) for _, e in CASES.values())
