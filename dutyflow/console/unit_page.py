"""A unit's page in the console: its contacts, its obligations with their standing and history,
every message it was sent (with its Message-ID and delivery result) and its submissions."""

from __future__ import annotations

from dataclasses import dataclass, field

from dutyflow.console.audit_log import AuditLine, line_of
from dutyflow.console.scope import Scope
from dutyflow.console.tables import Page, Query, page_number, page_of
from dutyflow.store import console_queries as q
from dutyflow.store.db import session_scope
from dutyflow.store.models import UnitRow
from dutyflow.store.queries import StatusLine, status_lines


class UnknownUnit(LookupError):
    """No unit of the plan has this code."""


@dataclass(frozen=True)
class ObligationView:
    line: StatusLine
    history: list[AuditLine]


@dataclass(frozen=True)
class MessageView:
    """A message the unit was sent: its outbox rows (one per recipient) under one Message-ID."""

    message_id: str
    template: str
    subject: str | None
    claimed_at: object
    sent_at: object
    first_row: int
    deliveries: list[q.SentLine] = field(default_factory=list)


@dataclass(frozen=True)
class UnitPage:
    unit: UnitRow
    obligations: list[ObligationView]
    unit_history: list[AuditLine]
    messages: Page[MessageView]
    submissions: Page[q.SubmissionLine]


def unit_page(scope: Scope, code: str, query: Query) -> UnitPage:
    with session_scope(scope.engine) as session:
        unit = q.unit_by_code(session, scope.plan_id, code)
        if unit is None:
            raise UnknownUnit(code)
        lines = status_lines(session, scope.plan_id, scope.today, unit=code)
        sent = q.unit_messages(session, unit.id)
        submissions = q.unit_submissions(session, unit.id)
        history = q.audit_rows(session, q.AuditFilter(unit=code), order="at", descending=False)
    by_code: dict[str, list[AuditLine]] = {}
    for row in history:
        by_code.setdefault(row.code, []).append(line_of(row, scope))
    obligations = [
        ObligationView(line, by_code.get(f"{line.unit}/{line.deliverable}/{line.period}", [])) for line in lines
    ]
    return UnitPage(
        unit=unit,
        obligations=obligations,
        unit_history=by_code.get(code, []),
        messages=page_of(_messages(sent), page_number(query.value("messages_page"))),
        submissions=page_of(submissions, page_number(query.value("submissions_page"))),
    )


def _messages(rows: list[q.SentLine]) -> list[MessageView]:
    """The outbox rows grouped by Message-ID, latest first (the rows come latest first)."""
    views: dict[str, MessageView] = {}
    for row in rows:
        view = views.get(row.message_id)
        if view is None:
            view = MessageView(row.message_id, row.template, row.subject, row.claimed_at, row.sent_at, row.id)
            views[row.message_id] = view
        if all((d.recipient, d.status, d.error) != (row.recipient, row.status, row.error) for d in view.deliveries):
            view.deliveries.append(row)  # one row per obligation the message covers: each recipient once
    return list(views.values())
