"""Read what the district report needs from the store: read-only queries into a ReportInput.

For every obligation of the consolidated report's inputs, the submissions received before the
report's cut-off give completeness, each as it stood at that instant: a version accepted or
returned later was still awaiting the office. The cut-off is the instant the report is built
(`cutoff`), or the end of `as_of` (local day) when none is given. The figures come from the latest accepted version
of each obligation of the value periods (see `data.value_periods`: for the annual report, the
annual report's period), combined per unit over those periods: events add up, stocks take the
latest; the database adds them up (`report.figures`). A submission awaiting acceptance or
returned counts for nothing, and so does one decided after the cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.completeness import ObligationFact, SubmissionFact
from dutyflow.lifetimes import dated_name
from dutyflow.plan import Plan
from dutyflow.report import figures
from dutyflow.report.data import (
    ReportInput,
    consolidated_deliverable,
    value_periods,
)
from dutyflow.states import ObligationState, SubmissionStatus
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow
from dutyflow.store.obligation_columns import obligations_named
from dutyflow.store.queries import loaded_plan


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


def collect(
    session: Session,
    plan_code: str | None,
    as_of: dt.date,
    *,
    cutoff: dt.datetime | None = None,
    consolidated: str | None = None,
) -> ReportInput:
    """The ReportInput of `plan_code` (default: the plan loaded last) as the store stood at
    `cutoff` (default: the end of `as_of`), for its consolidated deliverable `consolidated`
    (default: the first one)."""
    src = value_source(session, plan_code, as_of, cutoff=cutoff, consolidated=consolidated)
    plan, plan_row_id, target, until = src.plan, src.plan_id, src.target, src.until
    periods = {(p.deliverable, p.period) for p in src.periods}
    inputs = list(target.inputs)

    obligations = _obligations(session, plan_row_id, inputs, plan)
    submissions = _submissions(session, plan_row_id, inputs, until)
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

    value_obligations = [o for o in obligations if (o.deliverable, o.period) in periods]
    return ReportInput(
        plan=plan,
        as_of=as_of,
        cutoff=until,
        consolidated=target.code,
        obligations=facts,
        indicator_sums=figures.indicator_sums(session, src),
        value_units=frozenset(o.unit for o in value_obligations),
        reporting_units=frozenset(
            o.unit for o in value_obligations if any(s.status == SubmissionStatus.ACCEPTED for s in submissions.get(o.id, ()))
        ),
        duty_reports=figures.duty_reports(session, src),
        tables=figures.table_sums(session, src),
    )


def value_source(
    session: Session,
    plan_code: str | None,
    as_of: dt.date,
    *,
    cutoff: dt.datetime | None = None,
    consolidated: str | None = None,
) -> figures.Source:
    """Where the figures of the report on `as_of` come from: its value periods, as accepted
    before `cutoff` (default: the end of `as_of`, local time)."""
    plan_row = loaded_plan(session, plan_code)
    plan = plan_row.plan
    target = consolidated_deliverable(plan, consolidated)
    until = cutoff if cutoff is not None else end_of_day(as_of, ZoneInfo(plan.calendar.timezone))
    return figures.source(session, plan, plan_row.id, target, value_periods(plan, target), until)


def end_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The first instant after local `day`: a report "as of" a day holds all of that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def status_at(status: SubmissionStatus, decided_at: dt.datetime | None, until: dt.datetime) -> SubmissionStatus:
    """A submission's status as it stood just before `until`: decided later, it still awaited
    the office."""
    if status != SubmissionStatus.SUBMITTED and decided_at is not None and decided_at >= until:
        return SubmissionStatus.SUBMITTED
    return status


def _obligations(session: Session, plan_id: int, inputs: list[str], plan: Plan) -> list[_Obligation]:
    query = (
        obligations_named(ObligationRow.id)
        .where(ObligationRow.plan_id == plan_id, DeliverableRow.code.in_(inputs))
        .where(ObligationRow.state != ObligationState.WITHDRAWN)  # no longer expected
    )
    # Units named with their lifetimes, so the old and the new "UBND xã Quang Hán" can be told apart.
    names = {u.code: dated_name(u) for u in plan.units}
    found = [
        replace(o, unit_name=names.get(o.unit, o.unit_name))
        for o in (_Obligation(*row) for row in session.execute(query))
    ]
    unit_order = {u.code: i for i, u in enumerate(plan.units)}
    input_order = {code: i for i, code in enumerate(inputs)}
    found.sort(key=lambda o: (input_order[o.deliverable], o.period, unit_order.get(o.unit, len(unit_order)), o.unit))
    return found


def _submissions(
    session: Session, plan_id: int, inputs: list[str], until: dt.datetime
) -> dict[int, list[SubmissionFact]]:
    query = (
        select(
            SubmissionRow.obligation_id,
            SubmissionRow.version,
            SubmissionRow.status,
            SubmissionRow.decided_at,
            SubmissionRow.received_at,
        )
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, DeliverableRow.code.in_(inputs), SubmissionRow.received_at < until)
        .order_by(SubmissionRow.obligation_id, SubmissionRow.version)
    )
    out: dict[int, list[SubmissionFact]] = defaultdict(list)
    for obligation_id, version, status, decided_at, received_at in session.execute(query):
        out[obligation_id].append(
            SubmissionFact(version=version, status=status_at(status, decided_at, until), received_at=received_at)
        )
    return out
