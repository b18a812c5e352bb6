"""The status page (`/van-phong`): where every obligation stands today, late ones first; the rates
by deliverable over all of them, the list filtered by deliverable, standing and a unit's name or
code, sorted and paged like the console's other tables, and all of it as CSV.

A province has 16,000 obligations: the list is counted, filtered and paged from `standings` (a few
columns each), and the messages and submissions are read for the page's rows only (decision "The
status page reads the details of its page only")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from typing import Any

from dutyflow.console.audit_log import neutralised
from dutyflow.console.scope import Scope
from dutyflow.console.tables import Order, Page, Query, order_of, page_number, page_of, sort_rows
from dutyflow.lifetimes import dated_name
from dutyflow.messages import t
from dutyflow.obligations import Standing
from dutyflow.plan import Plan
from dutyflow.store.db import session_scope
from dutyflow.store.queries import StatusLine, Where, standings, status_lines

LATE_FIRST = {"overdue": 0, "returned": 1, "due_today": 2, "due_soon": 3, "submitted": 4}
"""The default order's first key: what needs the office first."""

STANDING_KEYS = {
    "late": lambda w: (LATE_FIRST.get(w.standing.value, 9), w.deadline, w.unit_name),
    "unit": lambda w: (w.unit_name.casefold(), w.deadline),
    "deliverable": lambda w: (w.deliverable_name, w.deadline, w.unit_name),
    "deadline": lambda w: (w.deadline, w.unit_name),
}
STANDING_DEFAULT = Order("late")
CHUNK = 900
"""Obligations read at once by their ids (SQLite's bound parameters were limited to 999)."""
CSV_COLUMNS = (
    "unit",
    "unit_code",
    "deliverable",
    "period",
    "deadline",
    "standing",
    "days_left",
    "last_notice",
    "problem",
)


@dataclass(frozen=True)
class StandingView:
    summary: list[dict[str, Any]]
    page: Page[StatusLine]
    order: Order
    deliverables: list[tuple[str, str]]
    standings: list[tuple[str, str]]


_renamed: dict[int, tuple[Plan, dict[str, str]]] = {}


def _dated_names(plan: Plan) -> dict[str, str]:
    """The units whose name the console dates (the old and the new Xã Quang Hán apart), by code;
    once per plan (plans are frozen; the plan is held so its id stays its own)."""
    known = _renamed.get(id(plan))
    if known is None or known[0] is not plan:
        known = (plan, {unit.code: dated_name(unit) for unit in plan.units if unit.opens or unit.closes})
        if len(_renamed) >= 8:
            _renamed.clear()
        _renamed[id(plan)] = known
    return known[1]


def _chosen(scope: Scope, query: Query) -> tuple[list[Where], list[Where], Order, dict[str, str]]:
    """Every obligation, those the query's filters select (sorted), the sort, and the units' names."""
    with session_scope(scope.engine) as session:
        every = standings(session, scope.plan_id, scope.today)
    names = _dated_names(scope.plan)
    if names:
        every = [w._replace(unit_name=names[w.unit]) if w.unit in names else w for w in every]
    deliverable = query.value("deliverable")
    kind = query.value("standing")
    needle = query.value("q").strip().casefold()
    chosen = [
        w
        for w in every
        if (not deliverable or w.deliverable == deliverable)
        and (not kind or w.standing.value == kind)
        and (not needle or needle in w.unit_name.casefold() or needle in w.unit.casefold())
    ]
    order = order_of(query.value("sort"), list(STANDING_KEYS), STANDING_DEFAULT)
    return every, sort_rows(chosen, order, STANDING_KEYS), order, names


def _lines(scope: Scope, rows: list[Where], names: dict[str, str]) -> list[StatusLine]:
    """The full status lines of `rows`, in their order."""
    ids = [w.obligation_id for w in rows]
    lines: list[StatusLine] = []
    with session_scope(scope.engine) as session:
        for start in range(0, len(ids), CHUNK):  # a CSV of everything: bounded IN lists
            lines += status_lines(session, scope.plan_id, scope.today, obligation_ids=ids[start : start + CHUNK])
    by_id = {
        line.obligation_id: replace(line, unit_name=names[line.unit]) if line.unit in names else line for line in lines
    }
    return [by_id[w.obligation_id] for w in rows if w.obligation_id in by_id]


def standing_view(scope: Scope, query: Query) -> StandingView:
    every, chosen, order, names = _chosen(scope, query)
    shown = page_of(chosen, page_number(query.value("page")))
    page = Page(_lines(scope, shown.rows, names), shown.number, shown.total, shown.per_page)
    deliverables = list(dict.fromkeys((w.deliverable, w.deliverable_name) for w in every))
    kinds = [(kind.value, t(f"standing.{kind.value}")) for kind in Standing]
    return StandingView(summary(every), page, order, deliverables, kinds)


def standing_csv(scope: Scope, query: Query) -> str:
    """Every obligation the page's filters select, in its order, as CSV (UTF-8 with a BOM, so a
    spreadsheet reads the Vietnamese letters), every cell neutralised."""
    _, chosen, _, names = _chosen(scope, query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"load_standing.standing_csv.{column}") for column in CSV_COLUMNS])
    for line in _lines(scope, chosen, names):
        cells = [
            line.unit_name,
            line.unit,
            line.deliverable_name,
            line.period_label,
            (line.extended_until or line.last_day).strftime("%d/%m/%Y"),
            t(f"standing.{line.standing.value}"),
            str(line.days_left),
            line.last_notice or "",
            line.problem or "",
        ]
        writer.writerow([neutralised(cell) for cell in cells])
    return "\ufeff" + out.getvalue()


def summary(rows: list[Where]) -> list[dict[str, Any]]:
    """Per deliverable: expected, handed in (submitted or accepted), overdue, returned."""
    by: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.standing is Standing.WITHDRAWN:  # no longer expected
            continue
        entry = by.setdefault(
            row.deliverable,
            {"name": row.deliverable_name, "expected": 0, "handed_in": 0, "overdue": 0, "returned": 0},
        )
        entry["expected"] += 1
        entry["handed_in"] += row.standing in {Standing.ACCEPTED, Standing.SUBMITTED}
        entry["overdue"] += row.standing is Standing.OVERDUE
        entry["returned"] += row.standing is Standing.RETURNED
    for entry in by.values():
        entry["percent"] = round(100 * entry["handed_in"] / entry["expected"]) if entry["expected"] else None
    return list(by.values())
