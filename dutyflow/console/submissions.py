"""The submissions page (`/van-phong/bao-cao`): every version received, newest first, filtered by
its status and paged."""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.console.scope import Scope
from dutyflow.console.tables import PER_PAGE, Page, Query, clamp, page_number
from dutyflow.messages import t
from dutyflow.states import SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.submission_list import SubmissionLine, submission_count, submission_lines


@dataclass(frozen=True)
class SubmissionsView:
    page: Page[SubmissionLine]
    statuses: list[tuple[str, str]]
    """(status, its words) for the filter."""


def submissions_view(scope: Scope, query: Query) -> SubmissionsView:
    statuses = {status.value: status for status in SubmissionStatus}
    status = statuses.get(query.value("status"))
    with session_scope(scope.engine) as session:
        total = submission_count(session, scope.plan_id, status)
        number = clamp(page_number(query.value("page")), total)
        lines = submission_lines(session, scope.plan_id, status, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    shown = [line._replace(received_at=scope.local(line.received_at)) for line in lines]
    return SubmissionsView(Page(shown, number, total), [(value, t(f"intake.status.{value}")) for value in statuses])
