"""An outgoing email as plain data, validated on construction, and its MIME form.

Every value here may come from a plan file or a database, so everything that reaches a header is
checked when the object is built: a message that exists is safe to put on the wire.
"""

from __future__ import annotations

import base64
import email.policy
import re
from dataclasses import dataclass
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")

_ADDRESS_HEADERS = frozenset({"from", "sender", "reply-to", "to", "cc", "bcc"})


def _wire_address(address: HeaderAddress) -> str:
    name = address.display_name
    if not name:
        return address.addr_spec
    if name.isascii():
        return str(address)  # quoted as needed
    encoded = base64.b64encode(name.encode("utf-8")).decode("ascii")
    return f"=?utf-8?b?{encoded}?= <{address.addr_spec}>"


class _WirePolicy(email.policy.EmailPolicy):
    """SMTP line ends, 7bit bodies (base64 or quoted-printable) and RFC 2047 headers, so any relay
    accepts the message without the 8BITMIME or SMTPUTF8 extensions.

    Address headers are folded here, not by CPython: its folder cuts a long non-ASCII display name
    into several encoded words, sometimes inside a word. RFC 2047 decoders join those words again,
    but Python's own parser (email.policy.default) keeps the fold as a space ("Th ông tin"). One
    encoded word per display name, folding only between addresses, decodes right everywhere.
    """

    def fold(self, name: str, value: str) -> str:
        addresses = getattr(value, "addresses", None)
        if name.lower() not in _ADDRESS_HEADERS or addresses is None:
            folded: str = super().fold(name, value)
            return folded
        separator = "," + self.linesep + " "
        return f"{name}: {separator.join(_wire_address(address) for address in addresses)}{self.linesep}"

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in _ADDRESS_HEADERS and hasattr(value, "addresses"):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


WIRE_POLICY = _WirePolicy(linesep="\r\n", cte_type="7bit")


def _check_line(field: str, value: str) -> None:
    if _CONTROL.search(value):
        raise ValueError(f"{field} must be a single line without control characters: {value!r}")


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __post_init__(self) -> None:
        _check_line("address name", self.name)
        _check_line("email address", self.email)
        local, at, domain = self.email.partition("@")
        if not at or "@" in domain or not local or not domain:
            raise ValueError(f"email address needs exactly one '@' between two parts: {self.email!r}")
        if any(char.isspace() for char in self.email) or not self.email.isascii():
            raise ValueError(f"email address must be ASCII without spaces: {self.email!r}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str

    def __post_init__(self) -> None:
        _check_line("attachment file name", self.filename)
        if not self.filename.strip() or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"attachment file name must be a bare, non-empty name: {self.filename!r}")
        if not _MIME_TYPE.match(self.mime_type):
            raise ValueError(f"attachment MIME type must look like 'type/subtype': {self.mime_type!r}")


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    sender: Address
    to: tuple[Address, ...]
    subject: str
    text: str
    html: str
    cc: tuple[Address, ...] = ()
    reply_to: Address | None = None
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept any sequence from callers but keep the frozen value immutable and hashable.
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        _check_line("subject", self.subject)
        if not _MESSAGE_ID.match(self.message_id):
            raise ValueError(f"message id must look like '<local@domain>': {self.message_id!r}")
        if not self.to:
            raise ValueError("a message needs at least one 'to' recipient")
        object.__setattr__(self, "references", tuple(self.references))
        for thread_id in (*self.references, *([self.in_reply_to] if self.in_reply_to else [])):
            if not _MESSAGE_ID.match(thread_id):
                raise ValueError(f"a replied-to message id must look like '<local@domain>': {thread_id!r}")

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every envelope recipient (to, then cc), each address once."""
        seen: dict[str, str] = {}
        for address in (*self.to, *self.cc):
            seen.setdefault(address.email.lower(), address.email)
        return tuple(seen.values())


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID: "<...@domain>"."""
    _check_line("message id domain", domain)
    return make_msgid(domain=domain)


def _header_address(address: Address) -> HeaderAddress:
    return HeaderAddress(display_name=address.name, addr_spec=address.email)


def to_mime(message: OutgoingMessage) -> EmailMessage:
    """The message as MIME: multipart/alternative (text, html), wrapped in multipart/mixed when
    there are attachments. Non-ASCII headers are RFC 2047 encoded, file names RFC 2231."""
    mime = EmailMessage(policy=WIRE_POLICY)
    mime["Message-ID"] = message.message_id
    mime["Date"] = formatdate(localtime=True)
    mime["From"] = _header_address(message.sender)
    mime["To"] = [_header_address(address) for address in message.to]
    if message.cc:
        mime["Cc"] = [_header_address(address) for address in message.cc]
    if message.reply_to is not None:
        mime["Reply-To"] = _header_address(message.reply_to)
    mime["Subject"] = message.subject
    if message.in_reply_to:
        mime["In-Reply-To"] = message.in_reply_to
        mime["References"] = " ".join(message.references or (message.in_reply_to,))
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    mime.add_alternative(message.html, subtype="html", charset="utf-8")
    for attachment in message.attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        mime.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    # No RFC 2231 "name" on Content-Type as well: CPython's header folding then mangles a long
    # MIME type such as the .xlsx one into an encoded word.
    return mime
