"""The consolidated report's way in the console: its state, number, signer, history (who, when, what
comment) and who received it (anyone signed in); the office uploads its edited sections II–IV as a
DOCX (office staff); the leadership approves it or sends it back with a comment (leadership, the
signed-in account approving, as `dutyflow report approve --by`); office staff or the leadership sign
the approved report with the key the settings name (`Portal.signing`, opened at each signing); office
staff issue the signed report to the plan's addressees through the notifier. Signing and issuing are
reviewed before they are confirmed (`approval.sign_preview`, `approval.issue_preview`). The services
are the CLI's (`dutyflow.approval`); each step names the signed-in account (decisions.md, "The
console signs and issues the report")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dutyflow import approval
from dutyflow.messages import t
from dutyflow.portal.deps import ApproverDep, IssuerDep, Portal, PortalDep, ReaderDep, SignerDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.report.narrative import NarrativeError, read_docx
from dutyflow.report_lifecycle import ReportStepRefused
from dutyflow.signing import SigningError
from dutyflow.store.queries import NoPlanLoaded

REPORT = "/van-phong/bao-cao-tong-hop"
MAX_COMMENT = 2000
REFUSALS = (approval.ApprovalError, ReportStepRefused, NarrativeError, NoPlanLoaded, SigningError)
REVIEW, CONFIRM = "xem-lai", "thuc-hien"
Step = Annotated[Literal["xem-lai", "thuc-hien"], Form()]

router = APIRouter()


@dataclass(frozen=True)
class Shown:
    """What a step leaves on the page: the report's status, and what to say or ask above it."""

    status: approval.ReportStatus
    done: str = ""
    problems: list[str] = field(default_factory=list)
    sign_preview: approval.SignPreview | None = None
    issue_preview: approval.IssuePreview | None = None


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


@router.post(REPORT + "/ky-so", response_class=HTMLResponse)
def report_sign(officer: SignerDep, portal: PortalDep, step: Step) -> HTMLResponse:
    """Review: the key opened and its certificate checked now, what will be signed shown; confirm: signed."""
    provider, now = portal.signing, portal.clock()
    if provider is None:
        return _refused(portal, officer, t("console_sign.not_configured"))

    def review(ws: approval.Workspace) -> Shown:
        preview = approval.sign_preview(ws, provider())
        return Shown(approval.report_status(ws), sign_preview=preview)

    def sign(ws: approval.Workspace) -> Shown:
        status = approval.sign(ws, provider(), actor=officer.name, now=now)
        return Shown(status, done=t("console_sign.signed", number=status.number or "", signer=status.signer_name or ""))

    return _show(portal, officer, review if step == REVIEW else sign)


@router.post(REPORT + "/phat-hanh", response_class=HTMLResponse)
def report_issue(officer: IssuerDep, portal: PortalDep, step: Step) -> HTMLResponse:
    """Review: the addressees not reached yet; confirm: the signed PDF sent to them, the report issued."""
    mailer, now = portal.notifier, portal.clock()
    if mailer is None:
        return _refused(portal, officer, t("console_sign.no_mail"))

    def review(ws: approval.Workspace) -> Shown:
        return Shown(approval.report_status(ws), issue_preview=approval.issue_preview(ws))

    def issue(ws: approval.Workspace) -> Shown:
        issued = approval.issue_by_mail(ws, mailer, actor=officer.name, now=now)
        done = t("console_sign.issued", number=issued.status.number or "", count=issued.sent)
        return Shown(issued.status, done=done, problems=issued.failures)

    return _show(portal, officer, review if step == REVIEW else issue)


def _act(
    portal: Portal, officer: Officer, step: Callable[[approval.Workspace], approval.ReportStatus], done: str = ""
) -> HTMLResponse:
    return _show(portal, officer, lambda ws: Shown(step(ws), done=done))


def _show(portal: Portal, officer: Officer, step: Callable[[approval.Workspace], Shown]) -> HTMLResponse:
    """The page after `step`; a refusal of the services is shown above the report's current status (409)."""
    ws = _workspace(portal)
    if ws is None:
        return _page(portal, officer, None, problems=[t("console_report.not_configured")], status_code=503)
    try:
        shown = step(ws)
    except REFUSALS as exc:
        return _refused(portal, officer, str(exc), status_code=409)
    return _page(portal, officer, shown.status, shown.problems, shown)


def _refused(portal: Portal, officer: Officer, problem: str, *, status_code: int = 503) -> HTMLResponse:
    """`problem` above the report's current status, if it can be read."""
    ws = _workspace(portal)
    try:
        current = approval.report_status(ws) if ws is not None else None
    except REFUSALS:
        current = None
    return _page(portal, officer, current, [problem], status_code=status_code)


def _workspace(portal: Portal) -> approval.Workspace | None:
    """Where the report's versions are (None: the portal was started without a reports folder)."""
    if portal.reports_dir is None:
        return None
    return approval.Workspace(portal.engine, portal.files, portal.reports_dir)


def _page(
    portal: Portal,
    officer: Officer,
    status: approval.ReportStatus | None,
    problems: list[str],
    shown: Shown | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        "console_report",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        report=status,
        problems=problems,
        done=shown.done if shown else "",
        sign_preview=shown.sign_preview if shown else None,
        issue_preview=shown.issue_preview if shown else None,
        signing_configured=portal.signing is not None,
        mail_configured=portal.notifier is not None,
        review=REVIEW,
        confirm=CONFIRM,
        tz=portal.calendar.tz,
        t=t,
    )
