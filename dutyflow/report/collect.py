"""Read what the district report needs from the store: read-only queries into a ReportInput.

For every obligation of the consolidated report's inputs, the submissions received up to the
end of `as_of` (local day) give completeness. The figures come from the latest accepted version
of each obligation of the value periods (see `data.value_periods`: for the annual report, the
annual report's period), combined per unit over those periods: events add up, stocks take the
latest. A submission awaiting acceptance or returned counts for nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from dutyflow.completeness import ACCEPTED, ObligationFact, SubmissionFact
from dutyflow.indicators import combine_periods
from dutyflow.plan import Plan
from dutyflow.report.data import (
    DutyReport,
    ReportInput,
    TableSum,
    ValuePeriod,
    consolidated_deliverable,
    value_periods,
)
from dutyflow.store.models import DataValueRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.queries import current_plan

STATUS_COLUMN = "status"
NARRATIVE_COLUMN = "narrative"
VALUE_COLUMN = "value"


@dataclass(frozen=True)
class _Obligation:
    id: int
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period: str
    last_day: dt.date
    extended_until: dt.date | None


def collect(session: Session, plan_code: str | None, as_of: dt.date, *, consolidated: str | None = None) -> ReportInput:
    """The ReportInput of `plan_code` (default: the plan loaded last) as the store stands at the
    end of `as_of`, for its consolidated deliverable `consolidated` (default: the first one)."""
    plan_row = current_plan(session, plan_code)
    plan = Plan.model_validate(plan_row.document)
    target = consolidated_deliverable(plan, consolidated)
    tz = ZoneInfo(plan.calendar.timezone)
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    periods = {(p.deliverable, p.period): p for p in value_periods(plan, target)}
    inputs = list(target.inputs)

    obligations = _obligations(session, plan_row.id, inputs, plan)
    submissions = _submissions(session, plan_row.id, inputs, until)
    facts = tuple(
        ObligationFact(
            unit=o.unit,
            unit_name=o.unit_name,
            deliverable=o.deliverable,
            deliverable_name=o.deliverable_name,
            period=o.period,
            last_day=o.last_day,
            extended_until=o.extended_until,
            submissions=tuple(submissions.get(o.id, ())),
        )
        for o in obligations
    )

    value_obligations = {o.id: o for o in obligations if (o.deliverable, o.period) in periods}
    value_units = frozenset(o.unit for o in value_obligations.values())
    rows = _accepted_values(session, plan_row.id, sorted({p.deliverable for p in periods.values()}), until)
    gathered = _Gathered(plan)
    for obligation_id, form, row, column, number, text in rows:
        obligation = value_obligations.get(obligation_id)
        if obligation is None:
            continue
        period = periods[(obligation.deliverable, obligation.period)]
        gathered.add(obligation.unit, period, form, row, column, number, text)

    return ReportInput(
        plan=plan,
        as_of=as_of,
        consolidated=target.code,
        obligations=facts,
        values=gathered.values(),
        value_units=value_units,
        reporting_units=frozenset(
            o.unit for o in value_obligations.values() if any(s.status == ACCEPTED for s in submissions.get(o.id, ()))
        ),
        duty_reports=gathered.duty_reports(),
        tables=gathered.tables(),
    )


def _obligations(session: Session, plan_id: int, inputs: list[str], plan: Plan) -> list[_Obligation]:
    query = (
        select(
            ObligationRow.id,
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
        .where(ObligationRow.plan_id == plan_id, DeliverableRow.code.in_(inputs))
    )
    found = [_Obligation(*row) for row in session.execute(query)]
    unit_order = {u.code: i for i, u in enumerate(plan.units)}
    input_order = {code: i for i, code in enumerate(inputs)}
    found.sort(key=lambda o: (input_order[o.deliverable], o.period, unit_order.get(o.unit, len(unit_order)), o.unit))
    return found


def _submissions(
    session: Session, plan_id: int, inputs: list[str], until: dt.datetime
) -> dict[int, list[SubmissionFact]]:
    query = (
        select(SubmissionRow.obligation_id, SubmissionRow.version, SubmissionRow.status, SubmissionRow.received_at)
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, DeliverableRow.code.in_(inputs), SubmissionRow.received_at < until)
        .order_by(SubmissionRow.obligation_id, SubmissionRow.version)
    )
    out: dict[int, list[SubmissionFact]] = defaultdict(list)
    for obligation_id, version, status, received_at in session.execute(query):
        out[obligation_id].append(SubmissionFact(version=version, status=status, received_at=received_at))
    return out


def _accepted_values(
    session: Session, plan_id: int, deliverables: list[str], until: dt.datetime
) -> Iterable[tuple[int, str, str, str, Decimal | None, str | None]]:
    """Every data value of the latest accepted version of each obligation of `deliverables`."""
    latest = (
        select(SubmissionRow.obligation_id.label("obligation_id"), func.max(SubmissionRow.version).label("version"))
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(
            ObligationRow.plan_id == plan_id,
            DeliverableRow.code.in_(deliverables),
            SubmissionRow.status == ACCEPTED,
            SubmissionRow.received_at < until,
        )
        .group_by(SubmissionRow.obligation_id)
        .subquery()
    )
    query = (
        select(
            SubmissionRow.obligation_id,
            DataValueRow.form,
            DataValueRow.row,
            DataValueRow.column,
            DataValueRow.number,
            DataValueRow.text,
        )
        .join(
            latest,
            and_(SubmissionRow.obligation_id == latest.c.obligation_id, SubmissionRow.version == latest.c.version),
        )
        .join(DataValueRow, DataValueRow.submission_id == SubmissionRow.id)
        .order_by(SubmissionRow.obligation_id, DataValueRow.id)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


class _Gathered:
    """Values of the accepted reports, per unit, before they are combined over periods."""

    def __init__(self, plan: Plan) -> None:
        self.nature: dict[str, Literal["event", "stock"]] = {d.code: d.nature for d in plan.data_elements}
        self.kinds = {f.code: f.kind for f in plan.forms}
        self.duty_codes = {d.code for d in plan.duties}
        self.elements: dict[str, dict[str, list[tuple[dt.date, Decimal]]]] = defaultdict(lambda: defaultdict(list))
        self.cells: dict[str, dict[str, dict[tuple[str, str], list[tuple[dt.date, Decimal]]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list))
        )
        self.duties: dict[tuple[str, str], dict[str, tuple[dt.date, str]]] = defaultdict(dict)

    def add(
        self,
        unit: str,
        period: ValuePeriod,
        form: str,
        row: str,
        column: str,
        number: Decimal | None,
        text: str | None,
    ) -> None:
        kind = self.kinds.get(form)
        if kind == "indicators" and column == VALUE_COLUMN and number is not None and row in self.nature:
            self.elements[unit][row].append((period.end, number))
        elif kind == "duties" and row in self.duty_codes and column in (STATUS_COLUMN, NARRATIVE_COLUMN) and text:
            held = self.duties[(unit, row)].get(column)
            if held is None or held[0] <= period.end:  # the latest period's answer stands
                self.duties[(unit, row)][column] = (period.end, text)
        elif kind == "table" and number is not None:
            self.cells[form][unit][(row, column)].append((period.end, number))

    def values(self) -> dict[str, dict[str, Decimal]]:
        out: dict[str, dict[str, Decimal]] = {}
        for unit, elements in self.elements.items():
            combined = {code: combine_periods(self.nature[code], figures) for code, figures in elements.items()}
            out[unit] = {code: value for code, value in combined.items() if value is not None}
        return out

    def duty_reports(self) -> tuple[DutyReport, ...]:
        reports = []
        for (unit, duty), answers in self.duties.items():
            status = answers.get(STATUS_COLUMN)
            narrative = answers.get(NARRATIVE_COLUMN)
            reports.append(
                DutyReport(
                    unit=unit,
                    duty=duty,
                    status=status[1] if status else None,
                    narrative=narrative[1] if narrative else None,
                )
            )
        return tuple(reports)

    def tables(self) -> dict[str, TableSum]:
        out: dict[str, TableSum] = {}
        for form, by_unit in self.cells.items():
            total: dict[tuple[str, str], Decimal] = {}
            for cells in by_unit.values():
                for (row, column), figures in cells.items():
                    # A row that is a stock data element (children in a situation) is a head count.
                    value = combine_periods(self.nature.get(row, "event"), figures)
                    if value is not None:
                        total[(row, column)] = total.get((row, column), Decimal(0)) + value
            out[form] = TableSum(form=form, cells=total, units=len(by_unit))
        return out
