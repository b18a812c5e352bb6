"""The console's plan page (office staff): upload a changed plan file; it is checked (each problem
with its line) and what loading it would change is shown; applying it is a second step, a form
carrying the upload's hash; a file that is not a valid plan is refused as `dutyflow plan load`
refuses it (`plan_change`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse

from dutyflow import plan_change
from dutyflow.messages import t
from dutyflow.portal.deps import Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer

PLAN = "/van-phong/ke-hoach"
APPLY = PLAN + "/ap-dung"

router = APIRouter()


@router.get(PLAN, response_class=HTMLResponse)
def plan_page(officer: StaffDep, portal: PortalDep) -> HTMLResponse:
    return _page(portal, officer)


@router.post(PLAN, response_class=HTMLResponse)
async def plan_upload(officer: StaffDep, portal: PortalDep, plan_file: Annotated[UploadFile, File()]) -> HTMLResponse:
    data = await plan_file.read()
    if not data:
        return _page(portal, officer, problems=[t("console_plan.empty_file")], status_code=422)
    from starlette.concurrency import run_in_threadpool  # the check and the rehearsal are store work

    return await run_in_threadpool(_check, portal, officer, data, plan_file.filename or "")


def _check(portal: Portal, officer: Officer, data: bytes, name: str) -> HTMLResponse:
    upload = plan_change.keep_upload(portal.files, data)
    return preview_page(portal, officer, upload, name)


@router.post(APPLY, response_class=HTMLResponse)
def plan_apply(
    officer: StaffDep,
    portal: PortalDep,
    sha256: Annotated[str, Form(min_length=64, max_length=64)],
    name: Annotated[str, Form(max_length=255)] = "",
) -> HTMLResponse:
    try:
        upload = plan_change.read_upload(portal.files, sha256)
    except ValueError:
        return _page(portal, officer, problems=[t("console_plan.unknown_upload")], status_code=404)
    if upload.plan is None:
        return preview_page(portal, officer, upload, name)
    report = plan_change.apply(portal.engine, upload.plan, upload.path, now=portal.clock(), actor=officer.name)
    portal.follow_store()  # at once, before this page is drawn
    return _page(portal, officer, done=report.describe(), contacts=report.contact_texts(), file_name=name)


def preview_page(
    portal: Portal, officer: Officer, upload: plan_change.Uploaded, name: str, **context: Any
) -> HTMLResponse:
    """The check of a kept upload, and what loading it would change, with the confirmation that
    applies it; `context` adds to the page (the reform page's summary, `console_plantools`)."""
    if upload.plan is None:
        issues = [t("console_plan.issue", line=i.line, field=i.field, message=i.message) for i in upload.issues]
        more = [t("plan.more_issues", count=upload.more)] if upload.more else []
        return _page(portal, officer, issues=issues + more, file_name=name, status_code=422, **context)
    diff = plan_change.preview(portal.engine, upload.plan, upload.path, now=portal.clock(), actor=officer.name)
    return _page(
        portal, officer, diff=diff, sha256=upload.sha256, file_name=name, title=upload.plan.plan.title, **context
    )


def _page(portal: Portal, officer: Officer, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {
        "problems": [],
        "issues": [],
        "diff": None,
        "done": "",
        "file_name": "",
        "sha256": "",
        "contacts": [],
        "reform": None,
    }
    return page(
        "console_plan",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        plan=portal.plan,
        groups=plan_change.GROUPS,
        t=t,
        **(defaults | context),
    )
