"""Delivery over real SMTP to a local aiosmtpd sink, and the in-memory transport's same contract."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from dutyflow.mail import (
    Address,
    Attachment,
    DeliveryError,
    IcsEvent,
    MailRenderer,
    MailSink,
    MemoryTransport,
    OutgoingMessage,
    SmtpTransport,
    build_ics,
    new_message_id,
)

DOMAIN = "trungkhanh.example.vn"
OFFICE = Address("Văn phòng HĐND&UBND huyện Trùng Khánh", f"vanphong@{DOMAIN}")
FOCAL = Address("Nông Thị Hạnh – Phòng Văn hóa & Thông tin", f"hanh@{DOMAIN}")
HEAD = Address('Hoàng Văn Đức, "Trưởng phòng"', f"duc@{DOMAIN}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def reminder_context() -> dict[str, object]:
    return {
        "plan": {
            "title": "Kế hoạch thực hiện công tác trẻ em năm 2025",
            "year": 2025,
            "issuer_short_name": "UBND huyện Trùng Khánh",
            "place": "Trùng Khánh",
        },
        "office": {"name": OFFICE.name, "email": OFFICE.email},
        "unit": {
            "code": "vhtt",
            "name": "Phòng Văn hóa & Thông tin",
            "focal_name": "Nông Thị Hạnh",
            "head_name": "Hoàng Văn Đức",
        },
        "portal_url": None,
        "today": dt.date(2025, 5, 16),
        "items": [
            {
                "deliverable_name": "Báo cáo 6 tháng đầu năm",
                "period_label": "6 tháng đầu năm 2025",
                "last_day": dt.date(2025, 5, 19),
                "last_day_off": False,
                "days_left": 3,
                "days_overdue": 0,
                "extended_until": None,
                "reports_for": [],
            },
            {
                "deliverable_name": "Phụ lục I - Kết quả thực hiện chỉ tiêu",
                "period_label": "6 tháng đầu năm 2025",
                "last_day": dt.date(2025, 5, 19),
                "last_day_off": False,
                "days_left": 3,
                "days_overdue": 0,
                "extended_until": None,
                "reports_for": [],
            },
        ],
    }


def reminder(**changes: object) -> OutgoingMessage:
    subject, text, html = MailRenderer().render("reminder", reminder_context())
    base = OutgoingMessage(
        message_id=new_message_id(DOMAIN),
        sender=OFFICE,
        to=(FOCAL,),
        subject=subject,
        text=text,
        html=html,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink(refuse={f"nobody@{DOMAIN}"}) as running:
        yield running


@pytest.fixture
def smtp(sink: MailSink) -> SmtpTransport:
    return SmtpTransport(sink.host, sink.port, timeout=5)


def deliver(transport: SmtpTransport, message: OutgoingMessage) -> None:
    with transport.session() as session:
        session.send(message)


def only(sink: MailSink) -> EmailMessage:
    (received,) = sink.messages
    return received


# --------------------------------------------------------------------------- what arrives


def test_it_delivers_a_subject_that_decodes_to_the_exact_vietnamese(sink: MailSink, smtp: SmtpTransport) -> None:
    deliver(smtp, reminder())
    assert only(sink)["Subject"] == "Nhắc thời hạn gửi 2 báo cáo – hạn cuối 19/5/2025"


def test_it_sends_a_text_part_and_an_html_part(sink: MailSink, smtp: SmtpTransport) -> None:
    deliver(smtp, reminder())
    received = only(sink)
    assert received.get_content_type() == "multipart/alternative"
    text_part = received.get_body(preferencelist=("plain",))
    html_part = received.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()
    assert "<" not in text
    flat = " ".join(text.split())
    assert "Báo cáo 6 tháng đầu năm" in flat
    assert "Phụ lục I - Kết quả thực hiện chỉ tiêu" in flat
    assert "Hạn cuối: ngày 19 tháng 5 năm 2025; còn 3 ngày." in flat
    assert "<ol" in html_part.get_content()


def test_it_keeps_the_message_id_it_was_given(sink: MailSink, smtp: SmtpTransport) -> None:
    msg = reminder(message_id="<chase.42.focal@trungkhanh.example.vn>")
    with smtp.session() as session:
        result = session.send(msg)
    assert result.message_id == "<chase.42.focal@trungkhanh.example.vn>"
    assert only(sink)["Message-ID"] == "<chase.42.focal@trungkhanh.example.vn>"


def test_it_gives_two_sends_of_the_same_reminder_different_ids(sink: MailSink, smtp: SmtpTransport) -> None:
    with smtp.session() as session:
        session.send(reminder())
        session.send(reminder())
    first, second = sink.messages
    assert first["Subject"] == second["Subject"]
    assert first["Message-ID"] != second["Message-ID"]


def test_it_resends_with_the_same_id_when_given_the_same_id(sink: MailSink, smtp: SmtpTransport) -> None:
    msg = reminder()
    deliver(smtp, msg)
    deliver(smtp, msg)
    assert [m["Message-ID"] for m in sink.messages] == [msg.message_id, msg.message_id]


def test_it_sets_reply_to(sink: MailSink, smtp: SmtpTransport) -> None:
    deliver(smtp, reminder(reply_to=Address("Bộ phận tổng hợp", f"tonghop@{DOMAIN}")))
    reply_to = only(sink)["Reply-To"]
    assert reply_to.addresses[0].display_name == "Bộ phận tổng hợp"
    assert reply_to.addresses[0].addr_spec == f"tonghop@{DOMAIN}"


def test_it_decodes_to_and_cc_display_names_to_vietnamese(sink: MailSink, smtp: SmtpTransport) -> None:
    deliver(smtp, reminder(cc=(HEAD,)))
    received = only(sink)
    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [(FOCAL.name, FOCAL.email)]
    assert [(a.display_name, a.addr_spec) for a in received["Cc"].addresses] == [(HEAD.name, HEAD.email)]
    assert received["From"].addresses[0].display_name == OFFICE.name
    assert sink.received[0].rcpt_tos == (FOCAL.email, HEAD.email)
    assert sink.received[0].mail_from == OFFICE.email


def test_it_keeps_a_vietnamese_attachment_name_and_its_bytes(sink: MailSink, smtp: SmtpTransport) -> None:
    content = bytes(range(256)) * 40
    calendar = build_ics(
        [IcsEvent("bc6t@dutyflow", dt.date(2025, 5, 19), "Hạn cuối gửi báo cáo", "")],
        made_at=dt.datetime(2025, 4, 21, 1, tzinfo=dt.UTC),
    )
    deliver(
        smtp,
        reminder(
            attachments=(
                Attachment("Phụ lục I - Kết quả.xlsx", content, XLSX),
                Attachment("Lịch hạn báo cáo.ics", calendar, "text/calendar", charset="utf-8"),
            )
        ),
    )
    received = only(sink)
    assert received.get_content_type() == "multipart/mixed"
    xlsx, ics = received.iter_attachments()
    assert xlsx.get_filename() == "Phụ lục I - Kết quả.xlsx"
    assert xlsx.get_content_type() == XLSX
    assert xlsx.get_payload(decode=True) == content
    assert ics.get_filename() == "Lịch hạn báo cáo.ics"
    assert ics.get_payload(decode=True) == calendar
    assert ics.get_content_type() == "text/calendar" and ics.get_content_charset() == "utf-8"
    assert received.get_body(preferencelist=("plain",)) is not None


def test_it_sends_user_text_that_names_an_existing_file_as_text(sink: MailSink, smtp: SmtpTransport) -> None:
    assert Path("/etc/passwd").is_file()
    deliver(smtp, reminder(text="/etc/passwd", html="/etc/passwd"))
    received = only(sink)
    assert list(received.iter_attachments()) == []
    text_part = received.get_body(preferencelist=("plain",))
    assert text_part is not None
    assert text_part.get_content().strip() == "/etc/passwd"
    assert "root:" not in received.as_string()


def test_it_rejects_line_breaks_in_a_subject_or_name_before_any_connection(sink: MailSink, smtp: SmtpTransport) -> None:
    with pytest.raises(ValueError):
        reminder(subject="Nhắc hạn\r\nBcc: everyone@example.com")
    with pytest.raises(ValueError):
        reminder(to=(Address("Hạnh\r\nBcc: everyone@example.com", FOCAL.email),))
    assert sink.connections == 0
    assert sink.messages == []


# --------------------------------------------------------------------------- refusals and failures


def test_it_reports_a_refused_recipient_while_the_other_receives(sink: MailSink, smtp: SmtpTransport) -> None:
    with smtp.session() as session:
        result = session.send(reminder(cc=(Address("Không tồn tại", f"nobody@{DOMAIN}"),)))
    assert list(result.refused) == [f"nobody@{DOMAIN}"]
    assert result.refused[f"nobody@{DOMAIN}"].startswith("550")
    assert sink.received[0].rcpt_tos == (FOCAL.email,)


def test_it_raises_when_every_recipient_is_refused_and_keeps_the_session_usable(
    sink: MailSink, smtp: SmtpTransport
) -> None:
    with smtp.session() as session:
        with pytest.raises(DeliveryError) as refused:
            session.send(reminder(to=(Address("Không tồn tại", f"nobody@{DOMAIN}"),)))
        session.send(reminder())
    assert refused.value.before_send is True
    assert refused.value.transient is False
    assert len(sink.messages) == 1
    assert sink.connections == 1


def test_it_fails_before_sending_and_quickly_on_a_closed_port() -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), timeout=2)
    started = time.monotonic()
    with transport.session() as session, pytest.raises(DeliveryError) as failure:
        session.send(reminder())
    assert failure.value.before_send is True
    assert failure.value.transient is True
    assert time.monotonic() - started < 2


def test_it_honours_the_timeout_when_the_server_never_greets() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        transport = SmtpTransport("127.0.0.1", silent.getsockname()[1], timeout=0.3)
        started = time.monotonic()
        with transport.session() as session, pytest.raises(DeliveryError) as failure:
            session.send(reminder())
        elapsed = time.monotonic() - started
    assert failure.value.before_send is True
    assert failure.value.transient is True
    assert elapsed < 3


def test_it_fails_fast_for_the_rest_of_a_session_once_the_relay_is_unreachable() -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), timeout=2)
    with transport.session() as session:
        for _ in range(3):
            with pytest.raises(DeliveryError) as failure:
                session.send(reminder())
            assert failure.value.before_send is True


# --------------------------------------------------------------------------- connections


def test_it_sends_a_batch_of_twenty_over_one_connection(sink: MailSink, smtp: SmtpTransport) -> None:
    with smtp.session() as session:
        results = [session.send(reminder()) for _ in range(20)]
    assert len(sink.messages) == 20
    assert sink.connections == 1
    assert len({result.message_id for result in results}) == 20


def test_it_opens_one_connection_per_session_and_none_for_an_idle_one(sink: MailSink, smtp: SmtpTransport) -> None:
    with smtp.session():
        pass
    assert sink.connections == 0
    deliver(smtp, reminder())
    deliver(smtp, reminder())
    assert sink.connections == 2


def test_it_reconnects_once_when_the_server_dropped_the_connection_between_messages() -> None:
    first = MailSink()
    first.start()
    port = first.port
    transport = SmtpTransport("127.0.0.1", port, timeout=5)
    with transport.session() as session:
        session.send(reminder())
        first.stop()
        with MailSink(port=port) as second:
            session.send(reminder())
            assert len(second.messages) == 1
            assert second.connections == 1
    assert len(first.messages) == 1


def test_it_refuses_to_send_on_a_closed_session(smtp: SmtpTransport) -> None:
    with smtp.session() as session:
        pass
    with pytest.raises(RuntimeError):
        session.send(reminder())


# --------------------------------------------------------------------------- STARTTLS and login


@dataclasses.dataclass(frozen=True)
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A self-signed certificate for 127.0.0.1, and a client context that trusts only it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dutyflow test relay")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return Tls(server=server, client=ssl.create_default_context(cafile=str(cert_file)))


def test_it_logs_in_over_starttls_to_a_relay_whose_certificate_verifies(tls: Tls) -> None:
    with MailSink(tls_context=tls.server, credentials=("vanphong", "mat-khau-2025")) as sink:
        transport = SmtpTransport(
            sink.host,
            sink.port,
            security="starttls",
            user="vanphong",
            password="mat-khau-2025",
            timeout=5,
            tls_context=tls.client,
        )
        with transport.session() as session:
            for _ in range(3):
                session.send(reminder())
        assert len(sink.messages) == 3
        assert sink.connections == 1


def test_it_refuses_a_relay_whose_certificate_does_not_verify(tls: Tls) -> None:
    with MailSink(tls_context=tls.server) as sink:
        transport = SmtpTransport(sink.host, sink.port, security="starttls", timeout=5)  # system trust store
        with transport.session() as session, pytest.raises(DeliveryError) as failure:
            session.send(reminder())
        assert failure.value.before_send is True
        assert failure.value.transient is False
        assert sink.messages == []


def test_it_fails_before_sending_when_the_login_is_refused(tls: Tls) -> None:
    with MailSink(tls_context=tls.server, credentials=("vanphong", "right")) as sink:
        transport = SmtpTransport(
            sink.host,
            sink.port,
            security="starttls",
            user="vanphong",
            password="wrong",
            timeout=5,
            tls_context=tls.client,
        )
        with transport.session() as session, pytest.raises(DeliveryError) as failure:
            session.send(reminder())
        assert failure.value.before_send is True
        assert failure.value.transient is False
        assert sink.messages == []


def test_it_speaks_tls_from_the_first_byte_when_asked(tls: Tls) -> None:
    with MailSink(tls_context=tls.server, implicit_tls=True) as sink:
        transport = SmtpTransport(sink.host, sink.port, security="ssl", timeout=5, tls_context=tls.client)
        deliver(transport, reminder())
        assert len(sink.messages) == 1
        unverified = SmtpTransport(sink.host, sink.port, security="ssl", timeout=5)  # system trust store
        with unverified.session() as session, pytest.raises(DeliveryError) as failure:
            session.send(reminder())
        assert failure.value.before_send is True
        assert failure.value.transient is False


def test_it_rejects_a_password_smtplib_cannot_send() -> None:
    with pytest.raises(ValueError):
        SmtpTransport("127.0.0.1", 25, security="starttls", user="vanphong", password="mật-khẩu")


# --------------------------------------------------------------------------- the sink's folder


def test_it_writes_each_message_and_a_vietnamese_index_to_the_folder(tmp_path: Path) -> None:
    with MailSink(tmp_path) as sink:
        deliver(SmtpTransport(sink.host, sink.port, timeout=5), reminder(subject="Báo cáo <quý I> & năm"))
    eml = tmp_path / "0001.eml"
    assert eml.is_file()
    assert b"Message-ID:" in eml.read_bytes()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Hộp thư thử nghiệm" in index
    assert "Tiêu đề" in index and "Người nhận" in index and "Ngày gửi" in index
    assert "Báo cáo &lt;quý I&gt; &amp; năm" in index
    assert 'href="0001.eml"' in index


def test_it_continues_numbering_after_messages_already_in_the_folder(tmp_path: Path) -> None:
    for _ in range(2):
        with MailSink(tmp_path) as sink:
            deliver(SmtpTransport(sink.host, sink.port, timeout=5), reminder())
    assert sorted(path.name for path in tmp_path.glob("*.eml")) == ["0001.eml", "0002.eml"]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.index("0002.eml") < index.index("0001.eml")


def test_it_only_listens_on_the_loopback_address() -> None:
    with MailSink() as sink:
        assert sink.host == "127.0.0.1"
        assert sink.port > 0


# --------------------------------------------------------------------------- the memory transport


def test_it_keeps_messages_in_memory_over_one_connection_per_session() -> None:
    transport = MemoryTransport()
    with transport.session() as session:
        for _ in range(20):
            session.send(reminder())
    assert len(transport.sent) == 20
    assert transport.connections == 1


def test_it_refuses_some_recipients_in_memory_like_a_server() -> None:
    transport = MemoryTransport(refuse={f"nobody@{DOMAIN}"})
    with transport.session() as session:
        result = session.send(reminder(cc=(Address("Không tồn tại", f"nobody@{DOMAIN}"),)))
        with pytest.raises(DeliveryError) as refused:
            session.send(reminder(to=(Address("Không tồn tại", f"nobody@{DOMAIN}"),)))
    assert list(result.refused) == [f"nobody@{DOMAIN}"]
    assert refused.value.before_send is True
    assert len(transport.sent) == 1


def test_it_fails_the_next_sends_before_sending_in_memory_when_told_to() -> None:
    transport = MemoryTransport(fail_before_send=2)
    with transport.session() as session:
        for _ in range(2):
            with pytest.raises(DeliveryError) as failure:
                session.send(reminder())
            assert failure.value.before_send is True
            assert failure.value.transient is True
        session.send(reminder())
    assert len(transport.sent) == 1
    assert transport.fail_before_send == 0
