"""SMTP throughput of dutyflow's adapter against raw smtplib, over one connection each.

    python -m bench.bench_mail [--messages 1000] [--rounds 3]

Starts dutyflow.mail.MailSink on 127.0.0.1 (nothing ever leaves this machine), renders N realistic
overdue notices with the real templates (Vietnamese subject, text and HTML parts, ~3 KB), then
sends them over one connection per side:
- adapter: SmtpTransport, one session (it builds the MIME with `to_mime` inside send());
- raw: smtplib.SMTP.send_message of the same MIME (`to_mime`, an email.message.EmailMessage),
  built inside the timed loop too: the ratio adapter/raw (goal >= 0.8) is the adapter's overhead;
- raw-stdlib (informative): send_message of an EmailMessage built the plain stdlib way (default
  policy, headerregistry addresses), to show what the stdlib's own header folding costs.
Rounds alternate; medians are reported. Appends to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import smtplib
import statistics
from collections.abc import Callable, Sequence
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bench.common import append_result, print_table, timed
from dutyflow.mail import Address, MailRenderer, MailSink, OutgoingMessage, SmtpTransport
from dutyflow.mail.message import to_mime

HOST = "127.0.0.1"
DOMAIN = "dutyflow-bench.example"
OFFICE = Address("Văn phòng tổng hợp (thử tải)", f"vanthu@vp.{DOMAIN}")
GOAL_RATIO = 0.8


def overdue_context(number: int) -> dict[str, object]:
    """What the chase hands the `overdue` template for commune `number`."""
    place = f"Tân Phú {number}"
    return {
        "plan": {
            "title": "Kế hoạch thực hiện công tác trẻ em năm 2025",
            "year": 2025,
            "issuer_short_name": "UBND huyện Trùng Khánh",
            "place": "Trùng Khánh",
        },
        "office": {"name": OFFICE.name, "email": OFFICE.email},
        "unit": {
            "code": f"xa-{number:05d}",
            "name": f"UBND xã {place}",
            "focal_name": f"Công chức VHXH xã {place}",
            "head_name": f"Chủ tịch UBND xã {place}",
        },
        "portal_url": f"https://portal.{DOMAIN}/u/xa-{number:05d}",
        "today": dt.date(2025, 5, 26),
        "items": [
            {
                "deliverable_name": "Báo cáo kết quả thực hiện 06 tháng",
                "period_label": "6 tháng đầu năm 2025",
                "last_day": dt.date(2025, 5, 19),
                "last_day_off": False,
                "days_left": 0,
                "days_overdue": 7,
                "extended_until": None,
            }
        ],
    }


def build_messages(count: int) -> list[OutgoingMessage]:
    """N distinct messages, rendered before any timing starts: to the focal officer, cc the head."""
    renderer = MailRenderer()
    messages = []
    for number in range(1, count + 1):
        subject, text, html = renderer.render("overdue", overdue_context(number))
        host = f"xa-{number:05d}.{DOMAIN}"
        messages.append(
            OutgoingMessage(
                message_id=make_msgid(domain=DOMAIN),
                sender=OFFICE,
                to=(Address(f"Công chức VHXH xã Tân Phú {number}", f"vhxh@{host}"),),
                cc=(Address(f"Chủ tịch UBND xã Tân Phú {number}", f"chutich@{host}"),),
                reply_to=OFFICE,
                subject=subject,
                text=text,
                html=html,
            )
        )
    return messages


def header_address(address: Address) -> HeaderAddress:
    return HeaderAddress(display_name=address.name, addr_spec=address.email)


def stdlib_mime(message: OutgoingMessage) -> EmailMessage:
    """The same message as plain stdlib builds it: default policy, multipart/alternative."""
    mime = EmailMessage()
    mime["Message-ID"] = message.message_id
    mime["Date"] = formatdate(localtime=True)
    mime["From"] = header_address(message.sender)
    mime["To"] = [header_address(a) for a in message.to]
    mime["Cc"] = [header_address(a) for a in message.cc]
    if message.reply_to is not None:
        mime["Reply-To"] = header_address(message.reply_to)
    mime["Subject"] = message.subject
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    mime.add_alternative(message.html, subtype="html", charset="utf-8")
    return mime


def send_with_adapter(port: int, messages: Sequence[OutgoingMessage]) -> None:
    transport = SmtpTransport(HOST, port, security="none", timeout=30)
    with transport.session() as session:
        for message in messages:
            result = session.send(message)
            assert not result.refused, result.refused


def send_with_smtplib(port: int, messages: Sequence[OutgoingMessage]) -> None:
    """Raw smtplib, the very MIME the adapter sends."""
    with smtplib.SMTP(HOST, port, timeout=30) as smtp:
        for message in messages:
            refused = smtp.send_message(to_mime(message))
            assert not refused, refused


def send_with_smtplib_stdlib_mime(port: int, messages: Sequence[OutgoingMessage]) -> None:
    """Raw smtplib, MIME built the plain stdlib way (informative)."""
    with smtplib.SMTP(HOST, port, timeout=30) as smtp:
        for message in messages:
            refused = smtp.send_message(stdlib_mime(message))
            assert not refused, refused


def run_side(sink: MailSink, send: Callable[[int, Sequence[OutgoingMessage]], None], messages: list) -> float:
    """Messages per second of one side; checks that the sink got every one of them."""
    before = len(sink.received)
    _, seconds = timed(lambda: send(sink.port, messages))
    received = len(sink.received) - before
    assert received == len(messages), f"sink received {received} of {len(messages)}"
    sink.received.clear()  # the sink keeps parsed messages; do not let it grow across rounds
    return len(messages) / seconds


SIDES: dict[str, Callable[[int, Sequence[OutgoingMessage]], None]] = {
    "adapter": send_with_adapter,
    "raw": send_with_smtplib,
    "raw_stdlib": send_with_smtplib_stdlib_mime,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.jsonl")
    args = parser.parse_args(argv)
    messages = build_messages(args.messages)
    content_kb = statistics.mean(len(m.text.encode()) + len(m.html.encode()) for m in messages) / 1024
    wire_kb = statistics.mean(len(to_mime(m).as_bytes()) for m in messages) / 1024
    stdlib_kb = statistics.mean(len(stdlib_mime(m).as_bytes()) for m in messages) / 1024
    loadavg = os.getloadavg()[0]  # other work on the machine skews every figure: keep a trace of it
    rates: dict[str, list[float]] = {name: [] for name in SIDES}
    with MailSink() as sink:
        assert sink.host == HOST
        for send in SIDES.values():  # warm-up: imports, caches, the sink's event loop
            run_side(sink, send, messages[:20])
        for _ in range(args.rounds):
            for name, send in SIDES.items():
                rates[name].append(run_side(sink, send, messages))
    median = {name: statistics.median(values) for name, values in rates.items()}
    ratio = median["adapter"] / median["raw"]
    result = {
        "bench": "mail",
        "messages": args.messages,
        "rounds": args.rounds,
        "content_kb": round(content_kb, 2),
        "wire_kb": round(wire_kb, 2),
        "stdlib_wire_kb": round(stdlib_kb, 2),
        **{f"{name}_msg_per_s": round(rate, 1) for name, rate in median.items()},
        **{f"{name}_rounds": [round(r, 1) for r in values] for name, values in rates.items()},
        "ratio": round(ratio, 3),
        "ratio_vs_raw_stdlib": round(median["adapter"] / median["raw_stdlib"], 3),
        "goal_ratio": GOAL_RATIO,
        "loadavg_before_1m": round(loadavg, 2),
    }
    print_table(
        f"SMTP to MailSink on {HOST}: {args.messages} messages, one connection each, median of {args.rounds}",
        [
            ("message content (text + html)", f"{content_kb:.2f} KB"),
            ("on the wire: to_mime / stdlib MIME", f"{wire_kb:.2f} KB / {stdlib_kb:.2f} KB"),
            ("adapter: SmtpTransport session", f"{median['adapter']:.1f} msg/s  {result['adapter_rounds']}"),
            ("raw: send_message(to_mime(m))", f"{median['raw']:.1f} msg/s  {result['raw_rounds']}"),
            (
                "raw-stdlib: send_message(stdlib MIME)",
                f"{median['raw_stdlib']:.1f} msg/s  {result['raw_stdlib_rounds']}",
            ),
            ("ratio adapter/raw (goal >= 0.8)", f"{ratio:.2f}x  {'ok' if ratio >= GOAL_RATIO else 'MISSED'}"),
            ("ratio adapter/raw-stdlib (informative)", f"{result['ratio_vs_raw_stdlib']:.2f}x"),
            ("load average before", f"{loadavg:.2f}"),
        ],
    )
    if not args.no_record:
        append_result(result)


if __name__ == "__main__":
    main()
