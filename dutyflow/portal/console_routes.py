"""The office console's read pages: overview, units, a unit's page, a message as sent, reports and
the audit log (with its CSV). Each route builds the page's scope and query, calls its service
(`dutyflow.console`) and renders the answer; the services hold the logic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from dutyflow.console.audit_log import audit_csv, audit_view
from dutyflow.console.message_page import UnknownMessage, html_body, message_page
from dutyflow.console.overview import overview
from dutyflow.console.reports import UnknownReport, report_file, report_list
from dutyflow.console.scope import Scope
from dutyflow.console.tables import Query
from dutyflow.console.unit_page import UnknownUnit, unit_page
from dutyflow.console.units import unit_list
from dutyflow.messages import t
from dutyflow.portal.console_auth import ReaderDep
from dutyflow.portal.deps import Portal, PortalDep, RowId
from dutyflow.portal.errors import Refusal
from dutyflow.portal.pages import SECURITY_HEADERS, page
from dutyflow.refusals import RefusalKind

STATIC = Path(__file__).resolve().parent.parent / "templates" / "portal" / "static"
HOME = "/van-phong/tong-quan"
MESSAGE_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""A message's HTML body is shown alone, sandboxed: no script, no form, nothing fetched."""

router = APIRouter()
static = StaticFiles(directory=STATIC)


def _scope(portal: Portal) -> Scope:
    return Scope(portal.engine, portal.files, portal.plan, portal.plan_id, portal.calendar, portal.clock())


def _query(request: Request) -> Query:
    return Query(request.url.path, tuple(request.query_params.multi_items()))


def _not_found(key: str) -> Refusal:
    return Refusal(
        RefusalKind.NOT_FOUND,
        t(f"console.errors.{key}.message"),
        title=t(f"console.errors.{key}.title"),
        hint=t("console.errors.hint"),
        back=HOME,
    )


def _console(name: str, row: ReaderDep, portal: Portal, request: Request, **context: Any) -> HTMLResponse:
    query = _query(request)
    return page(
        f"console/{name}",
        csrf=row.csrf,
        officer=row,
        plan=portal.plan,
        now=portal.clock(),
        tz=portal.calendar.tz,
        query=query,
        t=t,
        **context,
    )


@router.get(HOME, response_class=HTMLResponse)
def overview_page(row: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    return _console("overview", row, portal, request, view=overview(_scope(portal), _query(request)))


@router.get("/van-phong/don-vi", response_class=HTMLResponse)
def units_page(row: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    return _console("units", row, portal, request, view=unit_list(_scope(portal), _query(request)))


@router.get("/van-phong/don-vi/{code}", response_class=HTMLResponse)
def unit_page_(row: ReaderDep, portal: PortalDep, request: Request, code: str) -> HTMLResponse:
    try:
        view = unit_page(_scope(portal), code[:64], _query(request))
    except UnknownUnit:
        raise _not_found("unit_unknown") from None
    return _console("unit", row, portal, request, view=view)


@router.get("/van-phong/thu/{row_id}", response_class=HTMLResponse)
def message(row: ReaderDep, portal: PortalDep, request: Request, row_id: RowId) -> HTMLResponse:
    try:
        view = message_page(_scope(portal), row_id)
    except UnknownMessage:
        raise _not_found("message_unknown") from None
    return _console("message", row, portal, request, view=view)


@router.get("/van-phong/thu/{row_id}/html")
def message_html(_: ReaderDep, portal: PortalDep, row_id: RowId) -> Response:
    try:
        body = html_body(_scope(portal), row_id)
    except UnknownMessage:
        raise _not_found("message_unknown") from None
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": MESSAGE_CSP, "Cache-Control": "no-store"}
    return HTMLResponse(body, headers=headers)


@router.get("/van-phong/tong-hop", response_class=HTMLResponse)
def reports_page(row: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    return _console("reports", row, portal, request, view=report_list(_scope(portal), _query(request)))


@router.get("/van-phong/tong-hop/{report_id}.{form}")
def report_download(
    _: ReaderDep, portal: PortalDep, report_id: RowId, form: Literal["docx", "pdf", "html"]
) -> Response:
    try:
        found = report_file(_scope(portal), report_id, form)
    except UnknownReport:
        raise _not_found("report_unknown") from None
    return Response(
        found.data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{found.name}"', "Cache-Control": "no-store"},
    )


@router.get("/van-phong/nhat-ky", response_class=HTMLResponse)
def audit_page(row: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    return _console("audit", row, portal, request, view=audit_view(_scope(portal), _query(request)))


@router.get("/van-phong/nhat-ky.csv")
def audit_export(_: ReaderDep, portal: PortalDep, request: Request) -> Response:
    scope = _scope(portal)
    name = f"nhat-ky-{scope.today:%Y-%m-%d}.csv"
    return Response(
        audit_csv(scope, _query(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
