"""The plan's units, to find one: filtered by kind and by name or code, sorted, paged."""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.console.scope import Scope
from dutyflow.console.tables import Order, Page, Query, order_of, page_number, page_of, sort_rows
from dutyflow.messages import t
from dutyflow.store import console_queries as q
from dutyflow.store.console_queries import UnitLine
from dutyflow.store.db import session_scope

UNIT_KEYS = {
    "name": lambda row: row.name.casefold(),
    "code": lambda row: row.code,
    "kind": lambda row: (row.kind, row.name.casefold()),
}
UNIT_DEFAULT = Order("name")


@dataclass(frozen=True)
class UnitList:
    page: Page[UnitLine]
    order: Order
    kinds: list[tuple[str, str]]


def unit_list(scope: Scope, query: Query) -> UnitList:
    with session_scope(scope.engine) as session:
        rows = q.units(session, scope.plan_id)
    kinds = [(kind, t(f"unit_kind.{kind}")) for kind in dict.fromkeys(row.kind for row in rows)]
    kind = query.value("kind")
    needle = query.value("q").strip().casefold()
    rows = [
        row
        for row in rows
        if (not kind or row.kind == kind)
        and (not needle or needle in row.name.casefold() or needle in row.code.casefold())
    ]
    if query.value("paused") == "1":
        rows = [row for row in rows if row.paused]
    order = order_of(query.value("sort"), list(UNIT_KEYS), UNIT_DEFAULT)
    return UnitList(page_of(sort_rows(rows, order, UNIT_KEYS), page_number(query.value("page"))), order, kinds)
