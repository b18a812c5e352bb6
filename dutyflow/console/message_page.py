"""A message as it was sent: its headers, text and HTML bodies, attachments, and each recipient's
delivery result, from the copy kept when it left (`store.sent_messages`)."""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.console.scope import Scope
from dutyflow.states import NotificationStatus
from dutyflow.store import console_queries as q
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, SentMessageRow, UnitRow
from dutyflow.store.sent_messages import kept


class UnknownMessage(LookupError):
    """No outbox row of the plan has this id."""


@dataclass(frozen=True)
class MessagePage:
    row: NotificationRow
    unit_code: str | None
    copy: SentMessageRow | None
    """None: the message never left (failed, or still claimed)."""
    recipients: list[tuple[str, NotificationStatus, str | None]]


def message_page(scope: Scope, row_id: int) -> MessagePage:
    with session_scope(scope.engine) as session:
        row = q.outbox_row(session, row_id)
        if row is None or row.plan_id != scope.plan_id:
            raise UnknownMessage(row_id)
        copy = kept(session, [row.message_id]).get(row.message_id)
        if copy is not None:
            session.expunge(copy)
        unit = session.get(UnitRow, row.unit_id) if row.unit_id is not None else None
        unit_code = unit.code if unit is not None else None
        recipients = q.recipients_of(session, row.message_id)
    return MessagePage(row, unit_code, copy, recipients)


def html_body(scope: Scope, row_id: int) -> str:
    """The HTML body the message was sent with (served alone, sandboxed)."""
    shown = message_page(scope, row_id)
    if shown.copy is None:
        raise UnknownMessage(row_id)
    return shown.copy.html
