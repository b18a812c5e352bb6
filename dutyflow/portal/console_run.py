"""The console's "run now" (office staff): assign, chase, consolidate (draft or final) or read the
office's mailbox as of a day, through the served Prefect deployment when there is one (the page
links to the run in the Prefect UI), else in this process, as `dutyflow run` does (`run_now`,
`flows/launcher.py`). Reading the mailbox is offered only when one is configured; the page says so
otherwise, and a request for it is refused."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from dutyflow.messages import t
from dutyflow.portal.console_requests import parse_day
from dutyflow.portal.deps import Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.run_now import ReportKind, RunFlow, RunRequest, RunResult, record_request, runnable_flows
from dutyflow.store.db import session_scope

RUN = "/van-phong/chay-ngay"

router = APIRouter()


@router.get(RUN, response_class=HTMLResponse)
def run_page(officer: StaffDep, portal: PortalDep) -> HTMLResponse:
    return _page(portal, officer)


@router.post(RUN, response_class=HTMLResponse)
def run_post(
    officer: StaffDep,
    portal: PortalDep,
    flow: Annotated[RunFlow, Form()],
    as_of: Annotated[str, Form(max_length=32)] = "",
    report: Annotated[ReportKind, Form()] = ReportKind.AUTO,
) -> HTMLResponse:
    day = parse_day(as_of.strip()) if as_of.strip() else None
    if as_of.strip() and day is None:
        return _page(portal, officer, problems=[t("console_actions.bad_date", value=as_of)], status_code=422)
    if portal.launcher is None:
        return _page(portal, officer, problems=[t("console_run.no_launcher")], status_code=503)
    if flow not in portal.launcher.flows():
        return _page(portal, officer, problems=[t("console_accounts.mail_off")], status_code=409)
    request = RunRequest(flow, day, report)
    with session_scope(portal.engine) as session:
        record_request(session, request, actor=officer.name, now=portal.clock())
    result = portal.launcher.run(request)
    return _page(portal, officer, result=result)


def _page(
    portal: Portal,
    officer: Officer,
    *,
    problems: list[str] | None = None,
    result: RunResult | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    offered = portal.launcher.flows() if portal.launcher is not None else runnable_flows(mailbox=False)
    return page(
        "console_run",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        flows=offered,
        labels={flow: flow_label(flow) for flow in RunFlow},
        mail_off=RunFlow.INTAKE_MAIL not in offered,
        reports=list(ReportKind),
        today=portal.today(),
        problems=problems or [],
        result=result,
        t=t,
    )


def flow_label(flow: RunFlow) -> str:
    """How the page names a flow (`RunFlow.label`)."""
    return flow.label
