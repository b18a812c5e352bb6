"""Delivering messages: the transport interface, the SMTP transport (yagmail) and an in-memory one.

This is the only module that imports yagmail (docs/decisions.md, 5). yagmail is used for what it
does well, opening the connection (SSL, STARTTLS, login, timeout); its message builder and its
`send()` are deliberately not used:
- its builder copies every content string into both the text/plain and the text/html part (with
  "\\n" turned into "<br>" in both), and treats a content string that names an existing file as an
  attachment; we build the MIME ourselves (`to_mime`), so user text is never a path;
- `send()` calls `login()` on every call, opening a new connection per message, retries with
  `time.sleep`, and reports failure by returning False or a dict of refusals; we run the SMTP
  transaction on the connection that `login()` opened, once per session, and turn every failure
  into a `DeliveryError` that says whether anything may have been transmitted.
Two more traps of its connection code are handled in `SmtpTransport`: a login name without "@"
gets "@gmail.com" appended, and STARTTLS/SSL run without a certificate check unless given a context.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import yagmail  # type: ignore[import-untyped]

from dutyflow.mail.message import OutgoingMessage, to_mime

Security = Literal["none", "starttls", "ssl"]


class DeliveryError(Exception):
    """The message was not accepted at all.

    `before_send` is True when the failure happened before any message data was transmitted, so a
    retry cannot produce a duplicate; False when the outcome is unknown or the server rejected the
    message after receiving it. `transient` is True when trying again later may succeed.
    """

    def __init__(self, reason: str, *, transient: bool, before_send: bool) -> None:
        super().__init__(reason)
        self.transient = transient
        self.before_send = before_send


@dataclass(frozen=True)
class DeliveryResult:
    message_id: str
    refused: dict[str, str]
    """Recipients the server refused while it accepted the others, each with the server's reply
    ("550 5.1.1 ..."; a 4xx reply means that recipient may accept later). Empty: all accepted."""


class MailSession(Protocol):
    def send(self, message: OutgoingMessage) -> DeliveryResult: ...


class MailTransport(Protocol):
    def session(self) -> contextlib.AbstractContextManager[MailSession]:
        """One session is one connection, reused for a batch of messages."""
        ...


def _is_transient(code: int) -> bool:
    return 400 <= code < 500


def _reply(code: int, text: bytes | str) -> str:
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {decoded}".strip()


# --------------------------------------------------------------------------- SMTP


class _ConnectionLost(Exception):
    """The connection broke during a transaction; carries the error to report."""

    def __init__(self, error: DeliveryError) -> None:
        super().__init__(str(error))
        self.error = error


def _connect_error(where: str, exc: Exception) -> DeliveryError:
    transient: bool
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = _is_transient(exc.smtp_code)
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        transient = True
    elif isinstance(exc, smtplib.SMTPException | ssl.SSLCertVerificationError):
        transient = False  # STARTTLS or AUTH not offered, certificate refused: needs a fix, not a wait
    else:
        transient = isinstance(exc, OSError)  # refused, unreachable, timed out
    return DeliveryError(f"cannot open an SMTP session with {where}: {exc}", transient=transient, before_send=True)


def _quietly_reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()


def _transaction(smtp: smtplib.SMTP, message: OutgoingMessage, payload: bytes) -> DeliveryResult:
    """MAIL, RCPT per recipient, DATA on an open connection. Raises DeliveryError when the server
    refuses (the connection stays usable) and _ConnectionLost when the connection broke."""
    recipients = message.recipients
    transmitting = False
    try:
        smtp.ehlo_or_helo_if_needed()
        code, text = smtp.mail(message.sender.email)
        if code != 250:
            _quietly_reset(smtp)
            raise DeliveryError(
                f"sender refused: {_reply(code, text)}", transient=_is_transient(code), before_send=True
            )
        refused: dict[str, str] = {}
        codes: list[int] = []
        for recipient in recipients:
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = _reply(code, text)
                codes.append(code)
        if len(refused) == len(recipients):
            _quietly_reset(smtp)
            raise DeliveryError(
                f"every recipient refused: {refused}",
                transient=all(_is_transient(code) for code in codes),
                before_send=True,
            )
        transmitting = True
        try:
            code, text = smtp.data(payload)
        except smtplib.SMTPDataError as exc:  # the DATA command itself was refused: nothing sent
            _quietly_reset(smtp)
            raise DeliveryError(
                f"DATA refused: {_reply(exc.smtp_code, exc.smtp_error)}",
                transient=_is_transient(exc.smtp_code),
                before_send=True,
            ) from exc
        if code != 250:
            _quietly_reset(smtp)
            raise DeliveryError(
                f"message rejected after transmission: {_reply(code, text)}",
                transient=_is_transient(code),
                before_send=False,
            )
        return DeliveryResult(message_id=message.message_id, refused=refused)
    except smtplib.SMTPHeloError as exc:
        error = DeliveryError(
            f"greeting refused: {_reply(exc.smtp_code, exc.smtp_error)}",
            transient=_is_transient(exc.smtp_code),
            before_send=True,
        )
        raise _ConnectionLost(error) from exc
    except OSError as exc:  # SMTPServerDisconnected, a timeout, a reset: the connection is gone
        error = DeliveryError(
            f"connection lost {'during' if transmitting else 'before'} transmission: {exc}",
            transient=True,
            before_send=not transmitting,
        )
        raise _ConnectionLost(error) from exc


class _SmtpSession:
    """One SMTP connection, opened at the first send and reused for every later one."""

    def __init__(self, connect: Callable[[], yagmail.SMTP]) -> None:
        self._connect = connect
        self._client: yagmail.SMTP | None = None
        self._reused = False
        self._unreachable: DeliveryError | None = None
        self._closed = False

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if self._closed:
            raise RuntimeError("this mail session is closed")
        payload = to_mime(message).as_bytes()  # built before connecting: a bad message opens nothing
        while True:
            smtp = self._smtp()
            reused = self._reused
            try:
                result = _transaction(smtp, message, payload)
            except _ConnectionLost as lost:
                self._drop()
                if reused and lost.error.before_send:
                    continue  # the server closed an idle connection; nothing was sent, so reconnect once
                raise lost.error from lost.__cause__
            self._reused = True
            return result

    def _smtp(self) -> smtplib.SMTP:
        if self._unreachable is not None:
            # One failed connection attempt per session: a batch against a dead relay fails fast
            # instead of waiting for a timeout per message.
            error = self._unreachable
            raise DeliveryError(str(error), transient=error.transient, before_send=True)
        if self._client is None:
            try:
                self._client = self._connect()
            except DeliveryError as error:
                self._unreachable = error
                raise
        smtp: smtplib.SMTP = self._client.smtp
        return smtp

    def _drop(self) -> None:
        """Forget a broken connection without a QUIT that would wait for a dead server."""
        client, self._client, self._reused = self._client, None, False
        if client is not None:
            client.is_closed = True
            with contextlib.suppress(OSError):
                client.smtp.close()

    def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.close()  # QUIT, then close the socket
            with contextlib.suppress(OSError):
                client.smtp.close()


class SmtpTransport:
    """SMTP through yagmail's connection handling; see the module docstring for why not more."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: Security = "none",
        user: str = "",
        password: str = "",
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"unknown SMTP security {security!r}")
        if not (user.isascii() and password.isascii()):
            # smtplib encodes AUTH as ASCII and would fail mid-login with a UnicodeEncodeError.
            raise ValueError("SMTP user and password must be ASCII")
        self.host = host
        self.port = port
        self.security: Security = security
        self._user = user
        self._password = password
        self.timeout = timeout
        self._tls_context = tls_context

    def _tls_options(self) -> dict[str, object]:
        """yagmail's keyword arguments for the chosen security.

        Left to itself, smtplib encrypts without checking the server's certificate (its default
        context verifies nothing); we always hand it a verifying context: the system's trust store,
        or `tls_context` for a relay signed by a private authority.
        """
        if self.security == "none":
            return {"smtp_ssl": False, "smtp_starttls": False}
        context = self._tls_context if self._tls_context is not None else ssl.create_default_context()
        if self.security == "starttls":
            return {"smtp_ssl": False, "smtp_starttls": {"context": context}}  # kwargs of starttls()
        return {"smtp_ssl": True, "smtp_starttls": False, "context": context}  # kwargs of SMTP_SSL()

    def _connect(self) -> yagmail.SMTP:
        client = yagmail.SMTP(
            # Without a user, yagmail would read ~/.yagmail; with a user and no password, it would
            # ask the keyring or prompt. Neither may happen in a service. A user given as a string
            # without "@" gets "@gmail.com" appended; as a one-entry {user: alias} it is kept as is.
            user={self._user: self._user} if self._user else None,
            password=self._password,
            host=self.host,
            port=self.port,
            smtp_skip_login=not self._user,
            soft_email_validation=False,  # Address has validated every address already
            timeout=self.timeout,  # forwarded to smtplib; without it a dead relay hangs forever
            **self._tls_options(),
        )
        try:
            client.login()  # connects, STARTTLS when asked, AUTH when a user is set
        except (smtplib.SMTPException, OSError) as exc:
            client.is_closed = True
            if client.smtp is not None:
                with contextlib.suppress(OSError):
                    client.smtp.close()
            raise _connect_error(f"{self.host}:{self.port}", exc) from exc
        return client

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        session = _SmtpSession(self._connect)
        try:
            yield session
        finally:
            session.close()


# --------------------------------------------------------------------------- memory


class _MemorySession:
    def __init__(self, transport: MemoryTransport) -> None:
        self._transport = transport
        self._connected = False

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        transport = self._transport
        if transport.fail_before_send > 0:
            transport.fail_before_send -= 1
            raise DeliveryError("simulated: relay unreachable", transient=True, before_send=True)
        if not self._connected:
            transport.connections += 1
            self._connected = True
        refuse = {address.lower() for address in transport.refuse}
        refused = {
            recipient: "550 5.1.1 simulated: recipient refused"
            for recipient in message.recipients
            if recipient.lower() in refuse
        }
        if len(refused) == len(message.recipients):
            raise DeliveryError(f"every recipient refused: {refused}", transient=False, before_send=True)
        transport.sent.append(message)
        return DeliveryResult(message_id=message.message_id, refused=refused)


class MemoryTransport:
    """Keeps messages in `sent` instead of delivering them; for unit tests.

    Knobs: `fail_before_send` makes the next N sends fail as if the relay were unreachable;
    `refuse` lists recipients the "server" refuses (all refused: DeliveryError).
    """

    def __init__(self, *, fail_before_send: int = 0, refuse: Iterable[str] = ()) -> None:
        self.sent: list[OutgoingMessage] = []
        self.connections = 0
        self.fail_before_send = fail_before_send
        self.refuse: set[str] = set(refuse)

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        yield _MemorySession(self)
