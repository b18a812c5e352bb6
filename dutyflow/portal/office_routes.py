"""The office's pages: sign in by name and password (`signin`; failed attempts throttled, `throttle`),
the status of every obligation, the submissions, a decision on one, its file. Every page needs a
signed-in officer whose role allows it; every form its CSRF code (`deps`)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dutyflow.accounts import any_accounts
from dutyflow.console.scope import Scope
from dutyflow.console.standing import standing_csv, standing_view
from dutyflow.console.submissions import submissions_view
from dutyflow.console.tables import Query
from dutyflow.forms.layout import NARRATIVE_LIMIT
from dutyflow.intake import IntakeRefused, decide
from dutyflow.messages import t
from dutyflow.portal.deps import (
    CONSOLE_HOME,
    LOGIN_PATH,
    SESSION_COOKIE,
    Portal,
    PortalDep,
    ReaderDep,
    RowId,
    StaffDep,
)
from dutyflow.portal.errors import Refusal, refusal_of
from dutyflow.portal.pages import page
from dutyflow.portal.signin import SESSION_HOURS, Refused, Throttled, sign_in, sign_out
from dutyflow.portal.unit_routes import acknowledge_later
from dutyflow.refusals import RefusalKind
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, SubmissionRow

SUBMISSIONS = "/van-phong/bao-cao"

router = APIRouter()


@router.get(LOGIN_PATH, response_class=HTMLResponse)
def login_page(portal: PortalDep) -> HTMLResponse:
    return page("login", error=None, closed=not _has_accounts(portal))


@router.post(LOGIN_PATH)
def login(
    request: Request,
    portal: PortalDep,
    name: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    client = request.client.host if request.client else "?"
    now = portal.clock()
    with session_scope(portal.engine) as session:
        if not any_accounts(session):
            return page("login", status_code=403, error=None, closed=True)
        outcome = sign_in(session, portal.throttle, name=name, password=password, client=client, now=now)
    if isinstance(outcome, Throttled):
        return _throttled(portal, outcome.until, now)
    if isinstance(outcome, Refused):
        return page("login", status_code=401, error=t("portal.bad_password"), closed=False, account=name)
    response = RedirectResponse(CONSOLE_HOME, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        outcome.cookie,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",  # behind TLS; the scheme comes from a trusted proxy only
        max_age=SESSION_HOURS * 3600,
    )
    return response


@router.post("/van-phong/dang-xuat")
def logout(officer: ReaderDep, portal: PortalDep) -> Response:
    with session_scope(portal.engine) as session:
        sign_out(session, officer)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/van-phong", response_class=HTMLResponse)
def office_status(officer: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    scope = _scope(portal)
    query = Query(request.url.path, tuple(request.query_params.multi_items()))
    view = standing_view(scope, query)
    return page(
        "office_status",
        officer=officer,
        csrf=officer.csrf,
        plan=portal.plan,
        today=scope.today,
        view=view,
        query=query,
        t=t,
    )


@router.get("/van-phong/tinh-hinh.csv")
def office_status_export(_: ReaderDep, portal: PortalDep, request: Request) -> Response:
    scope = _scope(portal)
    name = f"tinh-hinh-{scope.today:%Y-%m-%d}.csv"
    return Response(
        standing_csv(scope, Query(request.url.path, tuple(request.query_params.multi_items()))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _scope(portal: Portal) -> Scope:
    return Scope(portal.engine, portal.files, portal.plan, portal.plan_id, portal.calendar, portal.clock())


@router.get(SUBMISSIONS, response_class=HTMLResponse)
def submissions(officer: ReaderDep, portal: PortalDep, request: Request) -> HTMLResponse:
    query = Query(request.url.path, tuple(request.query_params.multi_items()))
    view = submissions_view(_scope(portal), query)
    return page("office_submissions", officer=officer, csrf=officer.csrf, view=view, query=query, plan=portal.plan, t=t)


@router.post("/van-phong/bao-cao/{submission_id}/{decision}")
def decide_submission(
    officer: StaffDep,
    portal: PortalDep,
    submission_id: RowId,
    decision: Literal["chap-nhan", "tra-lai"],
    background: BackgroundTasks,
    reason: Annotated[str, Form(max_length=NARRATIVE_LIMIT)] = "",
) -> Response:
    with session_scope(portal.engine) as session:
        _submission(portal, session, submission_id)
        try:
            decide(
                session,
                submission_id,
                accept=decision == "chap-nhan",
                reason=reason,
                actor=officer.name,
                now=portal.clock(),
            )
        except IntakeRefused as exc:
            raise Refusal(exc.kind, str(exc), hint=t("portal.hints.office_back"), back=SUBMISSIONS) from None
    acknowledge_later(background, portal, submission_id)
    return RedirectResponse(SUBMISSIONS, status_code=303)


@router.get("/van-phong/bao-cao/{submission_id}/tep")
def download_submission(_: ReaderDep, portal: PortalDep, submission_id: RowId) -> Response:
    with session_scope(portal.engine) as session:
        submission = _submission(portal, session, submission_id)
        if not submission.file_sha256:
            raise _office_back(refusal_of("submission_unknown", RefusalKind.NOT_FOUND))
        data = portal.files.get(submission.file_sha256)
        extension = {"xlsx": ".xlsx", "docx": ".docx", "pdf": ".pdf"}.get(submission.content_type or "", ".bin")
        name = f"nop-{submission.id}-v{submission.version}{extension}"  # never the name the user gave
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _submission(portal: Portal, session: Session, submission_id: int) -> SubmissionRow:
    submission = session.get(SubmissionRow, submission_id)
    obligation = session.get(ObligationRow, submission.obligation_id) if submission is not None else None
    if submission is None or obligation is None or obligation.plan_id != portal.plan_id:
        raise _office_back(refusal_of("submission_unknown", RefusalKind.NOT_FOUND))
    return submission


def _has_accounts(portal: Portal) -> bool:
    with session_scope(portal.engine) as session:
        return any_accounts(session)


def _office_back(refusal: Refusal) -> Refusal:
    refusal.back = SUBMISSIONS
    return refusal


def _throttled(portal: Portal, until: dt.datetime, now: dt.datetime) -> HTMLResponse:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    message = t(
        "portal.throttled",
        until=until.astimezone(portal.calendar.tz).strftime("%H:%M ngày %d/%m/%Y"),
        minutes=max(1, math.ceil(seconds / 60)),
    )
    return page("login", status_code=429, headers={"Retry-After": str(seconds)}, error=message, closed=False)
