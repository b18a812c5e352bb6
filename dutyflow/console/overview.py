"""The console's overview: completeness and timeliness by deliverable and by unit kind, who is
late (longest first), delivery problems and the next scheduled runs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from dutyflow.completeness import Outcome, Tally, outcome
from dutyflow.console.schedule import NextRuns, next_runs
from dutyflow.console.scope import Scope
from dutyflow.console.tables import Order, Page, Query, order_of, page_number, page_of, sort_rows
from dutyflow.messages import t
from dutyflow.obligations import Standing
from dutyflow.store import console_queries as q
from dutyflow.store.db import session_scope
from dutyflow.store.queries import status_lines


@dataclass(frozen=True)
class Rate:
    """A line of the completeness tables: what it counts and its tally."""

    code: str
    label: str
    tally: Tally

    @property
    def completeness(self) -> int | None:
        return _percent(self.tally.completeness)

    @property
    def timeliness(self) -> int | None:
        return _percent(self.tally.timeliness)


def tally_of(counts: Counter[Outcome]) -> Tally:
    """The counts of a group of obligations' outcomes (the names the report lists are left out)."""
    return Tally(
        expected=sum(counts.values()),
        on_time=counts[Outcome.ON_TIME],
        late=counts[Outcome.LATE],
        returned=counts[Outcome.RETURNED],
        awaiting=counts[Outcome.AWAITING],
    )


def _percent(value: Decimal | None) -> int | None:
    return None if value is None else round(value * 100)


@dataclass(frozen=True)
class LateLine:
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period_label: str
    deadline: dt.date
    days_late: int
    problem: str | None


LATE_KEYS = {
    "days": lambda line: (line.days_late, line.unit_name),
    "unit": lambda line: (line.unit_name, -line.days_late),
    "deliverable": lambda line: (line.deliverable_name, -line.days_late, line.unit_name),
    "deadline": lambda line: (line.deadline, line.unit_name),
}
LATE_DEFAULT = Order("days", descending=True)


@dataclass(frozen=True)
class Overview:
    by_deliverable: list[Rate]
    by_kind: list[Rate]
    total: Rate
    late: Page[LateLine]
    late_order: Order
    late_total: int
    deliverables: list[tuple[str, str]]
    problems: Page[q.DeliveryProblem]
    runs: list[NextRuns]


def overview(scope: Scope, query: Query) -> Overview:
    """The overview; the late list filtered by `deliverable` and a unit's name (`q`), sorted by
    `sort`, paged by `page`; the problems paged by `problems_page`."""
    today = scope.today
    with session_scope(scope.engine) as session:
        facts = q.obligation_facts(session, scope.plan_id)
        lines = status_lines(session, scope.plan_id, today, needing_attention=True)
        problems = q.delivery_problems(session, scope.plan_id)
        stored = q.stored_schedules(session)
        deliverables = list(q.deliverable_names(session, scope.plan_id))
    tz = scope.calendar.tz
    names = dict(deliverables)
    by_deliverable: dict[str, Counter[Outcome]] = {}
    by_kind: dict[str, Counter[Outcome]] = {}
    total: Counter[Outcome] = Counter()
    for item in facts:
        # The report's rule, counted without its lists of names; with nothing handed in, "missing".
        result = outcome(item.fact, tz) if item.fact is not None else Outcome.MISSING
        by_deliverable.setdefault(item.deliverable, Counter())[result] += 1
        by_kind.setdefault(item.kind, Counter())[result] += 1
        total[result] += 1
    late = [
        LateLine(
            line.unit,
            line.unit_name,
            line.deliverable,
            line.deliverable_name,
            line.period_label,
            line.extended_until if line.extended_until and line.extended_until > line.last_day else line.last_day,
            -line.days_left,
            line.problem,
        )
        for line in lines
        if line.standing is Standing.OVERDUE
    ]
    chosen = query.value("deliverable")
    needle = query.value("q").strip().casefold()
    late = [
        line
        for line in late
        if (not chosen or line.deliverable == chosen) and (not needle or needle in line.unit_name.casefold())
    ]
    order = order_of(query.value("sort"), list(LATE_KEYS), LATE_DEFAULT)
    return Overview(
        by_deliverable=[Rate(code, names.get(code, code), tally_of(counts)) for code, counts in by_deliverable.items()],
        by_kind=[Rate(kind, t(f"unit_kind.{kind}"), tally_of(counts)) for kind, counts in by_kind.items()],
        total=Rate("", t("console.overview.total"), tally_of(total)),
        late=page_of(sort_rows(late, order, LATE_KEYS), page_number(query.value("page"))),
        late_order=order,
        late_total=len(late),
        deliverables=deliverables,
        problems=page_of(problems, page_number(query.value("problems_page"))),
        runs=next_runs(stored, scope.now, scope.plan.calendar.timezone),
    )
