"""One place that turns settings into the engine's parts: store engine, mail setup, notifier.

Flows, tasks, the CLI and the portal get their parts here; tests pass their own settings
(a sink's port, a temporary database) through the same functions.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from dutyflow.mail import Address, MailRenderer, SmtpTransport
from dutyflow.notify import MailSetup, Notifier, sender_from
from dutyflow.plan import Plan
from dutyflow.runtime import Runtime
from dutyflow.settings import Settings
from dutyflow.store.db import session_scope
from dutyflow.store.queries import current_plan


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
    return MailSetup(
        transport=transport,
        renderer=MailRenderer(),
        sender=sender_from(settings.mail_from, plan),
        reply_to=Address(office.name, office.focal.email),
        portal_url=None,
    )


def notifier_for(runtime: Runtime) -> Notifier:
    """A notifier over the store and the SMTP server named by the settings."""
    lease = dt.timedelta(minutes=runtime.settings.claim_lease_minutes)
    with session_scope(runtime.engine) as session:
        plan = Plan.model_validate(current_plan(session).document)
    return Notifier(runtime.engine, mail_setup(runtime.settings, plan), lease=lease)


@cache
def default_runtime() -> Runtime:
    return Runtime.from_environment()
