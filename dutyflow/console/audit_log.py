"""The audit log in the console: filtered by person, unit, kind and date range, sorted, paged, and
exported as CSV with formula injection neutralised (see decisions.md, "The console's CSV")."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from dutyflow.console.scope import Scope
from dutyflow.console.tables import PER_PAGE, Order, Page, Query, clamp, order_of, page_number
from dutyflow.messages import t
from dutyflow.store import console_queries as q
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow

AUDIT_DEFAULT = Order("at", descending=True)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection")."""


def neutralised(value: str) -> str:
    """`value` as a CSV cell no spreadsheet runs: a leading formula character gets a "'" before it."""
    return f"'{value}" if value.startswith(FORMULA_START) else value


DETAIL_ON_PAGE = 300
"""Characters of a change's detail shown on the page (the CSV has all of it)."""


def label(section: str, code: str) -> str:
    """The words for an action's or an entity's code; the code itself for one without words yet."""
    try:
        return t(f"console.{section}.{code}")
    except KeyError:
        return code


def detail_text(detail: dict[str, Any] | None) -> str:
    """A change's detail for a person: "key: value" pairs, nested values as JSON with their letters."""
    parts = []
    for key, value in sorted((detail or {}).items()):
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


@dataclass(frozen=True)
class AuditLine:
    """An audit row as the page and the CSV show it."""

    at: dt.datetime
    actor: str
    action: str
    action_label: str
    entity_label: str
    code: str
    reason: str
    detail: str

    @property
    def short_detail(self) -> str:
        return self.detail if len(self.detail) <= DETAIL_ON_PAGE else self.detail[:DETAIL_ON_PAGE] + "…"


def line_of(row: AuditEventRow, scope: Scope) -> AuditLine:
    return AuditLine(
        at=scope.local(row.at),
        actor=row.actor,
        action=row.action,
        action_label=label("actions", row.action),
        entity_label=label("entities", row.entity),
        code=row.code,
        reason=row.reason or "",
        detail=detail_text(row.detail),
    )


@dataclass(frozen=True)
class AuditView:
    page: Page[AuditLine]
    order: Order
    chosen: q.AuditFilter
    actors: list[str]
    actions: list[tuple[str, str]]
    """Each kind of change in the log: its code and its words."""
    problems: list[str]
    """The filters that could not be read, each said in words (the list is shown without them)."""


def _day(query: Query, name: str, problems: list[str]) -> dt.date | None:
    text = query.value(name).strip()
    if not text:
        return None
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2999:
            return day
    problems.append(t("console.audit.bad_date", field=t(f"console.audit.{name}"), value=text))
    return None


def audit_filter(scope: Scope, query: Query) -> tuple[q.AuditFilter, list[str]]:
    """The filter the page's parameters ask for: dates are local days, `to` included."""
    problems: list[str] = []
    since, until = _day(query, "from", problems), _day(query, "to", problems)
    if since and until and since > until:
        problems.append(t("console.audit.dates_reversed"))
        since = until = None
    chosen = q.AuditFilter(
        actor=query.value("actor").strip(),
        unit=query.value("unit").strip(),
        action=query.value("action").strip(),
        since=scope.calendar.start_of_day(since) if since else None,
        until=scope.calendar.start_of_day(until + dt.timedelta(days=1)) if until else None,
    )
    return chosen, problems


def audit_view(scope: Scope, query: Query) -> AuditView:
    chosen, problems = audit_filter(scope, query)
    order = order_of(query.value("sort"), list(q.AUDIT_ORDER), AUDIT_DEFAULT)
    with session_scope(scope.engine) as session:
        total = q.audit_count(session, chosen)
        number = clamp(page_number(query.value("page")), total)
        rows = q.audit_rows(
            session,
            chosen,
            order=order.key,
            descending=order.descending,
            offset=(number - 1) * PER_PAGE,
            limit=PER_PAGE,
        )
        actors, actions = q.audit_choices(session)
    lines = [line_of(row, scope) for row in rows]
    choices = [(action, label("actions", action)) for action in actions]
    return AuditView(Page(lines, number, total), order, chosen, actors, choices, problems)


CSV_COLUMNS = ("at", "actor", "action", "entity", "code", "reason", "detail")


def audit_csv(scope: Scope, query: Query) -> str:
    """The rows the page's filters select, all of them, as CSV (UTF-8 with a BOM, so a spreadsheet
    reads the Vietnamese letters), every cell neutralised."""
    chosen, _ = audit_filter(scope, query)
    order = order_of(query.value("sort"), list(q.AUDIT_ORDER), AUDIT_DEFAULT)
    with session_scope(scope.engine) as session:
        rows = q.audit_rows(session, chosen, order=order.key, descending=order.descending)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(f"console.audit.csv.{column}") for column in CSV_COLUMNS])
    for row in rows:
        line = line_of(row, scope)
        cells = [
            line.at.strftime("%Y-%m-%d %H:%M:%S"),
            line.actor,
            line.action_label,
            line.entity_label,
            line.code,
            line.reason,
            line.detail,
        ]
        writer.writerow([neutralised(cell) for cell in cells])
    return "\ufeff" + out.getvalue()
