"""The status page (`/van-phong`): where every obligation stands today, late ones first; the rates
by deliverable over all of them, the list filtered by deliverable, standing and a unit's name or
code, sorted and paged like the console's other tables, and all of it as CSV.

A province has 16,000 obligations: they are counted by standing, filtered, sorted and paged in SQL
(`store.standing_query`), and the messages and submissions are read for the page's rows only
(decisions "The status page reads the details of its page only" and "The status page is counted
and paged in SQL")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.console.audit_log import neutralised
from dutyflow.console.scope import Scope
from dutyflow.console.tables import PER_PAGE, Order, Page, Query, clamp, order_of, page_number
from dutyflow.lifetimes import dated_name
from dutyflow.messages import t
from dutyflow.obligations import Standing
from dutyflow.plan import Plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import UnitRow
from dutyflow.store.queries import StatusLine, status_lines
from dutyflow.store.standing_query import SORTS, Chosen, Tally, count, ids_in_order, tallies

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


def _chosen(session: Session, scope: Scope, query: Query, names: dict[str, str]) -> tuple[Chosen, Order]:
    """The query's filters and sort; a unit's name or code is matched here, without case, on the
    names the console shows (dated where a unit closed or opened)."""
    needle = query.value("q").strip().casefold()
    unit_ids = None
    if needle:
        units = session.execute(select(UnitRow.id, UnitRow.code, UnitRow.name).where(UnitRow.plan_id == scope.plan_id))
        unit_ids = [
            uid for uid, code, name in units if needle in names.get(code, name).casefold() or needle in code.casefold()
        ]
    kinds = {kind.value: kind for kind in Standing}
    order = order_of(query.value("sort"), SORTS, STANDING_DEFAULT)
    return Chosen(query.value("deliverable"), kinds.get(query.value("standing")), unit_ids), order


def _lines(session: Session, scope: Scope, ids: list[int], names: dict[str, str]) -> list[StatusLine]:
    """The full status lines of the obligations `ids`, in their order."""
    lines: list[StatusLine] = []
    for start in range(0, len(ids), CHUNK):  # a CSV of everything: bounded IN lists
        lines += status_lines(session, scope.plan_id, scope.today, obligation_ids=ids[start : start + CHUNK])
    by_id = {
        line.obligation_id: replace(line, unit_name=names[line.unit]) if line.unit in names else line for line in lines
    }
    return [by_id[oid] for oid in ids if oid in by_id]


def standing_view(scope: Scope, query: Query) -> StandingView:
    """The page, read in one transaction: the counts, the filtered list's size and its page's rows."""
    names = _dated_names(scope.plan)
    with session_scope(scope.engine) as session:
        chosen, order = _chosen(session, scope, query, names)
        counted = tallies(session, scope.plan_id, scope.today)
        total = count(session, scope.plan_id, scope.today, chosen)
        number = clamp(page_number(query.value("page")), total)
        ids = ids_in_order(
            session,
            scope.plan_id,
            scope.today,
            chosen,
            order.key,
            descending=order.descending,
            offset=(number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        page = Page(_lines(session, scope, ids, names), number, total)
    deliverables = [(tally.deliverable, tally.name) for tally in counted]
    kinds = [(kind.value, t(f"standing.{kind.value}")) for kind in Standing]
    return StandingView(summary(counted), page, order, deliverables, kinds)


def standing_csv(scope: Scope, query: Query) -> str:
    """Every obligation the page's filters select, in its order, as CSV (UTF-8 with a BOM, so a
    spreadsheet reads the Vietnamese letters), every cell neutralised."""
    names = _dated_names(scope.plan)
    with session_scope(scope.engine) as session:
        chosen, order = _chosen(session, scope, query, names)
        ids = ids_in_order(session, scope.plan_id, scope.today, chosen, order.key, descending=order.descending)
        lines = _lines(session, scope, ids, names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"load_standing.standing_csv.{column}") for column in CSV_COLUMNS])
    for line in lines:
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


def summary(counted: list[Tally]) -> list[dict[str, Any]]:
    """Per deliverable with an obligation still expected (not withdrawn): expected, handed in
    (submitted or accepted), overdue, returned, and the share handed in."""
    out = []
    for tally in counted:
        counts = tally.counts
        expected = sum(number for kind, number in counts.items() if kind is not Standing.WITHDRAWN)
        if not expected:
            continue
        handed_in = counts.get(Standing.ACCEPTED, 0) + counts.get(Standing.SUBMITTED, 0)
        out.append(
            {
                "name": tally.name,
                "expected": expected,
                "handed_in": handed_in,
                "overdue": counts.get(Standing.OVERDUE, 0),
                "returned": counts.get(Standing.RETURNED, 0),
                "percent": round(100 * handed_in / expected),
            }
        )
    return out
