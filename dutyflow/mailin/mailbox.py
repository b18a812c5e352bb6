"""The office's mailbox over IMAP (imap-tools): list messages with their raw bytes, move one.

TLS verifies the server's certificate and name (the system's CAs, or `cafile`); `none` is for a
server on the same machine. Reading never sets \\Seen, so a message dutyflow leaves where it was
looks untouched to the office.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted


@dataclass(frozen=True)
class Listed:
    """A message in the watched folder: its UID and its header section (the body is fetched only
    for a message the store does not know yet)."""

    uid: str
    headers: bytes


class Mailbox(Protocol):
    def messages(self, since: dt.date | None) -> Iterator[Listed]: ...

    def raw(self, uid: str) -> bytes: ...

    def move(self, uid: str, folder: str) -> None: ...


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str
    user: str
    password: str
    folder: str = "INBOX"
    cafile: Path | None = None
    timeout: float = 60


def tls_context(cafile: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


class ImapMailbox:
    """`with ImapMailbox(settings) as box:` one logged-in connection on the watched folder."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.box: BaseMailBox | None = None

    def __enter__(self) -> ImapMailbox:
        s = self.settings
        box: BaseMailBox
        if s.security == "ssl":
            box = MailBox(s.host, s.port, timeout=s.timeout, ssl_context=tls_context(s.cafile))
        elif s.security == "starttls":
            box = MailBoxStartTls(s.host, s.port, timeout=s.timeout, ssl_context=tls_context(s.cafile))
        else:
            box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout)
        box.login(s.user, s.password, initial_folder=s.folder)
        self.box = box
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.box is not None:
            with contextlib.suppress(Exception):  # the connection may be gone; nothing is lost without a goodbye
                self.box.logout()
            self.box = None

    def messages(self, since: dt.date | None = None) -> Iterator[Listed]:
        box = self._box()
        criteria = AND(date_gte=since) if since else "ALL"
        listed = [
            Listed(message.uid, message.obj.as_bytes())
            for message in box.fetch(criteria, mark_seen=False, headers_only=True, bulk=True)
            if message.uid
        ]
        yield from listed

    def raw(self, uid: str) -> bytes:
        """The whole message (BODY.PEEK: \\Seen stays as it was)."""
        for message in self._box().fetch(AND(uid=uid), mark_seen=False, bulk=False):
            if message.uid == uid:
                return message.obj.as_bytes()
        raise LookupError(f"message {uid} is no longer in the folder")

    def move(self, uid: str, folder: str) -> None:
        box = self._box()
        if not box.folder.exists(folder):
            box.folder.create(folder)
        box.move(uid, folder)

    def append(self, raw: bytes, folder: str | None = None) -> None:
        """Deliver a message (tests and the demo put the units' replies in this way)."""
        self._box().append(raw, folder or self.settings.folder)

    def _box(self) -> BaseMailBox:
        if self.box is None:
            raise RuntimeError("the mailbox is not open")
        return self.box


__all__ = ["ImapMailbox", "ImapSettings", "Listed", "Mailbox", "tls_context"]
