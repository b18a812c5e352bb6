"""Failed office logins slow an attacker down: after `per_client` failures from one client, or
`per_account` failures on one account, within `window`, further attempts are refused until the
oldest of those failures leaves the window. Every failure is an audit event, and the audit table
is the throttle's memory, so it holds across restarts and across several portal processes.
The clock is a parameter: tests move `now`, nothing sleeps (docs/decisions.md, 29).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dutyflow import audit
from dutyflow.store.models import AuditEventRow

LOGIN_FAILED = "office_login_failed"


@dataclass(frozen=True)
class LoginThrottle:
    per_client: int = 5
    per_account: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)

    def blocked_until(self, session: Session, *, client: str, account: str, now: dt.datetime) -> dt.datetime | None:
        """Until when attempts from `client` on `account` are refused, or None when they may go on."""
        until = [
            self._until(session, AuditEventRow.actor == _actor(client), self.per_client, now),
            self._until(session, AuditEventRow.code == account, self.per_account, now),
        ]
        return max((u for u in until if u is not None), default=None)

    def record_failure(self, session: Session, *, client: str, account: str, now: dt.datetime) -> None:
        failure = audit.AuditEvent(LOGIN_FAILED, "office_login", account, {"client": client})
        audit.write(session, failure, actor=_actor(client), at=now)
        session.flush()

    def _until(self, session: Session, who: ColumnElement[bool], limit: int, now: dt.datetime) -> dt.datetime | None:
        recent = session.scalars(
            select(AuditEventRow.at)
            .where(AuditEventRow.action == LOGIN_FAILED, who, AuditEventRow.at > now - self.window)
            .order_by(AuditEventRow.at.desc())
            .limit(limit)
        ).all()
        if len(recent) < limit:
            return None
        return recent[-1] + self.window  # the limit-th most recent failure leaves the window then


def _actor(client: str) -> str:
    return f"client:{client}"[:128]
