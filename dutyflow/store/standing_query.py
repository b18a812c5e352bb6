"""The status page's list in SQL: each obligation's standing on a day as a CASE (the rule of
`obligations.standing`, held to it by a test on every day of a year), and the list counted by
deliverable, filtered, sorted and paged in the database. A province has 16,000 obligations: the
page reads its 50 rows, not all of them (docs/decisions.md, "The status page is counted and paged
in SQL").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, case, func, literal, select
from sqlalchemy.orm import Session

from dutyflow.obligations import DUE_SOON_DAYS, Standing, State
from dutyflow.store.chasing import deadline
from dutyflow.store.db import among
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow

LATE_FIRST = {
    Standing.OVERDUE: 0,
    Standing.RETURNED: 1,
    Standing.DUE_TODAY: 2,
    Standing.DUE_SOON: 3,
    Standing.SUBMITTED: 4,
}
"""The default order's first key: what needs the office first (every other standing after)."""
OTHERS_LAST = 9
SORTS = ("late", "unit", "deliverable", "deadline")
_STANDINGS = {kind.value: kind for kind in Standing}


def standing_of(today: dt.date) -> ColumnElement[str]:
    """An obligation's standing on `today` (its unit joined), as `obligations.standing` decides it
    without `announced_from`: what the status page shows."""
    state = ObligationRow.state
    last = deadline()
    return case(
        (state == State.WITHDRAWN.value, literal(Standing.WITHDRAWN.value)),
        (state == State.ACCEPTED.value, literal(Standing.ACCEPTED.value)),
        (state == State.SUBMITTED.value, literal(Standing.SUBMITTED.value)),
        (UnitRow.paused.is_(True), literal(Standing.PAUSED.value)),
        (last < today, literal(Standing.OVERDUE.value)),
        (state == State.RETURNED.value, literal(Standing.RETURNED.value)),
        (last == today, literal(Standing.DUE_TODAY.value)),
        (last <= today + dt.timedelta(days=DUE_SOON_DAYS), literal(Standing.DUE_SOON.value)),
        else_=literal(Standing.ON_TRACK.value),
    )


@dataclass(frozen=True)
class Tally:
    """One deliverable's obligations by standing, in the order the page lists deliverables (by
    their first last day)."""

    deliverable: str
    name: str
    counts: dict[Standing, int]


def tallies(db: Session | Connection, plan_id: int, today: dt.date) -> list[Tally]:
    """Every deliverable of the plan with obligations, and how many stand where on `today`."""
    kind = standing_of(today).label("standing")
    rows = db.execute(
        select(DeliverableRow.code, DeliverableRow.name, kind, func.count(), func.min(ObligationRow.last_day))
        .select_from(ObligationRow)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id)
        .group_by(DeliverableRow.id, DeliverableRow.code, DeliverableRow.name, kind)
    ).all()
    first: dict[str, dt.date] = {}
    out: dict[str, Tally] = {}
    for code, name, standing, number, earliest in rows:
        out.setdefault(code, Tally(code, name, {})).counts[_STANDINGS[standing]] = number
        first[code] = min(first.get(code, earliest), earliest)
    return sorted(out.values(), key=lambda tally: (first[tally.deliverable], tally.deliverable))


@dataclass(frozen=True)
class Chosen:
    """The status page's filters: a deliverable's code, a standing, the units a name matched
    (None: every unit)."""

    deliverable: str = ""
    standing: Standing | None = None
    unit_ids: Sequence[int] | None = None


def count(db: Session, plan_id: int, today: dt.date, chosen: Chosen) -> int:
    query = _chosen(db, select(func.count()).select_from(ObligationRow), plan_id, today, chosen)
    return int(db.execute(query).scalar_one())


def ids_in_order(
    db: Session,
    plan_id: int,
    today: dt.date,
    chosen: Chosen,
    sort: str,
    *,
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[int]:
    """The ids of the obligations `chosen` selects, sorted by `sort` (one of SORTS), from `offset`
    (at most `limit`). Ties keep the plan's order (last day, deliverable, unit, period), either way
    up, as a stable sort does."""
    query = _chosen(db, select(ObligationRow.id).select_from(ObligationRow), plan_id, today, chosen)
    query = query.order_by(*_order(sort, descending, today)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [oid for (oid,) in db.execute(query)]


def _chosen(db: Session, query: Select[Any], plan_id: int, today: dt.date, chosen: Chosen) -> Select[Any]:
    query = (
        query.join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id)
    )
    if chosen.deliverable:
        query = query.where(DeliverableRow.code == chosen.deliverable)
    if chosen.standing is not None:
        query = query.where(standing_of(today) == chosen.standing.value)
    if chosen.unit_ids is not None:
        query = query.where(among(db, UnitRow.id, chosen.unit_ids))
    return query


def _order(sort: str, descending: bool, today: dt.date) -> list[Any]:
    """ORDER BY terms: the sort's keys (each descending when asked), then the plan's order."""
    rank = case({kind.value: rank for kind, rank in LATE_FIRST.items()}, value=standing_of(today), else_=OTHERS_LAST)
    name = UnitRow.name
    keys: dict[str, list[Any]] = {  # console.standing's keys: the unit's name without case in "unit"
        "late": [rank, deadline(), name],
        "unit": [func.lower(name), deadline()],
        "deliverable": [DeliverableRow.name, deadline(), name],
        "deadline": [deadline(), name],
    }
    chosen = [key.desc() if descending else key.asc() for key in keys[sort]]
    return [*chosen, ObligationRow.last_day, DeliverableRow.id, UnitRow.id, ObligationRow.period]
