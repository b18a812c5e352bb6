"""The unit's pages, opened by its personal link: its obligations and their history, a form to
download, an upload, a web form. Parsing and store work run in a worker thread, never on the event loop."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dutyflow.forms import build_workbook, web_fields
from dutyflow.intake import IntakeRefused, submit_entries, submit_file, target_of
from dutyflow.lifecycle import obligation_code
from dutyflow.lifetimes import closed_on, where_it_went
from dutyflow.messages import t
from dutyflow.obligations import State, effective_last_day, standing
from dutyflow.portal.deps import (
    MAX_FIELD_BYTES,
    MAX_FORM_FIELDS,
    UPLOAD_OVERHEAD,
    LinkDep,
    ObligationDep,
    OwnedObligation,
    Portal,
    PortalDep,
    UnitLink,
)
from dutyflow.portal.errors import Refusal, refusal_of
from dutyflow.portal.pages import page
from dutyflow.refusals import RefusalKind
from dutyflow.states import SubmissionChannel, Withdrawal
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.withdrawals import withdrawals

router = APIRouter()

_HINTS = {
    RefusalKind.TOO_LARGE: "portal.hints.refused_file",
    RefusalKind.UNSUPPORTED: "portal.hints.refused_file",
    RefusalKind.RATE_LIMITED: "portal.hints.try_later",
}
"""What to do after an intake refusal, by its kind; otherwise, back to the unit's page."""


# HEAD as well as GET: mail scanners and link checkers probe a unit's link before it is opened.
@router.api_route("/u/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def unit_page(link: LinkDep, portal: PortalDep) -> HTMLResponse:
    with session_scope(portal.engine) as session:
        return page("unit", **_unit_context(portal, session, link.unit(session), link.token))


@router.api_route("/u/{token}/bieu-mau/{obligation_id}.xlsx", methods=["GET", "HEAD"])
def download_form(owned: ObligationDep, portal: PortalDep) -> Response:
    with session_scope(portal.engine) as session:
        unit, obligation = _with_forms(owned, session)
        data = build_workbook(target_of(portal.plan, obligation))
        name = f"{obligation.deliverable.code}-{obligation.period}-{unit.code}.xlsx"
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store"},
    )


@router.post("/u/{token}/nop/{obligation_id}", response_class=HTMLResponse)
async def upload(owned: ObligationDep, portal: PortalDep, request: Request, background: BackgroundTasks) -> HTMLResponse:
    # The link and the obligation were checked first (`owned`): a forged link never gets its body read.
    form = await request.form(max_files=1, max_fields=4, max_part_size=UPLOAD_OVERHEAD)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise owned.link.back(refusal_of("no_file", RefusalKind.INVALID))
    data = await file.read(portal.limits.max_bytes + 1)
    response, submission_id = await run_in_threadpool(_receive_file, portal, owned, data, file.filename)
    acknowledge_later(background, portal, submission_id)
    return response


@router.api_route("/u/{token}/nhap/{obligation_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def web_form(owned: ObligationDep, portal: PortalDep) -> HTMLResponse:
    with session_scope(portal.engine) as session:
        unit, obligation = _with_forms(owned, session)
        forms = _web_forms(portal, obligation)
        return page(
            "web_form", token=owned.link.token, unit=unit, obligation=obligation, forms=forms, values={}, problems=[]
        )


@router.post("/u/{token}/nhap/{obligation_id}", response_class=HTMLResponse)
async def web_form_submit(
    owned: ObligationDep, portal: PortalDep, request: Request, background: BackgroundTasks
) -> HTMLResponse:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES)
    entries: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        if "__" in key and isinstance(value, str):
            form_code, cell = key.split("__", 1)
            entries.setdefault(form_code, {})[cell] = value
    response, submission_id = await run_in_threadpool(_receive_entries, portal, owned, entries)
    acknowledge_later(background, portal, submission_id)
    return response


# --------------------------------------------------------------------------- the work


def _with_forms(owned: OwnedObligation, session: Session) -> tuple[UnitRow, ObligationRow]:
    """The unit and its obligation, refused unless the obligation's report has forms."""
    unit, obligation = owned.rows(session)
    if not obligation.deliverable.definition.get("forms"):
        raise owned.link.back(refusal_of("no_form", RefusalKind.NOT_FOUND, deliverable=obligation.deliverable.name))
    return unit, obligation


def _intake_refusal(exc: IntakeRefused, link: UnitLink) -> Refusal:
    """An intake refusal as a page: nothing was recorded, so the unit may simply try again."""
    hint = t(_HINTS.get(exc.kind, "portal.hints.back_to_unit"))
    return link.back(Refusal(exc.kind, str(exc), hint=hint))


def _receive_file(
    portal: Portal, owned: OwnedObligation, data: bytes, filename: str | None
) -> tuple[HTMLResponse, int]:
    with session_scope(portal.engine) as session:
        unit, obligation = owned.rows(session)
        if not data:
            raise owned.link.back(refusal_of("no_file", RefusalKind.INVALID))
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
            raise _intake_refusal(exc, owned.link) from None
        context = result_context(portal, session, result.submission_id)
        status = 200 if result.ok else 422
        return page("result", status_code=status, token=owned.link.token, **context), result.submission_id


def _receive_entries(
    portal: Portal, owned: OwnedObligation, entries: dict[str, dict[str, str]]
) -> tuple[HTMLResponse, int]:
    with session_scope(portal.engine) as session:
        unit, obligation = owned.rows(session)
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
            raise _intake_refusal(exc, owned.link) from None
        if result.ok:
            context = result_context(portal, session, result.submission_id)
            return page("result", token=owned.link.token, **context), result.submission_id
        # echoed back to be corrected; a NUL byte is not text and never goes back into a page
        values = {f"{f}__{c}": v.replace("\x00", "") for f, cells in entries.items() for c, v in cells.items()}
        response = page(
            "web_form",
            status_code=422,
            token=owned.link.token,
            unit=unit,
            obligation=obligation,
            forms=_web_forms(portal, obligation),
            values=values,
            problems=result.problems,
        )
        return response, result.submission_id


def _history(portal: Portal, session: Session, unit: UnitRow) -> dict[int, list[dict[str, Any]]]:
    """Every submission of the unit, newest version first, by obligation: one query."""
    submissions = session.scalars(
        select(SubmissionRow)
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .where(ObligationRow.unit_id == unit.id)
        .order_by(SubmissionRow.obligation_id, SubmissionRow.version.desc())
    ).all()
    by_obligation: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in submissions:
        by_obligation[s.obligation_id].append(
            {
                "version": s.version,
                "received_at": s.received_at.astimezone(portal.calendar.tz),
                "status": s.status,
                "status_text": t(f"intake.status.{s.status}"),
                "reasons": s.reasons,
                "warnings": s.warnings or [],
                "file_name": s.file_name,
                "channel": t(f"intake.channel.{s.channel}"),
            }
        )
    return by_obligation


def _unit_context(portal: Portal, session: Session, unit: UnitRow, token: str) -> dict[str, Any]:
    today = portal.today()
    obligations = session.scalars(
        select(ObligationRow)
        .where(ObligationRow.unit_id == unit.id)
        .options(selectinload(ObligationRow.deliverable))
        .order_by(ObligationRow.last_day, ObligationRow.id)
    ).all()
    history = _history(portal, session, unit)
    gone = _gone(portal, unit, today)
    withdrawn = withdrawals(session, [obligation_code(o) for o in obligations if o.state is State.WITHDRAWN])
    rows = []
    for obligation in obligations:
        kind, days_left = standing(
            State(obligation.state), obligation.last_day, today, extended_until=obligation.extended_until
        )
        definition = obligation.deliverable.definition
        note = withdrawn.get(obligation_code(obligation))
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
                "takes": gone is None and obligation.state is not State.WITHDRAWN,
                "withdrawn_note": _withdrawn_note(portal, unit, *note) if note else None,
                "history": history.get(obligation.id, []),
            }
        )
    duties = [
        d
        for d in portal.plan.duties
        if unit.code in {u.code for u in portal.plan.expand_units([*d.units, *d.partners])}
    ]
    return {
        "unit": unit,
        "plan": portal.plan,
        "token": token,
        "obligations": rows,
        "duties": duties,
        "today": today,
        "gone": gone,
    }


def _gone(portal: Portal, unit: UnitRow, today: dt.date) -> str | None:
    """Why the unit's link takes nothing any more, and where its duties went; None while it exists."""
    current = next((u for u in portal.plan.units if u.code == unit.code), None)
    if current is None:
        return t("lifetimes.unit_removed", unit=unit.name)
    return where_it_went(portal.plan, current, today) if closed_on(current, today) else None


def _withdrawn_note(portal: Portal, unit: UnitRow, why: Withdrawal, successor: str | None, at: dt.datetime) -> str:
    """Where a withdrawn obligation went: to the successor from the day the unit closed, or
    dropped by the plan on the day it was reloaded."""
    if why is Withdrawal.PASSED and successor is not None:
        name = next((u.name for u in portal.plan.units if u.code == successor), successor)
        day = unit.closes.strftime("%d/%m/%Y") if unit.closes else portal.dmy(at)
        return t("lifetimes.portal_passed", successor=name, day=day)
    if why is Withdrawal.CLOSED:
        return t("lifetimes.portal_closed")
    return t("lifetimes.portal_removed", day=portal.dmy(at))


def _web_forms(portal: Portal, obligation: ObligationRow) -> list[dict[str, Any]]:
    target = target_of(portal.plan, obligation)
    names = {f.code: f for f in portal.plan.forms}
    return [
        {"code": code, "name": names[code].name, "title": names[code].title, "fields": web_fields(target, code)}
        for code in obligation.deliverable.definition.get("forms", [])
    ]


def result_context(portal: Portal, session: Session, submission_id: int) -> dict[str, Any]:
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


def acknowledge_later(background: BackgroundTasks, portal: Portal, submission_id: int) -> None:
    """Send the receipt of a submission after the answer has gone out."""
    if portal.notifier is None:
        return
    notifier = portal.notifier
    now = portal.clock()
    background.add_task(notifier.acknowledge, submission_id, portal.calendar.local_date(now), now)
