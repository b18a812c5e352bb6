"""The engine's resources in one object: settings, store engine, file store, mail transport, clock,
the current plan (loaded once per stored version), the mail setup and the notifier factory.

Entry points build one `Resources`: production from the settings (`Resources.from_settings`),
tests from a given engine, transport and clock (`Resources.for_test`). Flows get theirs from the
provider in `flows/_common.py`, which tests and the demo override (docs/decisions.md, 41).
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import Limits
from dutyflow.mail import Address, MailRenderer, MailTransport, MemoryTransport, SmtpTransport
from dutyflow.mailin.intake_mail import MailIntake, MailIntakeConfig
from dutyflow.mailin.mailbox import ImapMailbox, ImapSettings
from dutyflow.mailin.replyto import make_token
from dutyflow.notify import LinkProvider, MailSetup, Notifier, sender_from
from dutyflow.plan import Plan
from dutyflow.settings import Settings, load_settings
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import UnitRow
from dutyflow.store.queries import PlanStamp, current_plan, plan_of, plan_stamp
from dutyflow.tokens import current_token, expiry_for, load_secret

if TYPE_CHECKING:
    from fastapi import FastAPI

    from dutyflow.approval import Signing
    from dutyflow.run_now import FlowLauncher

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """The real clock; only entry points call it, everything below takes `now`."""
    return dt.datetime.now(dt.UTC)


def actor() -> str:
    """Who is acting, for the audit log, when a person runs a command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def smtp_transport(settings: Settings) -> SmtpTransport:
    """The SMTP server named by the settings."""
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        timeout=settings.smtp_timeout_seconds,
    )


def link_provider(settings: Settings, plan: Plan) -> LinkProvider:
    """Each unit's personal portal link, its token derived from the server secret."""
    secret = load_secret(settings.secret_key.get_secret_value(), settings.data_dir)
    tz = WorkingCalendar.from_config(plan.calendar).tz
    base = settings.portal_url.rstrip("/")

    def link(session: Session, unit: UnitRow, now: dt.datetime) -> str:
        expires = expiry_for(plan.plan.year, tz)
        return f"{base}/u/{current_token(session, secret, plan.plan.code, unit, now=now, expires_at=expires)}"

    return link


def imap_mailbox(settings: Settings) -> ImapMailbox | None:
    """The office's mailbox named by the settings, or None when email intake is off."""
    if not settings.imap_host:
        return None
    return ImapMailbox(
        ImapSettings(
            host=settings.imap_host,
            port=settings.imap_port,
            security=settings.imap_security,
            user=settings.imap_user,
            password=settings.imap_password.get_secret_value(),
            folder=settings.imap_folder,
            cafile=settings.imap_cafile,
        )
    )


@dataclass
class Resources:
    """What the engine runs on.

    `clock` is what entry points (the portal) act at: the real clock in production, a fixed or
    simulated one in tests and the demo. `outbox_clock` times the notifier's claims and leases
    (`Notifier`): the real clock, or None to time them at each run's `now`. `sender` (also the
    Reply-To) defaults to the configured From or the office's focal officer; `links` to the
    portal's ("portal": tokens from the server secret), None for messages without links."""

    settings: Settings
    engine: Engine
    files: FileStore
    transport: MailTransport
    clock: Clock = utcnow
    outbox_clock: Clock | None = utcnow
    sender: Address | None = None
    links: LinkProvider | Literal["portal"] | None = "portal"
    reply_tokens: bool = True
    """Replies go to the office's address with a token naming the unit and obligation (email intake)."""
    _plan: tuple[PlanStamp, Plan] | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, clock: Clock = utcnow) -> Resources:
        """Production: the store, uploads folder and SMTP server named by the settings."""
        settings = settings or load_settings()
        return cls(
            settings=settings,
            engine=make_engine(settings.effective_database_url),
            files=FileStore(settings.data_dir / "uploads"),
            transport=smtp_transport(settings),
            clock=clock,
        )

    @classmethod
    def for_test(
        cls,
        engine: Engine,
        data_dir: Path,
        *,
        transport: MailTransport | None = None,
        clock: Clock | None = None,
        sender: Address | None = None,
        links: LinkProvider | Literal["portal"] | None = "portal",
        reply_tokens: bool = True,
        **settings: object,
    ) -> Resources:
        """Tests: a given engine, an in-memory transport unless one is given (a sink's SMTP), and
        a fixed clock; without one the portal reads the real clock and the outbox each run's `now`.
        `settings` are given values over the defaults, with no retry delay."""
        values: dict[str, object] = {"data_dir": data_dir, "retry_delay_seconds": 0, **settings}
        return cls(
            settings=Settings.model_validate(values),
            engine=engine,
            files=FileStore(data_dir / "uploads"),
            transport=transport if transport is not None else MemoryTransport(),
            clock=clock or utcnow,
            outbox_clock=clock,
            sender=sender,
            links=links,
            reply_tokens=reply_tokens,
        )

    def loaded_plan(self) -> Plan:
        """The plan loaded most recently into the store, validated once per stored version."""
        with session_scope(self.engine) as session:
            stamp = plan_stamp(session)
            if self._plan is None or stamp is None or self._plan[0] != stamp:
                row = current_plan(session)
                self._plan = ((row.id, row.sha256, row.loaded_at), plan_of(row))
        return self._plan[1]

    @cached_property
    def renderer(self) -> MailRenderer:
        return MailRenderer()

    def mail_setup(self) -> MailSetup:
        plan = self.loaded_plan()
        office = plan.unit(plan.plan.office)
        sender = self.sender or sender_from(self.settings.mail_from, plan)
        secret = self.secret() if self.reply_tokens else b""
        return MailSetup(
            transport=self.transport,
            renderer=self.renderer,
            sender=sender,
            reply_to=Address(office.name, office.focal.email) if self.sender is None else self.sender,
            links=link_provider(self.settings, plan) if isinstance(self.links, str) else self.links,
            simulated_clock=self.settings.simulated_clock,
            reply_token=(
                (lambda unit_id, obligation_id: make_token(secret, plan.plan.code, unit_id, obligation_id))
                if self.reply_tokens
                else None
            ),
        )

    def secret(self) -> bytes:
        """The server secret the portal links and Reply-To tokens derive from."""
        return load_secret(self.settings.secret_key.get_secret_value(), self.settings.data_dir)

    def notifier(self) -> Notifier:
        """A notifier over the store and the transport, its claims leased as the settings say."""
        lease = dt.timedelta(minutes=self.settings.claim_lease_minutes)
        return Notifier(self.engine, self.mail_setup(), lease=lease, clock=self.outbox_clock)

    def limits(self) -> Limits:
        settings = self.settings
        return Limits(
            max_bytes=int(settings.max_upload_mb * 1024 * 1024), max_per_day=settings.max_submissions_per_day
        )

    def signing(self) -> Signing:
        """The signing key, trust store and time-stamp service the settings name, opened now (a key
        renewed in place is read at the next signing), signing at the real moment (decisions.md,
        "Signing happens at real time, with pyHanko, placed from the rendered PDF"). Refused with a
        `SigningError` naming the settings to set when none is configured."""
        from dutyflow.approval import signing_from_settings  # pyHanko: loaded only when signing

        return signing_from_settings(self.settings, clock=utcnow)

    def portal_app(self, launcher: FlowLauncher | None = None) -> FastAPI:
        """The portal over this store, file store, mail transport and clock; `launcher` runs flows
        from the console (Prefect's, given by `dutyflow serve` and `dutyflow portal`); the console
        signs with `signing`, opened at each signing."""
        from dutyflow.portal.app import create_app

        return create_app(
            self.engine,
            self.files,
            notifier=self.notifier(),
            clock=self.clock,
            limits=self.limits(),
            trusted_proxy=self.settings.trusted_proxy,
            link_secret=self.secret(),
            portal_url=self.settings.portal_url,
            launcher=launcher,
            trust_store=self.settings.signing_trust_store,
            reports_dir=self.settings.data_dir / "reports",
            signing=self.signing,
            renew_notifier=self.notifier,
        )

    def imap_mailbox(self) -> ImapMailbox | None:
        return imap_mailbox(self.settings)

    def mail_intake(self) -> MailIntake:
        """Email intake over the store, the file store and the notifier for the answers."""
        settings = self.settings
        config = MailIntakeConfig(
            processed_folder=settings.imap_processed_folder,
            review_folder=settings.imap_review_folder,
            max_per_sender_per_day=settings.imap_max_per_sender_per_day,
            limits=self.limits(),
        )
        own = frozenset({settings.imap_user} if "@" in settings.imap_user else set())
        return MailIntake(self.engine, self.files, self.notifier(), self.secret(), config, office_addresses=own)
