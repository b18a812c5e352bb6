"""A local SMTP server that keeps what it receives: for tests and for `dutyflow demo`.

It only ever listens on 127.0.0.1. Given a folder, it also writes each message as NNNN.eml and
keeps an index.html (wording in templates/email/_sink_index.html.j2) that lists them, each with the
Date its sender gave it (the simulated one in the demo). The index is rewritten at most once per
`INDEX_EVERY` while messages arrive, and always when the sink stops: rewriting it for every message
cost a year's run (1,800 messages) a minute.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.policy
import hmac
import os
import re
import ssl
import threading
import time
import weakref
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from dutyflow.templating import environment

HOST = "127.0.0.1"
INDEX_TEMPLATE = "email/_sink_index.html.j2"
_EML_NAME = re.compile(r"^(\d{4,})\.eml$")
INDEX_EVERY = 1.0
"""Seconds between two rewrites of index.html while messages arrive."""


@dataclass(frozen=True)
class ReceivedMail:
    message: EmailMessage
    mail_from: str
    rcpt_tos: tuple[str, ...]


@dataclass(frozen=True)
class _IndexEntry:
    file: str
    subject: str
    to: str
    date: dt.datetime | None


def _index_entry(file: str, headers: EmailMessage) -> _IndexEntry:
    date_header = headers.get("Date")
    date = getattr(date_header, "datetime", None) if date_header is not None else None
    return _IndexEntry(file=file, subject=str(headers.get("Subject", "")), to=str(headers.get("To", "")), date=date)


class _Handler:
    """aiosmtpd hooks; run in the controller's event-loop thread."""

    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # the 5-argument hook must do what aiosmtpd would have done
        self._sink._greeted(server)
        return responses

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str) -> str:
        session.host_name = hostname
        self._sink._greeted(server)
        return f"250 {server.hostname}"

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._sink._defer_one():
            return "451 4.3.0 Try again later: deferred by the test sink"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self._sink.refuse:
            return f"550 5.1.1 <{address}>: recipient refused by the test sink"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self._sink._keep(raw, str(envelope.mail_from or ""), tuple(envelope.rcpt_tos))
        return "250 Message accepted"


class _LoopbackController(Controller):
    """aiosmtpd's Controller, able to listen on port 0 (it would try to reach port 0 itself)."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self._bind()

    async def _bind(self) -> asyncio.AbstractServer:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server


class MailSink:
    """A local SMTP server keeping every message it accepts. Use as a context manager."""

    host = HOST

    def __init__(
        self,
        folder: Path | None = None,
        *,
        refuse: Iterable[str] = (),
        port: int = 0,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        """`refuse`: recipients answered with 550. `tls_context`: offer STARTTLS with it, or speak
        TLS from the first byte with `implicit_tls`. `credentials` (user, password): require AUTH,
        which aiosmtpd only offers after STARTTLS."""
        if implicit_tls and tls_context is None:
            raise ValueError("implicit TLS needs a tls_context")
        if credentials is not None and (tls_context is None or implicit_tls):
            raise ValueError("AUTH needs STARTTLS: give a tls_context (without implicit_tls) with the credentials")
        self.folder = folder
        self._tls_context = tls_context
        self._implicit_tls = implicit_tls
        self._credentials = credentials
        self.refuse: set[str] = {address.lower() for address in refuse}
        self.defer = 0
        """The next this many transactions are answered 451 (try again later) at MAIL FROM."""
        self.received: list[ReceivedMail] = []
        self.connections = 0
        """Client connections that greeted (EHLO/HELO); the start-up probe of aiosmtpd does not."""
        self._greeters: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._requested_port = port
        self._lock = threading.Lock()
        self._index: list[_IndexEntry] = []
        self._controller: _LoopbackController | None = None
        self._index_written = 0.0
        self._index_stale = False

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("the mail sink is not running")
        port: int = self._controller.port
        return port

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [mail.message for mail in self.received]

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the mail sink is already running")
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._index = self._read_folder(self.folder)
            self._write_index()
        controller = _LoopbackController(
            _Handler(self),
            hostname=HOST,
            port=self._requested_port,
            server_hostname="dutyflow-sink",
            ssl_context=self._tls_context if self._implicit_tls else None,
            tls_context=None if self._implicit_tls else self._tls_context,
            auth_required=self._credentials is not None,
            authenticator=self._authenticate if self._credentials is not None else None,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        with self._lock:
            if self._index_stale:
                self._write_index()

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------------- called by aiosmtpd

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: object
    ) -> AuthResult:
        if self._credentials is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = self._credentials
        accepted = hmac.compare_digest(auth_data.login, user.encode()) and hmac.compare_digest(
            auth_data.password, password.encode()
        )
        return AuthResult(success=accepted, handled=False)

    def _defer_one(self) -> bool:
        with self._lock:
            if self.defer <= 0:
                return False
            self.defer -= 1
            return True

    def _greeted(self, server: SMTP) -> None:
        # One SMTP instance per TCP connection; a client greets twice on it around STARTTLS.
        with self._lock:
            if server not in self._greeters:
                self._greeters.add(server)
                self.connections += 1

    def _keep(self, raw: bytes, mail_from: str, rcpt_tos: tuple[str, ...]) -> None:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)  # guaranteed by policy.default
        with self._lock:
            self.received.append(ReceivedMail(message=message, mail_from=mail_from, rcpt_tos=rcpt_tos))
            if self.folder is not None:
                number = int(self._index[-1].file.split(".")[0]) + 1 if self._index else 1
                name = f"{number:04d}.eml"
                (self.folder / name).write_bytes(raw)
                self._index.append(_index_entry(name, message))
                self._index_stale = True
                if time.monotonic() - self._index_written >= INDEX_EVERY:
                    self._write_index()

    # ----------------------------------------------------------------------- the folder

    @staticmethod
    def _read_folder(folder: Path) -> list[_IndexEntry]:
        """Messages a previous run left in the folder stay listed; numbering continues after them."""
        parser = BytesHeaderParser(policy=email.policy.default)
        entries: list[tuple[int, _IndexEntry]] = []
        for path in folder.iterdir():
            match = _EML_NAME.match(path.name)
            if match:
                with path.open("rb") as handle:
                    headers = parser.parse(handle)
                assert isinstance(headers, EmailMessage)
                entries.append((int(match.group(1)), _index_entry(path.name, headers)))
        return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]

    def _write_index(self) -> None:
        assert self.folder is not None
        html = environment().get_template(INDEX_TEMPLATE).render(entries=list(reversed(self._index)))
        target = self.folder / "index.html"
        partial = target.with_suffix(".html.tmp")
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, target)
        self._index_written, self._index_stale = time.monotonic(), False
