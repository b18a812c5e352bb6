"""The reports made (drafts and final), with the completeness each counted, and their files."""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.console.scope import Scope
from dutyflow.console.tables import Order, Page, Query, order_of, page_number, page_of, sort_rows
from dutyflow.store import console_queries as q
from dutyflow.store.db import session_scope
from dutyflow.store.models import ReportRow

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}
REPORT_KEYS = {
    "made": lambda row: (row.made_at, row.id),
    "as_of": lambda row: (row.as_of, row.made_at),
    "kind": lambda row: (row.final, row.made_at),
    "completeness": lambda row: (row.received / row.expected if row.expected else -1, row.made_at),
}
REPORT_DEFAULT = Order("made", descending=True)


class UnknownReport(LookupError):
    """No report of the plan has this id, or it has no file of that format."""


@dataclass(frozen=True)
class ReportList:
    page: Page[ReportRow]
    order: Order


def report_list(scope: Scope, query: Query) -> ReportList:
    """The plan's reports; `kind` = "final" or "draft" keeps those only."""
    with session_scope(scope.engine) as session:
        rows = q.reports(session, scope.plan_id)
    kind = query.value("kind")
    if kind in {"final", "draft"}:
        rows = [row for row in rows if row.final == (kind == "final")]
    order = order_of(query.value("sort"), list(REPORT_KEYS), REPORT_DEFAULT)
    return ReportList(page_of(sort_rows(rows, order, REPORT_KEYS), page_number(query.value("page"))), order)


@dataclass(frozen=True)
class ReportFile:
    name: str
    media_type: str
    data: bytes


def report_file(scope: Scope, report_id: int, form: str) -> ReportFile:
    with session_scope(scope.engine) as session:
        row = q.report(session, scope.plan_id, report_id)
    sha = {"docx": row.docx_sha256, "pdf": row.pdf_sha256, "html": row.html_sha256}.get(form) if row else None
    if row is None or sha is None:
        raise UnknownReport(report_id)
    return ReportFile(f"{row.name}.{form}", FORMATS[form], scope.files.get(sha))
