"""An outgoing email as plain data, validated on construction, and its MIME form.

Every value here may come from a plan file or a database, so everything that reaches a header is
checked when the object is built: a message that exists is safe to put on the wire.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import functools
import re
from dataclasses import dataclass
from email.headerregistry import Address as HeaderAddress
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formatdate, make_msgid, parsedate_to_datetime
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_MESSAGE_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
_CHARSET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+-]*$")
_MIME_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
_WHITE_SPACE = re.compile(r"\s")
"""What `str.isspace` calls white space (both read the same Unicode table), in one search."""

_ADDRESS_HEADERS = frozenset({"from", "sender", "reply-to", "to", "cc", "bcc"})


_EW_OVERHEAD = len("=?utf-8?b??=")
_MAX_EW = 75
"""RFC 2047 §2: an encoded word is at most 75 characters long."""
_MAX_LINE = 78
"""RFC 5322 §2.1.1: lines SHOULD stay within 78 characters (998 is the hard limit)."""
MAX_NAME_OCTETS = 450
"""A display name is written as one encoded word (see `_WirePolicy`); this bound keeps the longest
address line (a 254-octet address after it) within the 998 octets SMTP allows."""
_MAX_EMAIL_OCTETS = 254
"""RFC 5321 §4.5.3.1.3: the longest address a path can carry."""


def _b_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def _needs_encoding(text: str) -> bool:
    """Whether `text` must travel as encoded words: not ASCII, or ASCII that a reader would take
    for an encoded word ("=?...?=") and decode."""
    return not text.isascii() or "=?" in text


def _as_is(text: str) -> bool:
    """Whether `text` reads back exactly when written as it is on one line: ASCII that does not
    look like an encoded word and has no white space at either end (a parser strips it)."""
    return not _needs_encoding(text) and text == text.strip()


def encoded_words(text: str, first_room: int) -> list[str]:
    """`text` as RFC 2047 "B" encoded words, one per line, that decode to exactly `text`.

    Every character, spaces included, travels inside an encoded word: a reader drops the folding
    white space between two encoded words (RFC 2047 §6.2), so a space left between them would be
    lost ("Danh sáchtrẻ em"). A word never splits a character (each word must decode on its own)
    and fits in `first_room` characters on the first line, 77 on the others.
    """
    words: list[str] = []
    piece = ""
    room = min(_MAX_EW, first_room)
    for char in text:
        candidate = piece + char
        if piece and _EW_OVERHEAD + 4 * -(-len(candidate.encode("utf-8")) // 3) > room:
            words.append(_b_word(piece))
            piece, room = char, min(_MAX_EW, _MAX_LINE - 1)
        else:
            piece = candidate
    words.append(_b_word(piece))
    return words


def _wire_address(address: HeaderAddress) -> str:
    name = address.display_name
    if not name:
        return address.addr_spec
    if not _needs_encoding(name):
        return str(address)  # quoted as needed
    return f"{_b_word(name)} <{address.addr_spec}>"


class _HeaderClasses(HeaderRegistry):
    """CPython's header registry makes a new class with `type()` for every header it builds (3.11
    `HeaderRegistry.__getitem__`): a third of building a message's headers, and garbage the
    collector must trace. The classes of one header name are alike, so one is made per name."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


class _WirePolicy(email.policy.EmailPolicy):
    """SMTP line ends, 7bit bodies (base64 or quoted-printable) and RFC 2047 headers, so any relay
    accepts the message without the 8BITMIME or SMTPUTF8 extensions.

    CPython 3.11's folder is not used for the headers people read (decisions 5 and 13):
    - the Subject: it folds a long non-ASCII subject between two encoded words with the space that
      separated them outside both, and every RFC 2047 reader drops it ("Danh sáchtrẻ em"); a long
      ASCII word fares no better. Here a subject goes as it is when it is plain ASCII that fits on
      its line, and otherwise as encoded words that carry their spaces inside.
    - address headers: it cuts a long display name into several encoded words, and Python's own
      parser (email.policy.default) keeps the white space between encoded words of a phrase, where
      other readers drop it, so no split of a name reads the same everywhere. One encoded word per
      display name (`MAX_NAME_OCTETS` keeps it on a line), folding only between addresses.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        # Keep the subject as written: the header factory would decode any "=?...?=" in it.
        if name.lower() == "subject" and isinstance(value, str):
            return name, value
        stored: tuple[str, Any] = super().header_store_parse(name, value)
        return stored

    def fold(self, name: str, value: str) -> str:
        lowered = name.lower()
        addresses = getattr(value, "addresses", None)
        if lowered in _ADDRESS_HEADERS and addresses is not None:
            separator = "," + self.linesep + " "
            return f"{name}: {separator.join(_wire_address(address) for address in addresses)}{self.linesep}"
        if lowered == "message-id":
            # Unfolded: CPython moves a long id to a continuation line, and Python's parser then
            # reads it back with a leading space.
            return f"{name}: {str(value).strip()}{self.linesep}"
        if lowered == "subject":
            text = str(value)
            if _as_is(text) and len(name) + 2 + len(text) <= _MAX_LINE:
                return f"{name}: {text}{self.linesep}"
            words = encoded_words(text, _MAX_LINE - len(name) - 2)
            return f"{name}: {(self.linesep + ' ').join(words)}{self.linesep}"
        folded: str = super().fold(name, value)
        return folded

    def fold_binary(self, name: str, value: str) -> bytes:
        lowered = name.lower()
        if (lowered in _ADDRESS_HEADERS and hasattr(value, "addresses")) or lowered in ("subject", "message-id"):
            return self.fold(name, value).encode("ascii")
        return super().fold_binary(name, value)


WIRE_POLICY = _WirePolicy(linesep="\r\n", cte_type="7bit", header_factory=_HeaderClasses())


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
        # Readers collapse white space in a display name (Python's parser does even inside an
        # encoded word): the name is kept the way every reader will show it.
        object.__setattr__(self, "name", " ".join(self.name.split()))
        local, at, domain = self.email.partition("@")
        if not at or "@" in domain or not local or not domain:
            raise ValueError(f"email address needs exactly one '@' between two parts: {self.email!r}")
        if _WHITE_SPACE.search(self.email) or not self.email.isascii():
            raise ValueError(f"email address must be ASCII without spaces: {self.email!r}")
        if len(self.email) > _MAX_EMAIL_OCTETS:
            raise ValueError(f"email address must be at most {_MAX_EMAIL_OCTETS} characters: {self.email!r}")
        if len(self.name.encode("utf-8")) > MAX_NAME_OCTETS:
            raise ValueError(f"address name must be at most {MAX_NAME_OCTETS} bytes in UTF-8: {self.name!r}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str
    charset: str | None = None
    """For a text attachment: the charset its bytes are in, declared on its Content-Type."""

    def __post_init__(self) -> None:
        _check_line("attachment file name", self.filename)
        if not self.filename.strip() or "/" in self.filename or "\\" in self.filename:
            raise ValueError(f"attachment file name must be a bare, non-empty name: {self.filename!r}")
        if not _MIME_TYPE.match(self.mime_type):
            raise ValueError(f"attachment MIME type must look like 'type/subtype': {self.mime_type!r}")
        if self.charset is not None and not _CHARSET.match(self.charset):
            raise ValueError(f"attachment charset must be a bare token such as 'utf-8': {self.charset!r}")


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
    date: dt.datetime | None = None
    """The Date header, an aware instant; None: the real moment the message is turned into MIME,
    which is when it is sent."""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept any sequence from callers but keep the frozen value immutable and hashable.
        object.__setattr__(self, "to", tuple(self.to))
        object.__setattr__(self, "cc", tuple(self.cc))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        _check_line("subject", self.subject)
        if not _MESSAGE_ID.match(self.message_id) or not self.message_id.isascii():
            raise ValueError(f"message id must look like '<local@domain>': {self.message_id!r}")
        if not self.to:
            raise ValueError("a message needs at least one 'to' recipient")
        if self.date is not None and (self.date.tzinfo is None or self.date.utcoffset() is None):
            raise ValueError(f"a message's date must be an aware instant: {self.date!r}")
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
    mime = _headed(message)
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    mime.add_alternative(message.html, subtype="html", charset="utf-8")
    for attachment in message.attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        params = {"charset": attachment.charset} if attachment.charset else None
        mime.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename, params=params
        )
    # No RFC 2231 "name" on Content-Type as well: CPython's header folding then mangles a long
    # MIME type such as the .xlsx one into an encoded word.
    return mime


def top_headers(message: OutgoingMessage) -> tuple[tuple[str, str], ...]:
    """The top-level headers of `to_mime(message)`, decoded and in order, as a kept copy of the
    message shows them, without building the MIME form: encoding the bodies and attachments and
    parsing every address header back (CPython's header classes parse the text they were given as
    objects) are nearly all of `to_mime`'s work. The Subject is as written, as a reader of the wire
    shows it (the MIME object would read a subject that looks like an encoded word back decoded).
    The boundary of a multipart is chosen when the message is written out, so `to_mime`'s
    Content-Type carries none either (decisions.md, "a kept copy writes its headers")."""
    structure = "multipart/mixed" if message.attachments else "multipart/alternative"
    decoded = tuple((name, _decoded(name, value)) for name, value in _fields(message))
    return (*decoded, ("MIME-Version", "1.0"), ("Content-Type", structure))


_Field = str | Address | tuple[Address, ...]


def _fields(message: OutgoingMessage) -> list[tuple[str, _Field]]:
    """The top-level headers `message` is written with, in order, before any content header."""
    date = format_datetime(message.date) if message.date is not None else formatdate(localtime=True)
    fields: list[tuple[str, _Field]] = [
        ("Message-ID", message.message_id),
        ("Date", date),
        ("From", message.sender),
        ("To", message.to),
    ]
    if message.cc:
        fields.append(("Cc", message.cc))
    if message.reply_to is not None:
        fields.append(("Reply-To", message.reply_to))
    fields.append(("Subject", message.subject))
    if message.in_reply_to:
        fields.append(("In-Reply-To", message.in_reply_to))
        fields.append(("References", " ".join(message.references or (message.in_reply_to,))))
    return fields


def _headed(message: OutgoingMessage) -> EmailMessage:
    """A MIME message with `message`'s top-level headers and no content yet."""
    mime = EmailMessage(policy=WIRE_POLICY)
    for name, value in _fields(message):
        if isinstance(value, Address):
            mime[name] = _header_address(value)
        elif isinstance(value, tuple):
            mime[name] = [_header_address(address) for address in value]
        else:
            mime[name] = value
    return mime


def _decoded(name: str, value: _Field) -> str:
    """What `str()` of the header `_headed` sets gives: an address header is its addresses written
    out, joined; the Subject is kept as written (`_WirePolicy`), as is a Message-ID (checked to be
    one plain "<...@...>"); the Date is its instant written again, as CPython's DateHeader does;
    any other header is the policy's own."""
    if isinstance(value, Address):
        return _address_text(value)
    if isinstance(value, tuple):
        return ", ".join(_address_text(address) for address in value)
    if name in ("Subject", "Message-ID"):
        return value
    if name == "Date":
        return format_datetime(parsedate_to_datetime(value))
    return str(WIRE_POLICY.header_store_parse(name, value)[1])


@functools.lru_cache(maxsize=1024)
def _address_text(address: Address) -> str:
    """An address as a header shows it decoded (its display name quoted when it must be); the
    office's addresses are on every message."""
    return str(_header_address(address))
