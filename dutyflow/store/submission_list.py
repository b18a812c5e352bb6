"""The submissions the office has received, newest first: counted and paged in SQL, with their
unit's and deliverable's names in the same query (the page had read them one lazy load per row:
up to a thousand queries for its 500 rows during a last-day rush)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow, UnitRow


class SubmissionLine(NamedTuple):
    id: int
    unit: str
    deliverable: str
    period: str
    version: int
    received_at: dt.datetime
    status: SubmissionStatus
    reasons: list[Any]
    warnings: list[Any]
    file: bool
    channel: SubmissionChannel


def _of_plan(query: Select[Any], plan_id: int, status: SubmissionStatus | None) -> Select[Any]:
    query = query.join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id).where(
        ObligationRow.plan_id == plan_id
    )
    return query.where(SubmissionRow.status == status) if status is not None else query


def submission_count(session: Session, plan_id: int, status: SubmissionStatus | None) -> int:
    """How many submissions of the plan (with `status`) there are."""
    return int(session.execute(_of_plan(select(func.count()).select_from(SubmissionRow), plan_id, status)).scalar_one())


def submission_lines(
    session: Session, plan_id: int, status: SubmissionStatus | None, *, offset: int, limit: int
) -> list[SubmissionLine]:
    """`limit` submissions of the plan (with `status`) from `offset`, newest first."""
    query = select(
        SubmissionRow.id,
        UnitRow.name,
        DeliverableRow.name,
        ObligationRow.period_label,
        SubmissionRow.version,
        SubmissionRow.received_at,
        SubmissionRow.status,
        SubmissionRow.reasons,
        SubmissionRow.warnings,
        SubmissionRow.file_sha256.is_not(None),
        SubmissionRow.channel,
    ).select_from(SubmissionRow)
    query = (
        _of_plan(query, plan_id, status)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .order_by(SubmissionRow.received_at.desc(), SubmissionRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return [
        SubmissionLine(
            sid, unit, deliverable, period, version, at, status, reasons or [], warnings or [], bool(has_file), channel
        )
        for sid, unit, deliverable, period, version, at, status, reasons, warnings, has_file, channel in session.execute(
            query
        )
    ]
