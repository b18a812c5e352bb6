"""The one audit writer: every change a person or dutyflow makes is written here, naming its actor.

Transitions (`dutyflow.lifecycle`), administration, plan loading and the portal's login throttle
describe a change as an `AuditEvent`; `write` stores it in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from dutyflow.store.models import AuditEventRow

SYSTEM_ACTOR = "dutyflow"
"""The actor of what dutyflow decides itself: a submission decided on receipt, the final report."""


@dataclass(frozen=True)
class AuditEvent:
    """One change: what was done (`action`) to which `entity` (named by its `code`), and why."""

    action: str
    entity: str
    code: str
    detail: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


def write(session: Session, event: AuditEvent, *, actor: str, at: dt.datetime) -> AuditEventRow:
    """Add `event`, done by `actor` at `at`, to the session (flushed with the caller's transaction)."""
    row = AuditEventRow(
        at=at,
        actor=actor,
        action=event.action,
        entity=event.entity,
        code=event.code,
        detail=event.detail,
        reason=event.reason,
    )
    session.add(row)
    return row


__all__ = ["SYSTEM_ACTOR", "AuditEvent", "write"]
