"""An outgoing message is validated when it is built, and has one MIME form."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest

import dutyflow.mail
from dutyflow.mail import Address, Attachment, OutgoingMessage, new_message_id
from dutyflow.mail.message import MAX_NAME_OCTETS, to_mime, top_headers

OFFICE = Address("Văn phòng HĐND&UBND huyện Trùng Khánh", "vanphong@trungkhanh.example.vn")
FOCAL = Address("Nông Thị Hạnh", "hanh@trungkhanh.example.vn")
HEAD = Address("Hoàng Văn Đức", "duc@trungkhanh.example.vn")


def message(**changes: object) -> OutgoingMessage:
    base = OutgoingMessage(
        message_id="<reminder.1@trungkhanh.example.vn>",
        sender=OFFICE,
        to=(FOCAL,),
        subject="Nhắc thời hạn gửi báo cáo",
        text="Kính gửi: Phòng Y tế\n",
        html="<p>Kính gửi: Phòng Y tế</p>",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def parse(mime: EmailMessage) -> EmailMessage:
    return parse_bytes(mime.as_bytes())


def parse_bytes(wire: bytes) -> EmailMessage:
    parsed = BytesParser(policy=email.policy.default).parsebytes(wire)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_it_exports_exactly_its_public_names() -> None:
    assert sorted(dutyflow.mail.__all__) == [
        "Address",
        "Attachment",
        "DeliveryError",
        "DeliveryResult",
        "IcsEvent",
        "MailRenderer",
        "MailSession",
        "MailSink",
        "MailTransport",
        "MemoryTransport",
        "OutgoingMessage",
        "ReceivedMail",
        "SmtpTransport",
        "build_ics",
        "environment",
        "new_message_id",
    ]


@pytest.mark.parametrize("name", ["Hạnh\r\nBcc: evil@example.com", "Hạnh\n", "Hạnh\r", "Hạnh\x00", "Hạnh\u2028"])
def test_it_rejects_line_breaks_and_control_characters_in_a_display_name(name: str) -> None:
    with pytest.raises(ValueError):
        Address(name, "hanh@example.vn")


@pytest.mark.parametrize(
    "addr",
    [
        "hanh@example.vn\r\nBcc: evil@example.com",
        "hanh.example.vn",
        "hanh@@example.vn",
        "a@b@example.vn",
        "@example.vn",
        "hanh@",
    ],
)
def test_it_rejects_an_email_without_exactly_one_at_or_with_control_characters(addr: str) -> None:
    with pytest.raises(ValueError):
        Address("Hạnh", addr)


def test_it_accepts_a_vietnamese_name_with_punctuation() -> None:
    address = Address('Phòng Văn hóa & Thông tin <huyện>, "Trùng Khánh"', "vhtt@trungkhanh.example.vn")
    assert address.name.startswith("Phòng Văn hóa")


@pytest.mark.parametrize("subject", ["Nhắc hạn\r\nBcc: evil@example.com", "Nhắc hạn\n", "Nhắc\rhạn"])
def test_it_rejects_a_subject_on_more_than_one_line(subject: str) -> None:
    with pytest.raises(ValueError):
        message(subject=subject)


@pytest.mark.parametrize(
    "message_id", ["reminder@x.vn", "<reminder>", "<a@x.vn>\r\nBcc: evil@x.vn", "<a b@x.vn>", "<nhắc@x.vn>"]
)
def test_it_rejects_a_malformed_message_id(message_id: str) -> None:
    with pytest.raises(ValueError):
        message(message_id=message_id)


def test_it_needs_a_recipient() -> None:
    with pytest.raises(ValueError):
        message(to=())


@pytest.mark.parametrize("filename", ["../etc/passwd", "a/b.xlsx", "Phụ lục\r\n.xlsx", "  "])
def test_it_rejects_an_attachment_name_that_is_a_path_or_has_line_breaks(filename: str) -> None:
    with pytest.raises(ValueError):
        Attachment(filename, b"data", "application/octet-stream")


def test_it_rejects_an_attachment_type_that_is_not_a_mime_type() -> None:
    with pytest.raises(ValueError):
        Attachment("lich.ics", b"data", "text/calendar\r\nX-Evil: 1")


def test_it_lists_every_recipient_once_to_before_cc() -> None:
    msg = message(to=(FOCAL,), cc=(HEAD, Address("Hạnh", "HANH@trungkhanh.example.vn")))
    assert msg.recipients == ("hanh@trungkhanh.example.vn", "duc@trungkhanh.example.vn")


def test_it_keeps_lists_given_as_tuples() -> None:
    msg = message(to=[FOCAL], cc=[HEAD])
    assert msg.to == (FOCAL,)
    assert msg.cc == (HEAD,)
    assert hash(msg)


def test_it_makes_a_new_message_id_in_the_domain_each_time() -> None:
    first = new_message_id("trungkhanh.example.vn")
    second = new_message_id("trungkhanh.example.vn")
    assert first != second
    assert first.startswith("<") and first.endswith("@trungkhanh.example.vn>")
    message(message_id=first)  # valid as a message id


def test_it_builds_text_and_html_as_alternatives_and_attachments_beside_them() -> None:
    msg = message(attachments=(Attachment("lịch.ics", b"BEGIN:VCALENDAR\r\n", "text/calendar"),))
    parsed = parse(to_mime(msg))
    assert parsed.get_content_type() == "multipart/mixed"
    body, attachment = parsed.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_filename() == "lịch.ics"
    assert attachment.get_content_disposition() == "attachment"


def test_it_builds_a_plain_alternative_without_attachments() -> None:
    parsed = parse(to_mime(message()))
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Message-ID"] == "<reminder.1@trungkhanh.example.vn>"


def test_it_puts_only_ascii_on_the_wire() -> None:
    msg = message(
        cc=(HEAD,),
        reply_to=OFFICE,
        attachments=(Attachment("Phụ lục I - Kết quả.xlsx", "Dữ liệu".encode(), "application/octet-stream"),),
    )
    wire = to_mime(msg).as_bytes()
    assert wire.isascii()
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")


def test_it_keeps_long_vietnamese_display_names_whole_when_parsed_back() -> None:
    long_name = "Nông Thị Hạnh – Phòng Văn hóa & Thông tin, Văn phòng HĐND&UBND huyện Trùng Khánh"
    msg = message(to=(Address(long_name, "hanh@trungkhanh.example.vn"), FOCAL), cc=(Address("", "x@example.vn"),))
    parsed = parse(to_mime(msg))
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        (long_name, "hanh@trungkhanh.example.vn"),
        (FOCAL.name, FOCAL.email),
    ]
    assert parsed["Cc"].addresses[0].addr_spec == "x@example.vn"
    assert parsed["From"].addresses[0].display_name == OFFICE.name


def test_it_folds_a_long_vietnamese_subject_that_parses_back_exactly() -> None:
    subject = "Nhắc thời hạn gửi Báo cáo 6 tháng đầu năm về công tác trẻ em (6 tháng đầu năm 2025) – hạn cuối 19/5/2025"
    wire = to_mime(message(subject=subject)).as_bytes()
    assert all(len(line) <= 78 for line in wire.split(b"\r\n") if not line.startswith((b"To:", b"From:")))
    assert parse(to_mime(message(subject=subject)))["Subject"] == subject


# ------------------------------------------------------------------ every header reads as written

LONG_TEXT = (
    "Danh sách trẻ em có hoàn cảnh đặc biệt (hằng tháng) – Phòng Lao động - Thương binh và Xã hội "
    'huyện Trùng Khánh, tỉnh Cao Bằng: «Kế hoạch» số 45/KH-UBND; "ưu tiên" <khẩn> ĐẠT 9,5‰ ở 100% xã '
    "=?utf-8?q?gi=E1=BA=A3?= và  hai  dấu cách"
)
"""Vietnamese words and spaces everywhere a fold may fall, punctuation that is special in some
header, a run of ASCII that looks like an encoded word, and double spaces."""


def decoded_by_rfc2047(raw: str) -> str:
    """What a reader that follows RFC 2047 to the letter shows: the standard library's legacy
    decoder, which drops the white space between adjacent encoded words (RFC 2047 §6.2)."""
    return str(make_header(decode_header(raw)))


def subject_lines(wire: bytes) -> list[bytes]:
    """The Subject header's lines as written: its first line and its continuation lines."""
    lines = wire.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith(b" ")), len(lines))
    return lines[start:end]


def raw_header(wire: bytes, name: str) -> str:
    """A header's raw value, unfolded (RFC 5322 §2.2.3)."""
    head = wire.split(b"\r\n\r\n", 1)[0].decode("ascii").replace("\r\n ", " ")
    [line] = [line for line in head.split("\r\n") if line.lower().startswith(name.lower() + ":")]
    return line.split(":", 1)[1].strip()


@pytest.mark.parametrize("end", range(1, len(LONG_TEXT) + 1))
def test_a_subject_cut_anywhere_decodes_to_exactly_what_was_written(end: int) -> None:
    subject = LONG_TEXT[:end]
    if subject != " ".join(subject.split()):
        subject = subject.strip()  # the renderer never leaves a space at either end
    wire = to_mime(message(subject=subject)).as_bytes()
    assert parse_bytes(wire)["Subject"] == subject
    encoded = raw_header(wire, "Subject")
    if not subject.isascii() or "=?" in subject:
        assert decoded_by_rfc2047(encoded.replace(" =?", "\r\n =?")) == subject
    assert all(len(line) <= 78 for line in subject_lines(wire))


@pytest.mark.parametrize("end", range(1, len(LONG_TEXT) + 1, 3))
def test_display_names_cut_anywhere_decode_to_exactly_what_was_written(end: int) -> None:
    name = LONG_TEXT[:end].strip()
    people = (Address(name, "a@trungkhanh.example.vn"), Address(name[::-1].strip(), "b@trungkhanh.example.vn"))
    wire = to_mime(message(sender=people[0], to=people, cc=people[::-1], reply_to=people[1])).as_bytes()
    parsed = parse_bytes(wire)
    for header, expected in (("From", people[:1]), ("To", people), ("Cc", people[::-1]), ("Reply-To", people[1:])):
        got = [(a.display_name, a.addr_spec) for a in parsed[header].addresses]
        assert got == [(p.name, p.email) for p in expected], header
        if header == "From" and (not name.isascii() or "=?" in name):
            assert decoded_by_rfc2047(raw_header(wire, header)) == f"{people[0].name} <{people[0].email}>"


def test_the_longest_display_name_and_address_stay_within_the_line_limit_of_smtp() -> None:
    name = ("Nguyễn Thị Ánh Tuyết – Phó Chủ tịch Ủy ban nhân dân huyện Trùng Khánh " * 10)[:MAX_NAME_OCTETS]
    while len(name.encode("utf-8")) > MAX_NAME_OCTETS:
        name = name[:-1].rstrip()
    person = Address(name, "x" * 64 + "@" + "d" * 189)
    wire = to_mime(message(sender=person, to=(person,), cc=(person,), reply_to=person)).as_bytes()
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998
    assert parse_bytes(wire)["Reply-To"].addresses[0].display_name == name


def test_it_refuses_a_display_name_too_long_for_one_header_line() -> None:
    with pytest.raises(ValueError):
        Address("Ủy ban nhân dân " * 40, "ubnd@trungkhanh.example.vn")
    with pytest.raises(ValueError):
        Address("Ủy ban", "x" * 250 + "@vn.vn")


def test_the_date_header_is_the_given_instant() -> None:
    when = dt.datetime(2025, 5, 19, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    parsed = parse(to_mime(message(date=when)))
    assert parsed["Date"].datetime == when
    assert parsed["Date"].datetime.utcoffset() == dt.timedelta(hours=7)


def test_the_date_header_is_the_real_moment_of_building_without_one() -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    parsed = parse(to_mime(message()))
    after = dt.datetime.now(dt.UTC)
    assert before <= parsed["Date"].datetime <= after


def test_it_refuses_a_date_without_a_timezone() -> None:
    with pytest.raises(ValueError):
        message(date=dt.datetime(2025, 5, 19, 8))


def test_a_text_attachment_declares_its_charset() -> None:
    msg = message(attachments=(Attachment("lịch.ics", "Hạn".encode(), "text/calendar", charset="utf-8"),))
    [attachment] = parse(to_mime(msg)).iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_content_charset() == "utf-8"
    with pytest.raises(ValueError):
        Attachment("lịch.ics", b"", "text/calendar", charset='utf-8"; x="y')


def test_a_display_name_keeps_the_spacing_every_reader_shows() -> None:
    assert Address("  Phòng   Y tế  huyện ", "yte@trungkhanh.example.vn").name == "Phòng Y tế huyện"


def test_a_long_message_id_reads_back_exactly() -> None:
    message_id = "<179605228672.11535.18014571585714162249@vphdndubnd.trungkhanh.example>"
    parsed = parse(to_mime(message(message_id=message_id)))
    assert str(parsed["Message-ID"]) == message_id


@pytest.mark.parametrize(
    "subject",
    [
        "Nhac han",
        "x" * 300,
        "a" * 70 + " " + "b" * 80,
        ("Report  for   unit " * 10).strip(),
        " a leading space and a trailing one ",
        "=?utf-8?q?gi=E1=BA=A3?=",
        "",
    ],
)
def test_an_ascii_subject_of_any_shape_reads_back_exactly(subject: str) -> None:
    wire = to_mime(message(subject=subject)).as_bytes()
    assert parse_bytes(wire)["Subject"] == subject
    assert all(len(line) <= 78 for line in subject_lines(wire))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"cc": (HEAD, OFFICE), "reply_to": Address('Văn phòng, "tổng hợp"', "vp+o12@trungkhanh.example.vn")},
        {"attachments": (Attachment("lịch.ics", "Hạn".encode(), "text/calendar", charset="utf-8"),)},
        {"in_reply_to": "<a.1@trungkhanh.example.vn>", "references": ("<a.0@x.vn>", "<a.1@trungkhanh.example.vn>")},
        {
            "subject": "=?utf-8?b?SGk=?= " + "Báo cáo sơ kết 6 tháng đầu năm " * 4,
            "date": dt.datetime(2025, 5, 19, 8, tzinfo=dt.UTC),
        },
        {"to": (Address("", "a@x.vn"), Address("Phòng (Y tế)", "b@x.vn")), "in_reply_to": "<r.1@x.vn>"},
        {
            "to": (Address("Ward 7", "ward.7@x.vn"),),
            "date": dt.datetime(2025, 5, 19, 8, 1, 2, 345678, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        },
    ],
)
def test_the_top_headers_are_those_of_the_mime_form_without_building_it(changes: dict[str, object]) -> None:
    msg = message(**({"date": dt.datetime(2025, 5, 19, 8, tzinfo=dt.UTC)} | changes))
    mime = to_mime(msg)
    # The MIME object reads a subject that looks like an encoded word back decoded; the wire
    # carries it as written, which is what a reader shows and the copy keeps.
    expected = tuple((name, msg.subject if name == "Subject" else str(value)) for name, value in mime.items())
    assert top_headers(msg) == expected
    assert dict(top_headers(msg))["Subject"] == parse(mime)["Subject"]
