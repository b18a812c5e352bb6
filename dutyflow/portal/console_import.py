"""The console's import page (office staff): a report a unit sent by other means recorded as the
unit's, with the service `dutyflow import` calls (`office_import`). A form (the unit, one of the
reports it owes, the day received, the file), then a confirmation rehearsed by the service (the
report it answers and what the validation finds), then the result, the receipt sent after the commit.
The file is kept in the file store under its sha256 between the two steps, so what is recorded is
exactly the file that was checked. Every problem is a Vietnamese sentence on the form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from dutyflow import office_import
from dutyflow.admin import AdminError
from dutyflow.formatting import format_size
from dutyflow.intake import IntakeRefused
from dutyflow.messages import t
from dutyflow.office import ImportRequest
from dutyflow.portal.console_requests import parse_day
from dutyflow.portal.deps import MAX_FORM_FIELDS, Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.states import SubmissionStatus
from dutyflow.store.db import session_scope

IMPORT = "/van-phong/nhap-bao-cao"
CONFIRM, DO = "xem-lai", "thuc-hien"
FIELDS = ("unit", "report", "received", "step", "sha256", "file_name")
MAX_NAME = 255

router = APIRouter()


@dataclass(frozen=True)
class ImportForm:
    """The form's fields, checked: the unit, the report and period it answers, the day received."""

    unit: str
    deliverable: str
    period: str
    received_on: dt.date | None
    values: Mapping[str, str]
    """As typed (trimmed), to fill the form again."""


def read_form(portal: Portal, typed: Mapping[str, str]) -> ImportForm | list[str]:
    """The request a filled form makes, or its problems, each naming its field."""
    values = {name: " ".join(typed.get(name, "").split())[:MAX_NAME] for name in FIELDS}
    problems = [
        t("console_import.field_missing", field=t(f"console_import.fields.{name}"))
        for name in ("unit", "report")
        if not values[name]
    ]
    received = None
    if values["received"]:
        received = parse_day(values["received"])
        if received is None:
            problems.append(t("console_import.bad_date", value=values["received"]))
    if problems:
        return problems
    owed = _owed(portal, values["unit"])
    if owed is None:
        return [t("console_import.unknown_unit", code=values["unit"])]
    if values["report"] not in {o.key for o in owed}:
        return [t("console_import.not_owed", unit=_unit_name(portal, values["unit"]))]
    deliverable, period = values["report"].split("/", 1)
    return ImportForm(values["unit"], deliverable, period, received, values)


@router.get(IMPORT, response_class=HTMLResponse)
def import_form(officer: StaffDep, portal: PortalDep, request: Request) -> HTMLResponse:
    """The form; `?unit=` (from the unit's page) chooses the unit, whose reports are then offered."""
    unit = request.query_params.get("unit", "").strip()[:64]
    problems = [t("console_import.unknown_unit", code=unit)] if unit and _owed(portal, unit) is None else []
    return _form(portal, officer, {"unit": "" if problems else unit}, problems)


@router.post(IMPORT, response_class=HTMLResponse)
async def import_post(
    officer: StaffDep, portal: PortalDep, request: Request, background: BackgroundTasks
) -> HTMLResponse:
    posted = await request.form(max_fields=MAX_FORM_FIELDS)
    typed = {name: value for name in FIELDS if isinstance(value := posted.get(name, ""), str)}
    step = typed.get("step", "")
    if step == DO:
        return await run_in_threadpool(_do, portal, officer, typed, background)
    file = posted.get("file")
    data = await file.read(portal.limits.max_bytes + 1) if isinstance(file, UploadFile) else b""
    name = (file.filename or "") if isinstance(file, UploadFile) else ""
    return await run_in_threadpool(_confirm, portal, officer, typed, data, name)


def _confirm(portal: Portal, officer: Officer, typed: Mapping[str, str], data: bytes, name: str) -> HTMLResponse:
    form = read_form(portal, typed)
    if isinstance(form, list):
        return _form(portal, officer, typed, form)
    if not data:
        return _form(portal, officer, form.values, [t("console_import.no_file")])
    request = ImportRequest(form.unit, form.deliverable, form.period, data, name[:MAX_NAME], form.received_on)
    try:
        rehearsed = office_import.rehearse(portal.engine, portal.files, request, **_context(portal, officer))
    except (AdminError, IntakeRefused) as exc:
        return _form(portal, officer, form.values, [str(exc)])
    sha256 = portal.files.put(data)  # kept under its hash: the second step records exactly this file
    values = dict(form.values) | {"sha256": sha256, "file_name": rehearsed.file_name, "step": DO}
    return _page(portal, officer, values=values, rehearsed=rehearsed, size=format_size(len(data)))


def _do(portal: Portal, officer: Officer, typed: Mapping[str, str], background: BackgroundTasks) -> HTMLResponse:
    form = read_form(portal, typed)
    if isinstance(form, list):
        return _form(portal, officer, typed, form)
    try:
        data = portal.files.get(typed.get("sha256", ""))
    except (ValueError, OSError):
        return _form(portal, officer, form.values, [t("console_import.upload_gone")])
    request = ImportRequest(
        form.unit, form.deliverable, form.period, data, typed.get("file_name", "")[:MAX_NAME], form.received_on
    )
    try:
        imported = office_import.perform(portal.engine, portal.files, request, **_context(portal, officer))
    except (AdminError, IntakeRefused) as exc:
        return _form(portal, officer, form.values, [str(exc)])
    if portal.notifier is not None:
        background.add_task(office_import.send_receipt, portal.notifier, imported)
    status = 200 if imported.result.ok else 422
    return _page(portal, officer, values=form.values, done=imported, status_code=status)


def _context(portal: Portal, officer: Officer) -> dict[str, Any]:
    """What both steps give the service: the portal's clock, the person, its limits and parser."""
    limits = office_import.import_limits(portal.limits.max_bytes)
    return {"now": portal.clock(), "actor": officer.name, "limits": limits, "parse": portal.parse}


def _owed(portal: Portal, unit: str) -> list[office_import.Owed] | None:
    """The reports `unit` can hand in; None when the plan has no such unit."""
    if unit not in portal.plan.units_by_code:
        return None
    with session_scope(portal.engine) as session:
        return office_import.owed_reports(session, portal.plan_id, unit)


def _unit_name(portal: Portal, code: str) -> str:
    unit = portal.plan.units_by_code.get(code)
    return unit.name if unit is not None else code


def _form(portal: Portal, officer: Officer, values: Mapping[str, str], problems: list[str]) -> HTMLResponse:
    return _page(portal, officer, values=values, problems=problems, status_code=422 if problems else 200)


def _page(
    portal: Portal,
    officer: Officer,
    *,
    values: Mapping[str, str],
    problems: list[str] | None = None,
    rehearsed: office_import.Imported | None = None,
    done: office_import.Imported | None = None,
    size: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    unit = values.get("unit", "")
    owed = _owed(portal, unit) if unit else None
    shown = done or rehearsed
    return page(
        "console_import",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        values=values,
        problems=problems or [],
        units=portal.plan.units,
        unit_name=_unit_name(portal, unit) if unit else "",
        owed=owed,
        today=portal.today(),
        first_day=dt.date(portal.plan.plan.year, 1, 1),
        rehearsed=rehearsed,
        done=done,
        received_day=portal.dmy(shown.received_at) if shown else "",
        size=size,
        returned=SubmissionStatus.RETURNED,
        confirm_step=CONFIRM,
        t=t,
    )
