"""One place that turns settings into the engine's parts: store engine, mail setup, notifier.

Flows, tasks, the CLI and the portal get their parts here; tests pass their own settings
(a sink's port, a temporary database) through the same functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from fastapi import FastAPI
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import Limits
from dutyflow.mail import Address, MailRenderer, SmtpTransport
from dutyflow.mailin.intake_mail import MailIntake, MailIntakeConfig
from dutyflow.mailin.mailbox import ImapMailbox, ImapSettings
from dutyflow.mailin.replyto import make_token
from dutyflow.notify import LinkProvider, MailSetup, Notifier, sender_from
from dutyflow.plan import Plan
from dutyflow.runtime import Runtime, utcnow
from dutyflow.settings import Settings
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import UnitRow
from dutyflow.store.queries import current_plan
from dutyflow.tokens import current_token, expiry_for, load_secret


def link_provider(settings: Settings, plan: Plan) -> LinkProvider:
    """Each unit's personal portal link, its token derived from the server secret."""
    secret = load_secret(settings.secret_key.get_secret_value(), settings.data_dir)
    tz = WorkingCalendar.from_config(plan.calendar).tz
    base = settings.portal_url.rstrip("/")

    def link(session: Session, unit: UnitRow, now: dt.datetime) -> str:
        expires = expiry_for(plan.plan.year, tz)
        return f"{base}/u/{current_token(session, secret, plan.plan.code, unit, now=now, expires_at=expires)}"

    return link


def mail_setup(settings: Settings, plan: Plan) -> MailSetup:
    transport = SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        timeout=settings.smtp_timeout_seconds,
    )
    office = plan.unit(plan.plan.office)
    secret = load_secret(settings.secret_key.get_secret_value(), settings.data_dir)
    return MailSetup(
        transport=transport,
        renderer=MailRenderer(),
        sender=sender_from(settings.mail_from, plan),
        reply_to=Address(office.name, office.focal.email),
        links=link_provider(settings, plan),
        simulated_clock=settings.simulated_clock,
        reply_token=lambda unit_id, obligation_id: make_token(secret, plan.plan.code, unit_id, obligation_id),
    )


def notifier_for(runtime: Runtime) -> Notifier:
    """A notifier over the store and the SMTP server named by the settings."""
    lease = dt.timedelta(minutes=runtime.settings.claim_lease_minutes)
    with session_scope(runtime.engine) as session:
        plan = Plan.model_validate(current_plan(session).document)
    return Notifier(runtime.engine, mail_setup(runtime.settings, plan), lease=lease, clock=utcnow)


Clock = Callable[[], dt.datetime]


@cache
def default_runtime() -> Runtime:
    return Runtime.from_environment()


def file_store(settings: Settings) -> FileStore:
    return FileStore(settings.data_dir / "uploads")


def portal_app(runtime: Runtime, clock: Clock | None = None) -> FastAPI:
    """The portal over the configured store, mail server and office password."""
    from dutyflow.portal.app import create_app

    settings = runtime.settings
    return create_app(
        runtime.engine,
        file_store(settings),
        notifier=notifier_for(runtime),
        admin_password=settings.admin_password.get_secret_value(),
        clock=clock or utcnow,
        limits=Limits(
            max_bytes=int(settings.max_upload_mb * 1024 * 1024), max_per_day=settings.max_submissions_per_day
        ),
        trusted_proxy=settings.trusted_proxy,
    )


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


def mail_intake_for(runtime: Runtime) -> MailIntake:
    """Email intake over the store, the file store and the notifier for the answers."""
    settings = runtime.settings
    config = MailIntakeConfig(
        processed_folder=settings.imap_processed_folder,
        review_folder=settings.imap_review_folder,
        max_per_sender_per_day=settings.imap_max_per_sender_per_day,
        limits=Limits(max_bytes=int(settings.max_upload_mb * 1024 * 1024), max_per_day=settings.max_submissions_per_day),
    )
    own = frozenset({settings.imap_user} if "@" in settings.imap_user else set())
    return MailIntake(
        runtime.engine,
        file_store(settings),
        notifier_for(runtime),
        load_secret(settings.secret_key.get_secret_value(), settings.data_dir),
        config,
        office_addresses=own,
    )
