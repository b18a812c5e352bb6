"""The console's plan-making tools (office staff), beside the plan page: a plan drafted from its
document, as `dutyflow plan draft` drafts it (`plan_drafting`), offered for download with what the
drafter could not place; and the 2025 reorganisation applied to the current plan, as `dutyflow plan
reform` writes it (`plan_reforming`), handed to the plan page's diff and apply. Neither changes
anything: the plan changes only at the plan page's confirmation. The drafting and the register are
heavy, so both run in a worker thread (docs/decisions.md, "The console's plan tools are the CLI's,
for office staff")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from dutyflow import plan_drafting, plan_reforming
from dutyflow.formatting import format_size
from dutyflow.messages import t
from dutyflow.plan import PlanError
from dutyflow.plandraft.document import DraftError
from dutyflow.portal import console_plan
from dutyflow.portal.console_requests import parse_day
from dutyflow.portal.deps import Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.reform import ReformError
from dutyflow.register import REFORM_DAY

DRAFT = console_plan.PLAN + "/du-thao"
REFORM = console_plan.PLAN + "/sap-xep"

router = APIRouter()


# --------------------------------------------------------------------------- a plan drafted from its document


@router.get(DRAFT, response_class=HTMLResponse)
def draft_form(officer: StaffDep, portal: PortalDep) -> HTMLResponse:
    return _draft_page(portal, officer)


@router.post(DRAFT, response_class=HTMLResponse)
async def draft_post(
    officer: StaffDep, portal: PortalDep, document: Annotated[UploadFile | None, File()] = None
) -> HTMLResponse:
    data = await document.read(portal.limits.max_bytes + 1) if document is not None else b""
    name = (document.filename or "") if document is not None else ""
    if not data and not name:
        return _draft_page(portal, officer, problems=[t("console_plantools.draft.no_file")], status_code=422)
    return await run_in_threadpool(_draft, portal, officer, data, name)


def _draft(portal: Portal, officer: Officer, data: bytes, name: str) -> HTMLResponse:
    store = plan_drafting.drafts_store(portal.files)
    try:
        drafted = plan_drafting.draft_upload(data, name, max_bytes=portal.limits.max_bytes, store=store)
    except DraftError as exc:
        return _draft_page(portal, officer, problems=[str(exc)], status_code=422)
    return _draft_page(portal, officer, drafted=drafted)


@router.get(DRAFT + "/{sha256}/{name}")
def draft_download(officer: StaffDep, portal: PortalDep, sha256: str, name: str) -> Response:
    store = plan_drafting.drafts_store(portal.files)
    try:
        data = store.get(sha256)
    except (ValueError, OSError):
        return _draft_page(portal, officer, problems=[t("console_plantools.draft.unknown_draft")], status_code=404)
    shown = name if name.endswith(".yaml") else f"{name}.yaml"
    return Response(
        data,
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(shown)}", "Cache-Control": "no-store"},
    )


def _draft_page(portal: Portal, officer: Officer, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {"problems": [], "drafted": None}
    return page(
        "console_plan_draft",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        limit=format_size(portal.limits.max_bytes),
        accept=",".join(plan_drafting.SUFFIXES),
        download=DRAFT,
        quote=quote,
        t=t,
        **(defaults | context),
    )


# --------------------------------------------------------------------------- the 2025 reform of the current plan


@router.get(REFORM, response_class=HTMLResponse)
def reform_form(officer: StaffDep, portal: PortalDep) -> HTMLResponse:
    return _reform_page(portal, officer)


@router.post(REFORM, response_class=HTMLResponse)
async def reform_post(
    officer: StaffDep, portal: PortalDep, on: Annotated[str, Form(max_length=40)] = ""
) -> HTMLResponse:
    typed = " ".join(on.split())
    day = parse_day(typed) if typed else REFORM_DAY
    if day is None:
        problem = t("console_plantools.reform.bad_date", value=typed)
        return _reform_page(portal, officer, problems=[problem], on=typed, status_code=422)
    return await run_in_threadpool(_reform, portal, officer, day)


def _reform(portal: Portal, officer: Officer, day: dt.date) -> HTMLResponse:
    try:
        downloads = plan_drafting.drafts_store(portal.files)
        reformed = plan_reforming.reform_current(portal.engine, portal.files, day, downloads=downloads)
    except (ReformError, PlanError) as exc:
        return _reform_page(portal, officer, problems=[str(exc)], on=day.isoformat(), status_code=422)
    if reformed.upload is None:
        return _reform_page(portal, officer, reformed=reformed, on=day.isoformat())
    return console_plan.preview_page(portal, officer, reformed.upload, reformed.name, reform=_reform_view(reformed))


def _reform_view(reformed: plan_reforming.Reformed) -> dict[str, Any]:
    """What the plan page shows above the diff of a reformed plan."""
    day = reformed.day.strftime("%d/%m/%Y")
    result = reformed.result
    closed = [
        t("console_plantools.reform.closed", old=old, new=new, day=day)
        if new
        else t("console_plantools.reform.closed_none", old=old, day=day)
        for old, new in result.closed
    ]
    return {
        "heading": t("console_plantools.reform.heading", day=day),
        "summary": t(
            "console_plantools.reform.summary",
            source=reformed.source.name,
            closed=len(result.closed),
            opened=len(result.opened),
            name=reformed.name,
        ),
        "from_stored": ""
        if reformed.source.from_file
        else t("console_plantools.reform.from_stored", source=reformed.source.name),
        "closed": closed,
        "skipped": _skipped(reformed),
        "download": f"{DRAFT}/{reformed.download_sha256}/{quote(reformed.name)}",
        "download_text": t("console_plantools.reform.download", name=reformed.name),
    }


def _skipped(reformed: plan_reforming.Reformed) -> list[str]:
    """The units the table cannot convert, as `dutyflow plan reform` lists them."""
    return [t("register.reform_skipped", code=code, reason=reason) for code, reason in reformed.result.skipped]


def _reform_page(portal: Portal, officer: Officer, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    reformed: plan_reforming.Reformed | None = context.pop("reformed", None)
    defaults: dict[str, Any] = {"problems": [], "on": REFORM_DAY.isoformat(), "nothing": "", "skipped": []}
    if reformed is not None:
        context["nothing"] = t("console_plantools.reform.nothing", day=reformed.day.strftime("%d/%m/%Y"))
        context["skipped"] = _skipped(reformed)
    return page(
        "console_plan_reform",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        plan=portal.plan,
        t=t,
        **(defaults | context),
    )
