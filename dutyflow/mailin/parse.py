"""An incoming RFC 5322 message as plain data: who sent it, what it answers, whether a machine
wrote it, and the files it carries.

Files are found wherever clients put them: nested multiparts, a forwarded message (message/rfc822,
at any depth), an Outlook winmail.dat (unpacked with tnefparse). Bodies, quoted text, inline
images and signatures are not files. File names are decoded from RFC 2231 parameters and from the
RFC 2047 encoded words some clients put in quotes instead.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

import tnefparse

_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)
_SIGNATURE_SUFFIXES = (".p7s", ".asc", ".sig", ".vcf", ".ics")
_NOT_REPORTS = frozenset({"text/calendar", "text/vcard", "text/x-vcard"})
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_MSGID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
"""A message id as outgoing messages accept it in In-Reply-To (dutyflow.mail.message); others are ignored."""
_AUTO_SUBJECT = re.compile(
    r"(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|autoreply|auto:|"
    r"vắng mặt|trả lời tự động|thư trả lời tự động|không có mặt tại cơ quan|đang nghỉ phép)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MailFile:
    filename: str
    content: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Inbound:
    key: str
    """Message-ID, or a hash of the content when it has none: processed messages are recognised by it."""
    message_id: str | None
    sender: str
    """The From address, lower-case (empty when there is none)."""
    sender_name: str
    subject: str
    references: tuple[str, ...]
    """The thread so far: its References (or In-Reply-To), then its own Message-ID."""
    recipients: tuple[str, ...]
    """To, Cc, Delivered-To and X-Original-To addresses, lower-case: where a reply token hides."""
    automatic: bool
    """Written by a machine (auto-reply, list, bulk): never answered."""
    files: tuple[MailFile, ...]
    unreadable: tuple[str, ...]
    """Names of winmail.dat parts that could not be unpacked."""


def key_of(headers: bytes) -> str | None:
    """The store key of a message from its header section alone, when it has a usable Message-ID
    (without one, the key is a hash of the whole message)."""
    message_id = _first_msgid(email.message_from_bytes(headers, policy=email.policy.compat32).get("Message-ID", ""))
    return message_id if message_id and len(message_id) <= 255 else None


def parse_message(raw: bytes) -> Inbound:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    message_id = _first_msgid(message.get("Message-ID", ""))
    if message_id and len(message_id) <= 255:
        key = message_id
    else:
        key = "sha256:" + hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()
    name, address = parseaddr(_text(message.get("From", "")))
    references = tuple(_MSGID.findall(_text(message.get("References", ""))))
    if not references:
        references = tuple(_MSGID.findall(_text(message.get("In-Reply-To", ""))))[:1]
    if message_id:
        references = (*references, message_id)
    recipients = tuple(
        addr.lower()
        for _, addr in getaddresses(
            [_text(v) for field in ("To", "Cc", "Delivered-To", "X-Original-To") for v in message.get_all(field, [])]
        )
        if addr
    )
    files, unreadable = _files(message)
    subject = " ".join(_text(message.get("Subject", "")).split())
    return Inbound(
        key=key,
        message_id=message_id,
        sender=address.lower(),
        sender_name=name,
        subject=subject,
        references=references[-10:],
        recipients=recipients,
        automatic=is_automatic(message, subject),
        files=files,
        unreadable=unreadable,
    )


def is_automatic(message: Message, subject: str) -> bool:
    """Auto-replies, mailing lists and bulk mail (RFC 3834 and the headers common servers add),
    and out-of-office subjects in English and Vietnamese."""
    auto_submitted = _text(message.get("Auto-Submitted", "")).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if _text(message.get("Precedence", "")).strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return True
    return bool(_AUTO_SUBJECT.search(subject))


def _files(message: Message) -> tuple[tuple[MailFile, ...], tuple[str, ...]]:
    found: list[MailFile] = []
    unreadable: list[str] = []
    seen: set[tuple[str, str]] = set()
    for part in message.walk():
        if part.is_multipart():
            continue  # containers, forwarded messages included: walk() goes inside them
        content_type = part.get_content_type()
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if not filename:
            continue  # a body (the quoted reply, the signature text), or a nameless inline part
        if content_type.startswith("image/") or (disposition == "inline" and part.get("Content-ID")):
            continue  # logos, pasted pictures, scanned signatures
        if content_type in _SIGNATURE_TYPES | _NOT_REPORTS or filename.lower().endswith(_SIGNATURE_SUFFIXES):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if content_type in _TNEF_TYPES or filename.lower() == "winmail.dat":
            inner = _unpack_tnef(data)
            if inner is None:
                unreadable.append(filename)
            found.extend(inner or ())
            continue
        found.append(MailFile(filename, data, content_type))
    unique = []
    for item in found:
        if (item.filename, item.sha256) not in seen:
            seen.add((item.filename, item.sha256))
            unique.append(item)
    return tuple(unique), tuple(unreadable)


def _unpack_tnef(data: bytes) -> list[MailFile] | None:
    try:
        tnef = tnefparse.TNEF(data)
        files = [
            MailFile(_clean_name(a.long_filename() or a.name or "tep"), bytes(a.data), "application/octet-stream")
            for a in tnef.attachments
        ]
    except Exception:  # a hostile or truncated winmail.dat: tnefparse raises anything
        return None
    return files or None


def _filename(part: Message) -> str:
    raw = part.get_filename()
    if raw is None:
        return ""
    return _clean_name(_text(raw))


def _clean_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join(name.split()).strip()[:255]


def _text(value: object) -> str:
    """A header value with RFC 2047 encoded words decoded (also those quoted inside parameters)."""
    text = str(value)
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # a broken encoded word: keep it as it came
        return text


def _first_msgid(value: object) -> str | None:
    found = _MSGID.findall(str(value))
    return found[0][:998] if found else None


__all__ = ["Inbound", "MailFile", "is_automatic", "key_of", "parse_message"]
