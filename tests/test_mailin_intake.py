"""Reports by email against a real IMAP server (Dovecot): identified, taken through the portal's
intake, answered in the unit's thread, moved; everything else left where it was."""

from __future__ import annotations

import email
import email.policy

from sqlalchemy import select

from dutyflow.mail.message import to_mime
from dutyflow.mailin.intake_mail import MailIntakeConfig
from dutyflow.mailin.ledger import AUTOMATIC, IGNORED, OWN, review_queue
from dutyflow.states import InboundOutcome, ObligationState, SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import InboundMailRow, SubmissionRow
from tests.filling import sensible
from tests.mailin_support import (
    DOCX,
    FOCAL_A,
    FOCAL_B,
    HEAD_A,
    NOW,
    OFFICE,
    File,
    Office,
    gmail,
    imap,
    office,
    outlook,
    phone_forward,
    thunderbird,
)
from tests.test_forms_corpus import docx_bytes

__all__ = ["imap", "office"]  # fixtures

PROCESSED = MailIntakeConfig().processed_folder
REVIEW = MailIntakeConfig().review_folder


def submissions(office: Office) -> list[SubmissionRow]:
    with session_scope(office.engine) as session:
        return list(session.scalars(select(SubmissionRow).order_by(SubmissionRow.id)))


def row_of(office: Office, message_id: str) -> InboundMailRow:
    with session_scope(office.engine) as session:
        return session.scalars(select(InboundMailRow).where(InboundMailRow.message_id == message_id)).one()


def test_a_reply_to_the_reminder_with_a_good_form_is_accepted_answered_in_its_thread_and_moved(
    office: Office,
) -> None:
    reminder_id = "<nhac-han.1@vp.thunghiem.example>"
    raw = gmail(
        f"Công chức VHXH xã A <{FOCAL_A}>",
        office.reply_to("xa-a", "bao-cao-6-thang"),
        [File("Báo cáo 6 tháng xã A.xlsx", office.form("xa-a"))],
        in_reply_to=reminder_id,
        message_id="<tra-loi.1@mail.gmail.example>",
    )
    office.deliver(raw)
    report = office.run()
    [submission] = submissions(office)
    assert submission.status == SubmissionStatus.ACCEPTED and submission.channel == SubmissionChannel.EMAIL
    assert submission.file_name == "Báo cáo 6 tháng xã A.xlsx"
    assert office.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.ACCEPTED
    assert office.obligation("xa-a", "bao-cao-6-thang").next_action_at is None  # the chase stops
    [receipt] = office.transport.sent
    assert receipt.subject.startswith("Đã nhận Báo cáo 6 tháng")
    assert [a.email for a in receipt.to] == [FOCAL_A]
    wire = email.message_from_bytes(to_mime(receipt).as_bytes(), policy=email.policy.default)
    assert wire["In-Reply-To"] == "<tra-loi.1@mail.gmail.example>"
    assert wire["References"].split() == [reminder_id, "<tra-loi.1@mail.gmail.example>"]
    assert "thư điện tử" in receipt.text
    assert office.folder("INBOX") == [] and office.folder(PROCESSED) == ["<tra-loi.1@mail.gmail.example>"]
    assert report.moved == 1
    # The next run finds nothing to do: nothing is read twice.
    office.run()
    assert len(submissions(office)) == 1 and len(office.transport.sent) == 1


def test_a_wrong_form_gets_a_reply_naming_the_cells(office: Office) -> None:
    def too_many(form: str, field) -> object:  # type: ignore[no-untyped-def]
        return 300 if field.column_label.startswith("Tử số") else sensible(form, field)

    office.deliver(
        outlook(
            "Cán bộ Tư pháp <vanthu@tuphap.thunghiem.example>",
            office.reply_to("tu-phap", "bao-cao-6-thang"),
            [File("Phụ lục I – Tư pháp.xlsx", office.form("tu-phap", fill=too_many))],
            message_id="<outlook.1@tuphap.thunghiem.example>",
        )
    )
    office.run()
    [submission] = submissions(office)
    assert submission.status == SubmissionStatus.RETURNED and submission.file_name == "Phụ lục I – Tư pháp.xlsx"
    assert office.obligation("tu-phap", "bao-cao-6-thang").state == ObligationState.RETURNED  # the chase restarts
    [answer] = office.transport.sent
    assert answer.subject.startswith("Đề nghị bổ sung")
    assert "Phụ lục I, ô G12" in answer.text
    assert answer.in_reply_to == "<outlook.1@tuphap.thunghiem.example>"


def test_a_known_contact_without_token_is_identified_and_rfc2231_continuations_are_read(office: Office) -> None:
    office.deliver(
        thunderbird(
            f"Công chức VHXH xã B <{FOCAL_B}>",
            OFFICE.email,  # written to the office's plain address: no token
            [File("Báo cáo 6 tháng năm 2025 của Ủy ban nhân dân xã B (bản cuối).xlsx", office.form("xa-b"))],
            message_id="<tb.1@xa-b.thunghiem.example>",
        )
    )
    office.run()
    [submission] = submissions(office)
    assert submission.status == SubmissionStatus.ACCEPTED
    assert submission.file_name == "Báo cáo 6 tháng năm 2025 của Ủy ban nhân dân xã B (bản cuối).xlsx"
    assert row_of(office, "<tb.1@xa-b.thunghiem.example>").outcome == InboundOutcome.SUBMITTED


def test_a_form_forwarded_from_a_phone_as_an_eml_is_identified_by_its_own_identification(office: Office) -> None:
    original = gmail(
        "Chủ tịch UBND xã B <chutich@xa-b.thunghiem.example>",
        "ca-nhan@gmail.example",
        [File("bc.xlsx", office.form("xa-b"))],
        subject="Báo cáo 6 tháng",
    )
    office.deliver(phone_forward("Nguyễn Văn B <ca-nhan.b@gmail.example>", OFFICE.email, original))
    office.run()
    [submission] = submissions(office)
    assert submission.status == SubmissionStatus.ACCEPTED and submission.obligation_id == office.obligation("xa-b", "bao-cao-6-thang").id
    [receipt] = office.transport.sent
    assert [a.email for a in receipt.to] == ["ca-nhan.b@gmail.example"]  # answered to whoever sent it


def test_an_email_with_reports_for_several_obligations_is_split(office: Office) -> None:
    document = docx_bytes()
    office.deliver(
        gmail(
            f"Chủ tịch UBND xã A <{HEAD_A}>",
            office.reply_to("xa-a", "danh-sach-thang"),
            [File("Danh sách tháng 4.docx", document, DOCX), File("PL1.xlsx", office.form("xa-a"))],
            message_id="<hai-bao-cao@xa-a.thunghiem.example>",
        )
    )
    office.run()
    made = {(s.obligation_id, s.status) for s in submissions(office)}
    assert made == {
        (office.obligation("xa-a", "danh-sach-thang").id, "accepted"),
        (office.obligation("xa-a", "bao-cao-6-thang").id, "accepted"),
    }
    assert len(office.transport.sent) == 2
    assert {m.in_reply_to for m in office.transport.sent} == {"<hai-bao-cao@xa-a.thunghiem.example>"}


def test_messages_that_are_not_reports_are_left_untouched_and_unanswered(office: Office) -> None:
    pdf = File("thong-bao.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    messages = {
        "<khong-tep@xa-a>": gmail(FOCAL_A, OFFICE.email, [], message_id="<khong-tep@xa-a>"),
        "<la@ngoai>": gmail("nguoi-la@ngoai.example", OFFICE.email, [pdf], message_id="<la@ngoai>"),
        "<van-phong@vp>": gmail(OFFICE.email, OFFICE.email, [pdf], message_id="<van-phong@vp>"),
        "<vang-mat@xa-a>": gmail(
            FOCAL_A, office.reply_to("xa-a", "bao-cao-6-thang"), [File("a.xlsx", office.form("xa-a"))],
            subject="Trả lời tự động: Nhắc hạn báo cáo", message_id="<vang-mat@xa-a>",
        ),
    }
    office.deliver(*messages.values())
    office.run()
    office.run()
    assert sorted(office.folder("INBOX")) == sorted(messages)
    assert submissions(office) == [] and office.transport.sent == []
    outcomes = {key: row_of(office, key).outcome for key in messages}
    assert outcomes == {
        "<khong-tep@xa-a>": IGNORED,
        "<la@ngoai>": IGNORED,
        "<van-phong@vp>": OWN,
        "<vang-mat@xa-a>": AUTOMATIC,
    }


def test_a_doubtful_message_goes_to_the_review_queue_with_its_reason(office: Office) -> None:
    pdf = File("bao-cao.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    office.deliver(gmail(FOCAL_A, OFFICE.email, [pdf], message_id="<nghi-ngo@xa-a>"))
    office.run()
    assert office.folder("INBOX") == [] and office.folder(REVIEW) == ["<nghi-ngo@xa-a>"]
    with session_scope(office.engine) as session:
        [queued] = review_queue(session)
        assert queued.message_id == "<nghi-ngo@xa-a>"
        assert "bao-cao.pdf" in (queued.reason or "") and "không xác định được là báo cáo nào" in (queued.reason or "")
    assert office.transport.sent == [] and submissions(office) == []


def test_a_flood_from_one_sender_is_limited(office: Office) -> None:
    office.deliver(
        *[
            gmail(FOCAL_A, office.reply_to("xa-a", "bao-cao-6-thang"), [File(f"{i}.xlsx", office.form("xa-a"))],
                  message_id=f"<lu-{i}@xa-a>")
            for i in range(4)
        ]
    )
    office.run(config=MailIntakeConfig(max_per_sender_per_day=3))
    assert len(submissions(office)) == 3 and len(office.transport.sent) == 3
    assert office.folder(REVIEW) == ["<lu-3@xa-a>"]
    assert row_of(office, "<lu-3@xa-a>").outcome == "flood"
    _ = NOW


def test_a_form_inside_an_outlook_winmail_dat_is_taken(office: Office) -> None:
    from tests.test_mailin_parse import tnef

    winmail = tnef({"PL1-xa-a.xlsx": office.form("xa-a")})
    office.deliver(
        outlook(FOCAL_A, office.reply_to("xa-a"), [File("winmail.dat", winmail, "application/ms-tnef")],
                message_id="<winmail@xa-a>")
    )
    office.run()
    [submission] = submissions(office)
    assert submission.status == SubmissionStatus.ACCEPTED and submission.file_name == "PL1-xa-a.xlsx"
    assert office.obligation("xa-a", "bao-cao-6-thang").state == ObligationState.ACCEPTED


def test_a_message_the_intake_fails_on_is_parked_for_review_and_the_others_still_go_through(office: Office) -> None:
    office.deliver(
        gmail(FOCAL_A, office.reply_to("xa-a", "bao-cao-6-thang"), [File("a.xlsx", office.form("xa-a"))],
              message_id="<hong@xa-a>"),
        gmail(FOCAL_B, office.reply_to("xa-b", "bao-cao-6-thang"), [File("b.xlsx", office.form("xa-b"))],
              message_id="<tot@xa-b>"),
    )
    failed = []

    def fail_first(point: str) -> None:
        if point == "submitted" and not failed:
            failed.append(point)
            raise ValueError("a reader that did not expect this file")

    with office.mailbox() as box:
        office.intake(fault=fail_first).run(box, NOW)
    assert office.folder(REVIEW) == ["<hong@xa-a>"]
    assert "ValueError" in (row_of(office, "<hong@xa-a>").reason or "")
    [submission] = submissions(office)  # the failed message's submission was rolled back
    assert submission.obligation_id == office.obligation("xa-b", "bao-cao-6-thang").id
    assert office.folder(PROCESSED) == ["<tot@xa-b>"]


def test_a_message_left_where_it_was_is_not_downloaded_again(office: Office) -> None:
    from dutyflow.mailin.mailbox import ImapMailbox

    class Counting(ImapMailbox):
        downloads = 0

        def raw(self, uid: str) -> bytes:
            Counting.downloads += 1
            return super().raw(uid)

    office.deliver(gmail(FOCAL_A, OFFICE.email, [], subject="Hỏi về biểu mẫu", message_id="<hoi@xa-a>"))
    for _ in range(3):
        with Counting(office.mailbox().settings) as box:
            report = office.intake().run(box, NOW)
    assert report.read == 1 and Counting.downloads == 1
    assert office.folder("INBOX") == ["<hoi@xa-a>"]
