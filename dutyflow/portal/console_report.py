"""The consolidated report's way in the console: its state, number, signer, history (who, when, what
comment) and who received it (anyone signed in); the office uploads its edited sections II–IV as a
DOCX (office staff); the leadership approves it or sends it back with a comment (leadership, the
signed-in account approving, as `dutyflow report approve --by`). The services are the CLI's
(`dutyflow.approval`). Signing and issuing stay with `dutyflow report sign|issue` for now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dutyflow import approval
from dutyflow.messages import t
from dutyflow.portal.deps import ApproverDep, Portal, PortalDep, ReaderDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.report.narrative import NarrativeError, read_docx
from dutyflow.report_lifecycle import ReportStepRefused
from dutyflow.store.queries import NoPlanLoaded

REPORT = "/van-phong/bao-cao-tong-hop"
MAX_COMMENT = 2000
REFUSALS = (approval.ApprovalError, ReportStepRefused, NarrativeError, NoPlanLoaded)

router = APIRouter()


@router.get(REPORT, response_class=HTMLResponse)
def report_page(officer: ReaderDep, portal: PortalDep) -> HTMLResponse:
    return _act(portal, officer, approval.report_status)


@router.post(REPORT + "/duyet", response_class=HTMLResponse)
def report_decide(
    officer: ApproverDep,
    portal: PortalDep,
    decision: Annotated[Literal["duyet", "tra-lai"], Form()],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
) -> HTMLResponse:
    now = portal.clock()
    if decision == "duyet":
        return _act(portal, officer, lambda ws: approval.approve(ws, officer, now=now), done=t("console_report.approved"))
    return _act(portal, officer, lambda ws: approval.return_report(ws, officer, comment=comment, now=now), done=t("console_report.returned"))


@router.post(REPORT + "/sua", response_class=HTMLResponse)
async def report_edit(officer: StaffDep, portal: PortalDep, docx: Annotated[UploadFile, File()]) -> HTMLResponse:
    data, name = await docx.read(), docx.filename or "bao-cao.docx"
    now = portal.clock()

    def edit(ws: approval.Workspace) -> approval.ReportStatus:
        return approval.edit(ws, read_docx(data, name), source=name, actor=officer.name, now=now)

    return await run_in_threadpool(_act, portal, officer, edit, t("console_report.edited"))


def _act(portal: Portal, officer: Officer, step: Callable[[approval.Workspace], approval.ReportStatus], done: str = "") -> HTMLResponse:
    if portal.reports_dir is None:
        return _page(officer, problems=[t("console_report.not_configured")], status_code=503)
    ws = approval.Workspace(portal.engine, portal.files, portal.reports_dir)
    try:
        status = step(ws)
    except REFUSALS as exc:
        try:
            current = approval.report_status(ws)
        except REFUSALS:
            current = None
        return _page(officer, status=current, problems=[str(exc)], status_code=409, tz=portal.calendar.tz)
    return _page(officer, status=status, done=done, tz=portal.calendar.tz)


def _page(officer: Officer, *, status: approval.ReportStatus | None = None, problems: list[str] | None = None, done: str = "", status_code: int = 200, tz: dt.tzinfo | None = None) -> HTMLResponse:
    return page(
        "console_report",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        report=status,
        problems=problems or [],
        done=done,
        tz=tz,
        t=t,
    )
