"""The submission portal: a page per unit (opened by its personal link) and the office's pages.

Every page is a Jinja2 template under templates/portal/; every refusal is one too (`errors`). The
unit's token authenticates it and limits it to its own obligations; the office pages need the
office password (failed attempts throttled, `throttle`), a server-side session and a CSRF token on
every form. The link is checked before a request's body is read, the body is capped before it is
read (`guard`), and parsing and store work run in a worker thread, never on the event loop. The
clock is injected, so the demo and tests can run it on simulated time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import BackgroundTasks, FastAPI, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import build_workbook, web_fields
from dutyflow.forms.layout import NARRATIVE_LIMIT
from dutyflow.intake import (
    FileRefused,
    IntakeRefused,
    Limits,
    NotYours,
    TooBig,
    TooMany,
    UnknownObligation,
    WorkbookParser,
    decide,
    obligation_for_unit,
    submit_entries,
    submit_file,
    target_of,
)
from dutyflow.messages import t
from dutyflow.notify import Notifier
from dutyflow.obligations import Standing, State, effective_last_day, standing
from dutyflow.plan import Plan
from dutyflow.portal.errors import Contact, Refusal, bare_refusal, install, refusal_of
from dutyflow.portal.guard import BodyLimit, SecurityHeaders
from dutyflow.portal.pages import SECURITY_HEADERS, page
from dutyflow.portal.throttle import LoginThrottle
from dutyflow.portal.workers import shared_pool
from dutyflow.states import SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AdminSessionRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.queries import loaded_plan, status_lines
from dutyflow.tokens import LinkState, check_link

Clock = Callable[[], dt.datetime]
SESSION_COOKIE = "dutyflow_office"
SESSION_HOURS = 8
OFFICE_ACCOUNT = "office"

MAX_ID = 2**31 - 1
"""The largest id either store holds (PostgreSQL's integer); a larger one names nothing."""
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

MAX_FORM_BYTES = 2 * 1024 * 1024
"""A whole web form or office form: a department's narratives at their limit fit well within it."""
MAX_FORM_FIELDS = 5000
MAX_FIELD_BYTES = 4 * NARRATIVE_LIMIT * 3  # a narrative at its limit, 3-byte letters, percent-encoded
UPLOAD_OVERHEAD = 64 * 1024
"""Multipart framing and the small fields beside the file."""


@dataclass
class Portal:
    engine: Engine
    plan: Plan
    plan_id: int
    files: FileStore
    notifier: Notifier | None
    admin_password: str
    clock: Clock
    limits: Limits
    calendar: WorkingCalendar
    throttle: LoginThrottle
    parse: WorkbookParser

    def today(self) -> dt.date:
        return self.calendar.local_date(self.clock())

    def body_limit(self, path: str) -> int:
        """The largest request body a path takes: an upload's file, or a form."""
        parts = path.split("/")
        if len(parts) == 5 and parts[1] == "u" and parts[3] == "nop":
            return self.limits.max_bytes + UPLOAD_OVERHEAD
        return MAX_FORM_BYTES


def create_app(
    engine: Engine,
    files: FileStore,
    *,
    notifier: Notifier | None,
    admin_password: str,
    clock: Clock,
    limits: Limits | None = None,
    throttle: LoginThrottle | None = None,
    trusted_proxy: str = "",
    parse: WorkbookParser | None = None,
) -> FastAPI:
    """The portal's ASGI app. `trusted_proxy`: the addresses (comma-separated) of a reverse proxy
    whose X-Forwarded-Proto/-For are believed; from anyone else they are ignored. `parse` reads an
    uploaded workbook (default: in a worker process, `workers`)."""
    with session_scope(engine) as session:
        loaded = loaded_plan(session)
        plan = loaded.plan
        plan_id = loaded.id
    portal = Portal(
        engine=engine,
        plan=plan,
        plan_id=plan_id,
        files=files,
        notifier=notifier,
        admin_password=admin_password,
        clock=clock,
        limits=limits or Limits(),
        calendar=WorkingCalendar.from_config(plan.calendar),
        throttle=throttle or LoginThrottle(),
        parse=parse or shared_pool().parse,
    )
    app = FastAPI(title="dutyflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    contact = Contact.of(plan)
    install(app, contact)
    _unit_routes(app, portal)
    _office_routes(app, portal)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit_for=portal.body_limit, refuse=lambda status: bare_refusal(status, contact))
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    if trusted_proxy.strip():
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxy)  # outermost: sets client, scheme
    return app


# --------------------------------------------------------------------------- unit pages


def _unit_routes(app: FastAPI, portal: Portal) -> None:
    # HEAD as well as GET: mail scanners and link checkers probe a unit's link before it is opened.
    @app.api_route("/u/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def unit_page(token: str) -> HTMLResponse:
        with session_scope(portal.engine) as session:
            unit = _open_link(portal, session, token)
            return page("unit", **_unit_context(portal, session, unit, token))

    @app.api_route("/u/{token}/bieu-mau/{obligation_id}.xlsx", methods=["GET", "HEAD"])
    def download_form(token: str, obligation_id: RowId) -> Response:
        with session_scope(portal.engine) as session:
            unit = _open_link(portal, session, token)
            obligation = _obligation(session, unit, obligation_id, token)
            if not obligation.deliverable.definition.get("forms"):
                raise _with_back(refusal_of("no_form", 404, deliverable=obligation.deliverable.name), token)
            data = build_workbook(target_of(portal.plan, obligation))
            name = f"{obligation.deliverable.code}-{obligation.period}-{unit.code}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"},
        )

    @app.post("/u/{token}/nop/{obligation_id}", response_class=HTMLResponse)
    async def upload(token: str, obligation_id: RowId, request: Request, background: BackgroundTasks) -> HTMLResponse:
        # The link and the obligation first: a forged link never gets its body read.
        await run_in_threadpool(_check_obligation, portal, token, obligation_id)
        form = await request.form(max_files=1, max_fields=4, max_part_size=UPLOAD_OVERHEAD)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise _with_back(refusal_of("no_file", 400), token)
        data = await file.read(portal.limits.max_bytes + 1)
        response, submission_id = await run_in_threadpool(
            _receive_file, portal, token, obligation_id, data, file.filename
        )
        _acknowledge_later(background, portal, submission_id)
        return response

    @app.api_route("/u/{token}/nhap/{obligation_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
    def web_form(token: str, obligation_id: RowId) -> HTMLResponse:
        with session_scope(portal.engine) as session:
            unit = _open_link(portal, session, token)
            obligation = _obligation(session, unit, obligation_id, token)
            if not obligation.deliverable.definition.get("forms"):
                raise _with_back(refusal_of("no_form", 404, deliverable=obligation.deliverable.name), token)
            forms = _web_forms(portal, obligation)
            return page("web_form", token=token, unit=unit, obligation=obligation, forms=forms, values={}, problems=[])

    @app.post("/u/{token}/nhap/{obligation_id}", response_class=HTMLResponse)
    async def web_form_submit(
        token: str, obligation_id: RowId, request: Request, background: BackgroundTasks
    ) -> HTMLResponse:
        await run_in_threadpool(_check_obligation, portal, token, obligation_id)
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)
        entries: dict[str, dict[str, str]] = {}
        for key, value in form.multi_items():
            if "__" in key and isinstance(value, str):
                form_code, cell = key.split("__", 1)
                entries.setdefault(form_code, {})[cell] = value
        response, submission_id = await run_in_threadpool(_receive_entries, portal, token, obligation_id, entries)
        _acknowledge_later(background, portal, submission_id)
        return response


# --------------------------------------------------------------------------- unit pages: the work


def _open_link(portal: Portal, session: Session, token: str) -> UnitRow:
    """The unit the link opens, or the refusal that says why not and how to get a new link."""
    check = check_link(session, token, now=portal.clock())
    unit = check.unit
    if check.state is LinkState.OPEN and unit is not None and unit.plan_id == portal.plan_id:
        return unit
    if check.state is LinkState.REVOKED and check.since is not None:
        raise refusal_of("link_revoked", 410, since=_dmy(portal, check.since))
    if check.state is LinkState.EXPIRED and check.since is not None:
        raise refusal_of("link_expired", 410, since=_dmy(portal, check.since))
    if check.state is LinkState.OPEN:  # a unit of another plan than the one being run
        raise refusal_of("link_other_plan", 410)
    raise refusal_of("link_unknown", 404)


def _dmy(portal: Portal, moment: dt.datetime) -> str:
    return portal.calendar.local_date(moment).strftime("%d/%m/%Y")


def _with_back(refusal: Refusal, token: str) -> Refusal:
    refusal.back = f"/u/{token}"
    return refusal


def _obligation(session: Session, unit: UnitRow, obligation_id: int, token: str) -> ObligationRow:
    try:
        return obligation_for_unit(session, obligation_id, unit.id)
    except UnknownObligation:
        raise _with_back(refusal_of("obligation_unknown", 404), token) from None
    except NotYours:
        raise _with_back(refusal_of("not_yours", 403), token) from None


def _check_obligation(portal: Portal, token: str, obligation_id: int) -> None:
    with session_scope(portal.engine) as session:
        _obligation(session, _open_link(portal, session, token), obligation_id, token)


def _intake_refusal(exc: IntakeRefused, token: str) -> Refusal:
    """An intake refusal as a page: nothing was recorded, so the unit may simply try again."""
    if isinstance(exc, TooBig):
        status, hint = 413, t("portal.hints.refused_file")
    elif isinstance(exc, TooMany):
        status, hint = 429, t("portal.hints.try_later")
    elif isinstance(exc, FileRefused):
        status, hint = 415, t("portal.hints.refused_file")
    else:
        status, hint = 400, t("portal.hints.back_to_unit")
    return Refusal(status, str(exc), hint=hint, back=f"/u/{token}")


def _receive_file(
    portal: Portal, token: str, obligation_id: int, data: bytes, filename: str | None
) -> tuple[HTMLResponse, int]:
    with session_scope(portal.engine) as session:
        unit = _open_link(portal, session, token)
        obligation = _obligation(session, unit, obligation_id, token)
        if not data:
            raise _with_back(refusal_of("no_file", 400), token)
        try:
            result = submit_file(
                session,
                portal.files,
                portal.plan,
                obligation,
                data,
                filename,
                channel=SubmissionChannel.PORTAL,
                actor=f"unit:{unit.code}",
                now=portal.clock(),
                limits=portal.limits,
                parse=portal.parse,
            )
        except IntakeRefused as exc:
            raise _intake_refusal(exc, token) from None
        context = _result_context(session, result.submission_id, portal)
        return page("result", status_code=200 if result.ok else 422, token=token, **context), result.submission_id


def _receive_entries(
    portal: Portal, token: str, obligation_id: int, entries: dict[str, dict[str, str]]
) -> tuple[HTMLResponse, int]:
    with session_scope(portal.engine) as session:
        unit = _open_link(portal, session, token)
        obligation = _obligation(session, unit, obligation_id, token)
        try:
            result = submit_entries(
                session,
                portal.plan,
                obligation,
                entries,
                actor=f"unit:{unit.code}",
                now=portal.clock(),
                limits=portal.limits,
            )
        except IntakeRefused as exc:
            raise _intake_refusal(exc, token) from None
        if result.ok:
            context = _result_context(session, result.submission_id, portal)
            return page("result", token=token, **context), result.submission_id
        # echoed back to be corrected; a NUL byte is not text and never goes back into a page
        values = {f"{f}__{c}": v.replace("\x00", "") for f, cells in entries.items() for c, v in cells.items()}
        response = page(
            "web_form",
            status_code=422,
            token=token,
            unit=unit,
            obligation=obligation,
            forms=_web_forms(portal, obligation),
            values=values,
            problems=result.problems,
        )
        return response, result.submission_id


def _unit_context(portal: Portal, session: Session, unit: UnitRow, token: str) -> dict[str, Any]:
    today = portal.today()
    obligations = session.scalars(
        select(ObligationRow).where(ObligationRow.unit_id == unit.id).order_by(ObligationRow.last_day, ObligationRow.id)
    ).all()
    rows = []
    for obligation in obligations:
        kind, days_left = standing(
            State(obligation.state), obligation.last_day, today, extended_until=obligation.extended_until
        )
        history = session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.obligation_id == obligation.id)
            .order_by(SubmissionRow.version.desc())
        ).all()
        definition = obligation.deliverable.definition
        rows.append(
            {
                "id": obligation.id,
                "deliverable": obligation.deliverable.name,
                "period": obligation.period_label,
                "last_day": effective_last_day(obligation.last_day, obligation.extended_until),
                "standing": kind.value,
                "standing_text": t(f"standing.{kind.value}"),
                "days_left": days_left,
                "has_forms": bool(definition.get("forms")),
                "attachments": bool(definition.get("attachments")),
                "open": obligation.state != State.ACCEPTED,
                "history": [
                    {
                        "version": s.version,
                        "received_at": s.received_at.astimezone(portal.calendar.tz),
                        "status": s.status,
                        "status_text": t(f"intake.status.{s.status}"),
                        "reasons": s.reasons,
                        "file_name": s.file_name,
                        "channel": t(f"intake.channel.{s.channel}"),
                    }
                    for s in history
                ],
            }
        )
    duties = [
        d
        for d in portal.plan.duties
        if unit.code in {u.code for u in portal.plan.expand_units([*d.units, *d.partners])}
    ]
    return {"unit": unit, "plan": portal.plan, "token": token, "obligations": rows, "duties": duties, "today": today}


def _web_forms(portal: Portal, obligation: ObligationRow) -> list[dict[str, Any]]:
    target = target_of(portal.plan, obligation)
    names = {f.code: f for f in portal.plan.forms}
    return [
        {"code": code, "name": names[code].name, "title": names[code].title, "fields": web_fields(target, code)}
        for code in obligation.deliverable.definition.get("forms", [])
    ]


def _result_context(session: Session, submission_id: int, portal: Portal) -> dict[str, Any]:
    submission = session.get(SubmissionRow, submission_id)
    assert submission is not None
    obligation = session.get(ObligationRow, submission.obligation_id)
    assert obligation is not None
    return {
        "submission": submission,
        "status_text": t(f"intake.status.{submission.status}"),
        "obligation": obligation,
        "received_at": submission.received_at.astimezone(portal.calendar.tz),
        "unit": obligation.unit,
    }


def _acknowledge_later(background: BackgroundTasks, portal: Portal, submission_id: int) -> None:
    if portal.notifier is None:
        return
    notifier = portal.notifier
    now = portal.clock()
    background.add_task(notifier.acknowledge, submission_id, portal.calendar.local_date(now), now)


# --------------------------------------------------------------------------- office pages


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _office_routes(app: FastAPI, portal: Portal) -> None:
    def office_session(request: Request) -> AdminSessionRow | None:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if not cookie or not portal.admin_password or len(cookie) > 128:
            return None
        with session_scope(portal.engine) as session:
            row = session.scalars(select(AdminSessionRow).where(AdminSessionRow.session_hash == _hash(cookie))).first()
            if row is None or row.expires_at <= portal.clock():
                return None
            session.expunge(row)
            return row

    def require(request: Request, csrf: str | None = None) -> AdminSessionRow:
        row = office_session(request)
        if row is None:
            raise HTTPException(status_code=303, headers={"Location": "/van-phong/dang-nhap"})
        if csrf is not None and not hmac.compare_digest(csrf.encode("utf-8"), row.csrf_token.encode("utf-8")):
            raise Refusal(403, t("portal.csrf"), back="/van-phong")
        return row

    @app.get("/van-phong/dang-nhap", response_class=HTMLResponse)
    def login_page() -> HTMLResponse:
        return page("login", error=None, closed=not portal.admin_password)

    @app.post("/van-phong/dang-nhap")
    def login(request: Request, password: Annotated[str, Form(max_length=1024)]) -> Response:
        if not portal.admin_password:
            return page("login", status_code=403, error=None, closed=True)
        client = request.client.host if request.client else "?"
        now = portal.clock()
        with session_scope(portal.engine) as session:
            until = portal.throttle.blocked_until(session, client=client, account=OFFICE_ACCOUNT, now=now)
            if until is not None:
                return _throttled(portal, until, now)
            if not hmac.compare_digest(_hash(password), _hash(portal.admin_password)):
                portal.throttle.record_failure(session, client=client, account=OFFICE_ACCOUNT, now=now)
                return page("login", status_code=401, error=t("portal.bad_password"), closed=False)
            cookie = secrets.token_urlsafe(32)
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= now))
            session.add(
                AdminSessionRow(
                    session_hash=_hash(cookie),
                    csrf_token=secrets.token_urlsafe(32),
                    user=OFFICE_ACCOUNT,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                )
            )
        response = RedirectResponse("/van-phong", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",  # behind TLS; the scheme comes from a trusted proxy only
            max_age=SESSION_HOURS * 3600,
        )
        return response

    @app.post("/van-phong/dang-xuat")
    def logout(request: Request, csrf: Annotated[str, Form(max_length=128)]) -> Response:
        row = require(request, csrf)
        with session_scope(portal.engine) as session:
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.id == row.id))
        response = RedirectResponse("/van-phong/dang-nhap", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/van-phong", response_class=HTMLResponse)
    def office_status(request: Request) -> HTMLResponse:
        row = require(request)
        today = portal.today()
        with session_scope(portal.engine) as session:
            lines = status_lines(session, portal.plan_id, today)
        summary = _completeness(lines)
        order = {"overdue": 0, "returned": 1, "due_today": 2, "due_soon": 3, "submitted": 4}
        late_first = sorted(lines, key=lambda line: (order.get(line.standing.value, 9), line.last_day, line.unit_name))
        return page(
            "office_status", csrf=row.csrf_token, plan=portal.plan, today=today, lines=late_first, summary=summary, t=t
        )

    @app.get("/van-phong/bao-cao", response_class=HTMLResponse)
    def submissions(request: Request) -> HTMLResponse:
        row = require(request)
        with session_scope(portal.engine) as session:
            items = session.execute(
                select(SubmissionRow, ObligationRow)
                .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
                .where(ObligationRow.plan_id == portal.plan_id)
                .order_by(SubmissionRow.received_at.desc(), SubmissionRow.id.desc())
                .limit(500)
            ).all()
            view = [
                {
                    "id": s.id,
                    "unit": o.unit.name,
                    "deliverable": o.deliverable.name,
                    "period": o.period_label,
                    "version": s.version,
                    "received_at": s.received_at.astimezone(portal.calendar.tz),
                    "status": s.status,
                    "status_text": t(f"intake.status.{s.status}"),
                    "reasons": s.reasons,
                    "file": bool(s.file_sha256),
                    "channel": t(f"intake.channel.{s.channel}"),
                }
                for s, o in items
            ]
        return page("office_submissions", csrf=row.csrf_token, items=view, plan=portal.plan)

    @app.post("/van-phong/bao-cao/{submission_id}/{decision}")
    def decide_submission(
        submission_id: RowId,
        decision: Literal["chap-nhan", "tra-lai"],
        request: Request,
        background: BackgroundTasks,
        csrf: Annotated[str, Form(max_length=128)],
        reason: Annotated[str, Form(max_length=NARRATIVE_LIMIT)] = "",
    ) -> Response:
        require(request, csrf)
        with session_scope(portal.engine) as session:
            _submission(portal, session, submission_id)
            try:
                decide(
                    session,
                    submission_id,
                    accept=decision == "chap-nhan",
                    reason=reason,
                    actor="office",
                    now=portal.clock(),
                )
            except IntakeRefused as exc:
                raise Refusal(400, str(exc), hint=t("portal.hints.office_back"), back="/van-phong/bao-cao") from None
        _acknowledge_later(background, portal, submission_id)
        return RedirectResponse("/van-phong/bao-cao", status_code=303)

    @app.get("/van-phong/bao-cao/{submission_id}/tep")
    def download_submission(submission_id: RowId, request: Request) -> Response:
        require(request)
        with session_scope(portal.engine) as session:
            submission = _submission(portal, session, submission_id)
            if not submission.file_sha256:
                raise _office_back(refusal_of("submission_unknown", 404))
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
        raise _office_back(refusal_of("submission_unknown", 404))
    return submission


def _office_back(refusal: Refusal) -> Refusal:
    refusal.back = "/van-phong/bao-cao"
    return refusal


def _throttled(portal: Portal, until: dt.datetime, now: dt.datetime) -> HTMLResponse:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    message = t(
        "portal.throttled",
        until=until.astimezone(portal.calendar.tz).strftime("%H:%M ngày %d/%m/%Y"),
        minutes=max(1, math.ceil(seconds / 60)),
    )
    return page("login", status_code=429, headers={"Retry-After": str(seconds)}, error=message, closed=False)


def _completeness(lines: list[Any]) -> list[dict[str, Any]]:
    """Per deliverable: expected, handed in (submitted or accepted), overdue; for the status page."""
    by: dict[str, dict[str, Any]] = {}
    for line in lines:
        entry = by.setdefault(
            line.deliverable,
            {"name": line.deliverable_name, "expected": 0, "handed_in": 0, "overdue": 0, "returned": 0},
        )
        entry["expected"] += 1
        entry["handed_in"] += line.standing in {Standing.ACCEPTED, Standing.SUBMITTED}
        entry["overdue"] += line.standing is Standing.OVERDUE
        entry["returned"] += line.standing is Standing.RETURNED
    for entry in by.values():
        entry["percent"] = round(100 * entry["handed_in"] / entry["expected"]) if entry["expected"] else None
    return list(by.values())
