"""The columns an obligation is read with where completeness is counted (the report and the
console's overview): its unit's and deliverable's codes and names, its period, last day and
extension, joined in one query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow


def obligations_named(*first: InstrumentedAttribute[Any]) -> Select[tuple[Any, ...]]:
    """`first` (e.g. the obligation's id), then unit code, unit name, deliverable code,
    deliverable name, period, last day and extension; filter with `.where`."""
    return (
        select(
            *first,
            UnitRow.code,
            UnitRow.name,
            DeliverableRow.code,
            DeliverableRow.name,
            ObligationRow.period,
            ObligationRow.last_day,
            ObligationRow.extended_until,
        )
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
    )
