"""The submission portal: a page per unit (opened by its personal link) and the office's pages.

Every page is a Jinja2 template under templates/portal/. The unit's token authenticates it and
limits it to its own obligations; the office pages need the office password, a server-side
session and a CSRF token on every form. The clock is injected, so the demo and tests can run it
on simulated time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import BackgroundTasks, FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import build_workbook, web_fields
from dutyflow.intake import IntakeRefused, Limits, decide, obligation_for_unit, submit_entries, submit_file, target_of
from dutyflow.mail.render import environment
from dutyflow.messages import t
from dutyflow.notify import Notifier
from dutyflow.obligations import State, effective_last_day, standing
from dutyflow.plan import Plan
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AdminSessionRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.queries import loaded_plan, status_lines
from dutyflow.tokens import unit_for_token

Clock = Callable[[], dt.datetime]
SESSION_COOKIE = "dutyflow_office"
SESSION_HOURS = 8


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

    def today(self) -> dt.date:
        return self.calendar.local_date(self.clock())


def create_app(
    engine: Engine,
    files: FileStore,
    *,
    notifier: Notifier | None,
    admin_password: str,
    clock: Clock,
    limits: Limits | None = None,
) -> FastAPI:
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
    )
    app = FastAPI(title="dutyflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    _unit_routes(app, portal)
    _office_routes(app, portal)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


# --------------------------------------------------------------------------- rendering


def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(f"portal/{name}.html.j2").render(**context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the unit's link is in the URL: never leak it
    response.headers["Cache-Control"] = "no-store"
    return response


def refused(message: str, status_code: int) -> HTMLResponse:
    return page("error", status_code=status_code, message=message)


# --------------------------------------------------------------------------- unit pages


def _unit_routes(app: FastAPI, portal: Portal) -> None:
    def unit_or_404(session: Session, token: str) -> UnitRow:
        unit = unit_for_token(session, token, now=portal.clock())
        if unit is None or unit.plan_id != portal.plan_id:
            raise HTTPException(status_code=404)
        return unit

    @app.get("/u/{token}", response_class=HTMLResponse)
    def unit_page(token: str) -> HTMLResponse:
        today = portal.today()
        with session_scope(portal.engine) as session:
            unit = unit_or_404(session, token)
            obligations = session.scalars(
                select(ObligationRow)
                .where(ObligationRow.unit_id == unit.id)
                .order_by(ObligationRow.last_day, ObligationRow.id)
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
                        "open": obligation.state != State.ACCEPTED.value,
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
            return page("unit", unit=unit, plan=portal.plan, token=token, obligations=rows, duties=duties, today=today)

    @app.get("/u/{token}/bieu-mau/{obligation_id}.xlsx")
    def download_form(token: str, obligation_id: int) -> Response:
        with session_scope(portal.engine) as session:
            unit = unit_or_404(session, token)
            try:
                obligation = obligation_for_unit(session, obligation_id, unit.id)
            except IntakeRefused as exc:
                return refused(str(exc), 403)
            data = build_workbook(target_of(portal.plan, obligation))
            name = f"{obligation.deliverable.code}-{obligation.period}-{unit.code}.xlsx"
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"},
        )

    @app.post("/u/{token}/nop/{obligation_id}", response_class=HTMLResponse)
    async def upload(token: str, obligation_id: int, file: UploadFile, background: BackgroundTasks) -> HTMLResponse:
        data = await file.read(portal.limits.max_bytes + 1)
        with session_scope(portal.engine) as session:
            unit = unit_or_404(session, token)
            try:
                obligation = obligation_for_unit(session, obligation_id, unit.id)
                if not data:
                    raise IntakeRefused(t("intake.empty"))
                result = submit_file(
                    session,
                    portal.files,
                    portal.plan,
                    obligation,
                    data,
                    file.filename,
                    channel="portal",
                    actor=f"unit:{unit.code}",
                    now=portal.clock(),
                    limits=portal.limits,
                )
            except IntakeRefused as exc:
                return refused(
                    str(exc), 413 if len(data) > portal.limits.max_bytes else 403 if "không thuộc" in str(exc) else 400
                )
            context = _result_context(session, result.submission_id, portal)
        _acknowledge_later(background, portal, result.submission_id)
        return page("result", status_code=200 if result.ok else 422, token=token, **context)

    @app.get("/u/{token}/nhap/{obligation_id}", response_class=HTMLResponse)
    def web_form(token: str, obligation_id: int) -> HTMLResponse:
        with session_scope(portal.engine) as session:
            unit = unit_or_404(session, token)
            try:
                obligation = obligation_for_unit(session, obligation_id, unit.id)
            except IntakeRefused as exc:
                return refused(str(exc), 403)
            forms = _web_forms(portal, obligation)
            return page("web_form", token=token, unit=unit, obligation=obligation, forms=forms, values={}, problems=[])

    @app.post("/u/{token}/nhap/{obligation_id}", response_class=HTMLResponse)
    async def web_form_submit(
        token: str, obligation_id: int, request: Request, background: BackgroundTasks
    ) -> HTMLResponse:
        form = await request.form()
        entries: dict[str, dict[str, str]] = {}
        for key, value in form.multi_items():
            if "__" in key and isinstance(value, str):
                form_code, cell = key.split("__", 1)
                entries.setdefault(form_code, {})[cell] = value
        with session_scope(portal.engine) as session:
            unit = unit_or_404(session, token)
            try:
                obligation = obligation_for_unit(session, obligation_id, unit.id)
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
                return refused(str(exc), 403)
            if not result.ok:
                forms = _web_forms(portal, obligation)
                values = {f"{f}__{c}": v for f, cells in entries.items() for c, v in cells.items()}
                _acknowledge_later(background, portal, result.submission_id)
                return page(
                    "web_form",
                    status_code=422,
                    token=token,
                    unit=unit,
                    obligation=obligation,
                    forms=forms,
                    values=values,
                    problems=result.problems,
                )
            context = _result_context(session, result.submission_id, portal)
        _acknowledge_later(background, portal, result.submission_id)
        return page("result", token=token, **context)


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
        if not cookie or not portal.admin_password:
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
            raise HTTPException(status_code=403, detail=t("portal.csrf"))
        return row

    @app.get("/van-phong/dang-nhap", response_class=HTMLResponse)
    def login_page() -> HTMLResponse:
        return page("login", error=None, closed=not portal.admin_password)

    @app.post("/van-phong/dang-nhap")
    def login(password: str = Form(...)) -> Response:
        if not portal.admin_password or not hmac.compare_digest(_hash(password), _hash(portal.admin_password)):
            return page("login", status_code=401, error=t("portal.bad_password"), closed=not portal.admin_password)
        cookie = secrets.token_urlsafe(32)
        now = portal.clock()
        with session_scope(portal.engine) as session:
            session.execute(delete(AdminSessionRow).where(AdminSessionRow.expires_at <= now))
            session.add(
                AdminSessionRow(
                    session_hash=_hash(cookie),
                    csrf_token=secrets.token_urlsafe(32),
                    user="office",
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=SESSION_HOURS),
                )
            )
        response = RedirectResponse("/van-phong", status_code=303)
        response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", max_age=SESSION_HOURS * 3600)
        return response

    @app.post("/van-phong/dang-xuat")
    def logout(request: Request, csrf: str = Form(...)) -> Response:
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
        submission_id: int,
        decision: str,
        request: Request,
        background: BackgroundTasks,
        csrf: str = Form(...),
        reason: str = Form(""),
    ) -> Response:
        require(request, csrf)
        if decision not in {"chap-nhan", "tra-lai"}:
            raise HTTPException(status_code=404)
        with session_scope(portal.engine) as session:
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
                return refused(str(exc), 400)
        _acknowledge_later(background, portal, submission_id)
        return RedirectResponse("/van-phong/bao-cao", status_code=303)

    @app.get("/van-phong/bao-cao/{submission_id}/tep")
    def download_submission(submission_id: int, request: Request) -> Response:
        require(request)
        with session_scope(portal.engine) as session:
            submission = session.get(SubmissionRow, submission_id)
            if submission is None or not submission.file_sha256:
                raise HTTPException(status_code=404)
            data = portal.files.get(submission.file_sha256)
            extension = {"xlsx": ".xlsx", "docx": ".docx", "pdf": ".pdf"}.get(submission.content_type or "", ".bin")
            name = f"nop-{submission.id}-v{submission.version}{extension}"  # never the name the user gave
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Content-Type-Options": "nosniff"},
        )


def _completeness(lines: list[Any]) -> list[dict[str, Any]]:
    """Per deliverable: expected, received (submitted or accepted), overdue; for the status page."""
    by: dict[str, dict[str, Any]] = {}
    for line in lines:
        entry = by.setdefault(
            line.deliverable,
            {"name": line.deliverable_name, "expected": 0, "received": 0, "overdue": 0, "returned": 0},
        )
        entry["expected"] += 1
        entry["received"] += line.standing.value in {"accepted", "submitted"}
        entry["overdue"] += line.standing.value == "overdue"
        entry["returned"] += line.standing.value == "returned"
    for entry in by.values():
        entry["percent"] = round(100 * entry["received"] / entry["expected"]) if entry["expected"] else None
    return list(by.values())
