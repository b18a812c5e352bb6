"""The console's actions for office staff: extend, pause, resume, a unit's new link, a corrected
contact (and what was refused re-sent). Each is a form,
checked, then a confirmation page that shows what will change (rehearsed by the service itself),
then done, with the same services as the CLI (`console_requests`). Only the office role reaches these
pages (`require_staff`); every POST carries the session's CSRF code. Plain HTML forms: no JavaScript."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import HTMLResponse

from dutyflow.admin import AdminError
from dutyflow.messages import t
from dutyflow.office import link_url
from dutyflow.portal.console_requests import (
    FIELD_NAMES,
    FIELDS,
    ActionKind,
    ActionRequest,
    Outcome,
    perform,
    read,
    rehearse,
)
from dutyflow.portal.deps import MAX_FORM_FIELDS, SAFE_METHODS, Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer

ACTIONS = "/van-phong/thao-tac"
CONFIRM, DO = "xem-lai", "thuc-hien"

router = APIRouter()



async def typed_fields(request: Request) -> dict[str, str]:
    """What was typed in an action's form, every field any action has: from the posted form, or from
    the query of a form filled again ("Sửa lại"). Lengths are checked with the fields (`read`)."""
    source = request.query_params if request.method in SAFE_METHODS else await request.form(max_fields=MAX_FORM_FIELDS)
    return {name: value for name in FIELD_NAMES if isinstance(value := source.get(name, ""), str)}


TypedDep = Annotated[dict[str, str], Depends(typed_fields)]


@router.get(ACTIONS, response_class=HTMLResponse)
def actions_index(officer: StaffDep) -> HTMLResponse:
    return page("console_actions", officer=officer, csrf=officer.csrf, kinds=list(ActionKind), t=t)


@router.get(ACTIONS + "/{kind}", response_class=HTMLResponse)
def action_form(kind: ActionKind, officer: StaffDep, portal: PortalDep, typed: TypedDep) -> HTMLResponse:
    """The empty form, or one filled again from the confirmation page's "Sửa lại"."""
    return _form(portal, officer, kind, typed, problems=[])


@router.post(ACTIONS + "/{kind}", response_class=HTMLResponse)
def action_post(
    kind: ActionKind,
    officer: StaffDep,
    portal: PortalDep,
    background: BackgroundTasks,
    typed: TypedDep,
    step: Annotated[Literal["xem-lai", "thuc-hien"], Form()],
) -> HTMLResponse:
    request = read(kind, typed)
    if isinstance(request, list):
        return _form(portal, officer, kind, typed, problems=request)
    act = rehearse if step == CONFIRM else perform
    try:
        outcome = act(
            portal.engine,
            portal.plan_id,
            request,
            now=portal.clock(),
            actor=officer.name,
            link_secret=portal.link_secret,
        )
    except AdminError as exc:
        return _form(portal, officer, kind, typed, problems=[str(exc)])
    if step == CONFIRM:
        return _page(portal, officer, kind, request.values, confirm=t(f"console_actions.preview.{kind}", **outcome.values))
    if outcome.new_token is not None:
        _send_link_later(background, portal, request, outcome)
    values = outcome.values | ({"resent": str(_resend_refused(portal, request))} if outcome.resend_refused else {})
    return page("console_done", officer=officer, csrf=officer.csrf, kind=kind, message=t(f"console_actions.done.{kind}", **values), t=t)


def _send_link_later(background: BackgroundTasks, portal: Portal, request: ActionRequest, outcome: Outcome) -> None:
    """The unit's new link by email, once the new token is committed (as `dutyflow token reissue`)."""
    notifier, unit = portal.notifier, request.value("unit")
    if notifier is None or outcome.new_token is None:
        return
    url, now = link_url(portal.portal_url, outcome.new_token), portal.clock()
    key = f"{unit}-{outcome.generation}"
    background.add_task(notifier.send_link, unit, url, portal.today(), now, generation_key=key)


def _resend_refused(portal: Portal, request: ActionRequest) -> int:
    """The refused messages sent again to the unit's corrected address, now: the page says how many."""
    if portal.notifier is None:
        return 0
    return len(portal.notifier.resend_refused(request.value("unit"), portal.today(), portal.clock()).sent)


def _form(portal: Portal, officer: Officer, kind: ActionKind, values: dict[str, str], problems: list[str]) -> HTMLResponse:
    return _page(portal, officer, kind, values, problems=problems, status_code=422 if problems else 200)


def _page(
    portal: Portal,
    officer: Officer,
    kind: ActionKind,
    values: object,
    *,
    problems: list[str] | None = None,
    confirm: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        "console_action",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        kind=kind,
        fields=FIELDS[kind],
        values=values,
        problems=problems or [],
        confirm=confirm,
        units=portal.plan.units,
        deliverables=portal.plan.deliverables,
        confirm_step=CONFIRM,
        do_step=DO,
        t=t,
    )
