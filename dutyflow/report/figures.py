"""The report's figures, added up by the database.

Every figure of the district report is a sum over the latest accepted version of each unit's
report for the value periods: the indicators' numerators and denominators (docs/decisions.md,
"District rates and completeness are DHIS2's": Σ numerators / Σ denominators, over the units that
reported both) and the appendix tables' totals. The database adds them up in one pass each;
Python receives a few dozen numbers, not the units' values. Over several periods a unit's events add up and its stocks take the latest
period (`indicators.combine_periods`): the latest is picked by a window over the periods.

`indicators.sums_from_values` is the same computation on per-unit values in Python; the tests
hold the two to the same answers on both backends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from dutyflow.indicators import IndicatorSums
from dutyflow.plan import Deliverable, Plan, indicator_rows
from dutyflow.report.data import DutyReport, TableSum, ValuePeriod
from dutyflow.states import ObligationState, SubmissionStatus
from dutyflow.store.models import DataValueRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow

STATUS_COLUMN = "status"
NARRATIVE_COLUMN = "narrative"
VALUE_COLUMN = "value"
NUMBER = DataValueRow.number.type
"""Sums are read back as the values are (Numeric(20, 4)): Decimal on both backends."""


@dataclass(frozen=True)
class Source:
    """Where the figures come from: the value periods of one plan, received before `until`."""

    plan: Plan
    plan_id: int
    target: Deliverable
    """The consolidated deliverable being assembled."""
    periods: Sequence[ValuePeriod]
    deliverable_ids: dict[str, int]
    until: dt.datetime

    def period_filter(self) -> ColumnElement[bool]:
        """The obligations that count: of a value period, and not withdrawn (a withdrawn
        obligation's versions stay in the store, but the plan no longer asks for them)."""
        return and_(
            ObligationRow.state != ObligationState.WITHDRAWN,
            or_(false(), *(self._is(p) for p in self._known_periods())),
        )

    def period_rank(self) -> ColumnElement[int]:
        """The period's place in time: the rank of its end among the periods' ends."""
        ends = sorted({p.end for p in self.periods})
        whens = [(self._is(p), ends.index(p.end)) for p in self._known_periods()]
        return case(*whens, else_=-1) if whens else literal(-1)

    def _known_periods(self) -> list[ValuePeriod]:
        return [p for p in self.periods if p.deliverable in self.deliverable_ids]

    def _is(self, period: ValuePeriod) -> ColumnElement[bool]:
        """The obligation is of `period`."""
        return and_(
            ObligationRow.deliverable_id == self.deliverable_ids[period.deliverable],
            ObligationRow.period == period.period,
        )

    @property
    def several_periods(self) -> bool:
        return len(self.periods) > 1


def source(
    session: Session, plan: Plan, plan_id: int, target: Deliverable, periods: Sequence[ValuePeriod], until: dt.datetime
) -> Source:
    codes = sorted({p.deliverable for p in periods})
    found = session.execute(
        select(DeliverableRow.code, DeliverableRow.id).where(
            DeliverableRow.plan_id == plan_id, DeliverableRow.code.in_(codes)
        )
    )
    return Source(plan, plan_id, target, tuple(periods), {code: id_ for code, id_ in found}, until)


# --------------------------------------------------------------------------- the values that count


def latest_accepted(src: Source) -> Subquery:
    """(obligation_id, version): the latest accepted version of each value-period obligation."""
    return (
        select(SubmissionRow.obligation_id.label("obligation_id"), func.max(SubmissionRow.version).label("version"))
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .where(
            ObligationRow.plan_id == src.plan_id,
            src.period_filter(),
            SubmissionRow.status == SubmissionStatus.ACCEPTED,
            SubmissionRow.received_at < src.until,
            # Accepted after the cut-off: still awaiting the office when the report was built.
            or_(SubmissionRow.decided_at.is_(None), SubmissionRow.decided_at < src.until),
        )
        .group_by(SubmissionRow.obligation_id)
        .subquery("latest")
    )


def accepted_values(src: Source, *columns: Any) -> Select[Any]:
    """`columns` over the data values of the versions that count, joined to their submission and
    obligation (and so to the unit through `ObligationRow.unit_id`)."""
    latest = latest_accepted(src)
    return (
        select(*columns)
        .select_from(latest)
        .join(
            SubmissionRow,
            and_(SubmissionRow.obligation_id == latest.c.obligation_id, SubmissionRow.version == latest.c.version),
        )
        .join(ObligationRow, ObligationRow.id == SubmissionRow.obligation_id)
        .join(DataValueRow, DataValueRow.submission_id == SubmissionRow.id)
    )


def counted_values(
    src: Source,
    forms: Sequence[str],
    *conditions: ColumnElement[bool],
    latest_only: set[str],
    across_forms: bool = False,
) -> Subquery:
    """The numeric values of `forms` in the versions that count, with their unit: (unit_id, form,
    row, column, number). For the rows in `latest_only` (stocks), a unit's latest period only:
    one value per form, or (`across_forms`, a data element reported on several forms) one in
    all, the first of the latest period as the values were stored."""
    columns: list[Any] = [
        ObligationRow.unit_id.label("unit_id"),
        DataValueRow.form.label("form"),
        DataValueRow.row.label("row"),
        DataValueRow.column.label("column"),
        DataValueRow.number.label("number"),
    ]
    windowed = bool(latest_only) and (src.several_periods or (across_forms and len(forms) > 1))
    if windowed:
        columns.append(
            func.row_number()
            .over(
                partition_by=(
                    (ObligationRow.unit_id, DataValueRow.row, DataValueRow.column)
                    if across_forms
                    else (ObligationRow.unit_id, DataValueRow.form, DataValueRow.row, DataValueRow.column)
                ),
                order_by=(src.period_rank().desc(), ObligationRow.id, DataValueRow.id),
            )
            .label("recency")
        )
    values = (
        accepted_values(src, *columns)
        .where(DataValueRow.form.in_(list(forms)), DataValueRow.number.is_not(None), *conditions)
        .subquery("counted")
    )
    if not windowed:
        return values
    kept = or_(values.c.row.not_in(sorted(latest_only)), values.c.recency == 1)
    return (
        select(values.c.unit_id, values.c.form, values.c.row, values.c.column, values.c.number)
        .where(kept)
        .subquery("counted_latest")
    )


def reporters(plan: Plan, codes: Sequence[str]) -> ColumnElement[bool]:
    """The units named by `codes` (unit codes and groups), as `Plan.expand_units` finds them."""
    kinds, members = plan.selection(codes)
    parts = []
    if kinds:
        parts.append(UnitRow.kind.in_(sorted(kinds)))
    if members:
        parts.append(UnitRow.code.in_(sorted(members)))
    return or_(false(), *parts)


# --------------------------------------------------------------------------- indicators


def indicator_sums(session: Session, src: Source) -> dict[str, IndicatorSums]:
    """Each indicator's Σ numerator, Σ denominator and units counted, over the units it is
    reported by that reported both figures; and the units that owed them. Two queries."""
    plan = src.plan
    indicators = [row.indicator for row in indicator_rows(plan)]
    if not indicators:
        return {}
    elements = sorted({i.numerator for i in indicators} | {i.denominator for i in indicators if i.denominator})
    stocks = {d.code for d in plan.data_elements if d.nature == "stock"}
    forms = [f.code for f in plan.forms if f.kind == "indicators"]
    values = counted_values(
        src,
        forms,
        DataValueRow.column == VALUE_COLUMN,
        DataValueRow.row.in_(elements),
        latest_only=stocks & set(elements),
        across_forms=True,
    )
    # One row per unit, one column per data element (NULL: not reported).
    label = {code: f"e{i}" for i, code in enumerate(elements)}
    per_unit = (
        select(
            values.c.unit_id,
            *(func.sum(values.c.number).filter(values.c.row == code).label(label[code]) for code in elements),
        )
        .group_by(values.c.unit_id)
        .subquery("per_unit")
    )
    sums: list[Any] = []
    for indicator in indicators:
        top = per_unit.c[label[indicator.numerator]]
        counted = [reporters(plan, indicator.reported_by), top.is_not(None)]
        bottom = per_unit.c[label[indicator.denominator]] if indicator.denominator else None
        if bottom is not None:
            counted.append(bottom.is_not(None))
        condition = and_(*counted)
        sums.append(type_coerce(func.sum(top).filter(condition), NUMBER))
        sums.append(type_coerce(func.sum(bottom).filter(condition), NUMBER) if bottom is not None else literal(None))
        sums.append(func.count().filter(condition))
    row = session.execute(select(*sums).select_from(per_unit.join(UnitRow, UnitRow.id == per_unit.c.unit_id))).one()
    expected = _expected(session, src, indicators)
    out = {}
    for index, indicator in enumerate(indicators):
        numerator, denominator, reported = row[3 * index : 3 * index + 3]
        out[indicator.code] = IndicatorSums(
            numerator=numerator if numerator is not None else Decimal(0),
            denominator=denominator if denominator is not None else Decimal(0),
            reported=int(reported or 0),
            expected=expected[indicator.code],
        )
    return out


def _expected(session: Session, src: Source, indicators: Sequence[Any]) -> dict[str, int]:
    """Per indicator, the units it is reported by that held an obligation of a value period."""
    owing = (
        select(ObligationRow.unit_id)
        .where(ObligationRow.plan_id == src.plan_id, src.period_filter())
        .distinct()
        .subquery("owing")
    )
    counts = session.execute(
        select(*(func.count().filter(reporters(src.plan, i.reported_by)) for i in indicators)).select_from(
            owing.join(UnitRow, UnitRow.id == owing.c.unit_id)
        )
    ).one()
    return {indicator.code: int(count) for indicator, count in zip(indicators, counts, strict=True)}


# --------------------------------------------------------------------------- tables


def table_sums(session: Session, src: Source) -> dict[str, TableSum]:
    """Each table appendix's cell totals over the units, and how many units it holds figures of.
    A row that is a stock data element (children in a situation) is a head count: latest period."""
    plan = src.plan
    forms = [f.code for f in plan.forms if f.kind == "table"]
    if not forms:
        return {}
    stocks = {d.code for d in plan.data_elements if d.nature == "stock"}
    values = select(counted_values(src, forms, latest_only=stocks)).cte("table_values")
    # One statement, the values read once: the cells' totals, then each form's count of units.
    totals = select(
        values.c.form,
        values.c.row,
        values.c.column,
        type_coerce(func.sum(values.c.number), NUMBER).label("total"),
        literal(None, Integer).label("units"),
    ).group_by(values.c.form, values.c.row, values.c.column)
    units_per_form = select(
        values.c.form,
        literal(None, String).label("row"),
        literal(None, String).label("column"),
        literal(None, NUMBER).label("total"),
        func.count(values.c.unit_id.distinct()).label("units"),
    ).group_by(values.c.form)
    cells: dict[str, dict[tuple[str, str], Decimal]] = {}
    units: dict[str, int] = {}
    for form, row, column, total, count in session.execute(union_all(totals, units_per_form)):
        if row is None:
            units[form] = int(count)
        else:
            cells.setdefault(form, {})[(row, column)] = total
    return {form: TableSum(form=form, cells=cells[form], units=units[form]) for form in cells}


# --------------------------------------------------------------------------- narratives


def duty_reports(session: Session, src: Source) -> tuple[DutyReport, ...]:
    """Each unit's answer on each duty (status, narrative), the latest period's standing. These
    are texts for the report's body, read as they are: one row per unit and duty."""
    plan = src.plan
    forms = [f.code for f in plan.forms if f.kind == "duties"]
    duties = sorted(d.code for d in plan.duties)
    if not forms or not duties:
        return ()
    rows = session.execute(
        accepted_values(src, UnitRow.code, DataValueRow.row, DataValueRow.column, DataValueRow.text)
        .join(UnitRow, UnitRow.id == ObligationRow.unit_id)
        .where(
            DataValueRow.form.in_(forms),
            DataValueRow.row.in_(duties),
            DataValueRow.column.in_([STATUS_COLUMN, NARRATIVE_COLUMN]),
            DataValueRow.text.is_not(None),
            DataValueRow.text != "",
        )
        .order_by(src.period_rank(), ObligationRow.id, DataValueRow.id)
    )
    answers: dict[tuple[str, str], dict[str, str]] = {}
    for unit, duty, column, text in rows:  # by period: the latest period's answer stands
        answers.setdefault((unit, duty), {})[column] = text or ""
    return tuple(
        DutyReport(unit=unit, duty=duty, status=given.get(STATUS_COLUMN), narrative=given.get(NARRATIVE_COLUMN))
        for (unit, duty), given in answers.items()
    )


__all__ = ["Source", "duty_reports", "indicator_sums", "latest_accepted", "source", "table_sums"]
