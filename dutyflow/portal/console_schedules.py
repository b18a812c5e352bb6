"""The console's schedules: each flow's cron in words with its next runs (anyone signed in), and a
change (office staff): a form, a confirmation showing the new schedule in words with its next runs,
then stored (`schedules.change`, as `dutyflow schedule set`) and pushed to the served deployment."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from dutyflow import cron_words, schedules
from dutyflow.admin import DEFAULT_SCHEDULES, AdminError
from dutyflow.messages import t
from dutyflow.portal.deps import Portal, PortalDep, ReaderDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.run_now import Pushed
from dutyflow.store.db import session_scope
from dutyflow.store.models import PlanRow

SCHEDULES = "/van-phong/lich-chay"
MAX_CRON = 120
MAX_REASON = 2000

router = APIRouter()


@router.get(SCHEDULES, response_class=HTMLResponse)
def schedules_page(officer: ReaderDep, portal: PortalDep) -> HTMLResponse:
    return _page(portal, officer)


@router.post(SCHEDULES + "/{flow}", response_class=HTMLResponse)
def schedule_post(
    flow: str,
    officer: StaffDep,
    portal: PortalDep,
    cron: Annotated[str, Form(max_length=MAX_CRON)],
    step: Annotated[Literal["xem-lai", "thuc-hien"], Form()],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> HTMLResponse:
    if flow not in DEFAULT_SCHEDULES:
        return _page(
            portal,
            officer,
            problems=[t("admin.unknown_flow", flow=flow, flows=", ".join(DEFAULT_SCHEDULES))],
            status_code=404,
        )
    now = portal.clock()
    cron = " ".join(cron.split())
    if step == "xem-lai":
        try:
            cron_words.check(cron)
        except cron_words.BadCron:
            return _page(
                portal, officer, problems=[t("admin.bad_cron", cron=cron)], typed={flow: cron}, status_code=422
            )
        with session_scope(portal.engine) as session:
            timezone = schedules.plan_timezone(_plan(session, portal))
        preview: dict[str, object] = {
            "flow": flow,
            "cron": cron,
            "reason": reason,
            "words": cron_words.describe(cron),
            "runs": cron_words.next_runs(cron, timezone, now),
            "timezone": timezone,
        }
        return _page(portal, officer, preview=preview)
    try:
        with session_scope(portal.engine) as session:
            saved = schedules.change(session, _plan(session, portal), flow, cron, reason, now=now, actor=officer.name)
    except AdminError as exc:
        return _page(portal, officer, problems=[str(exc)], typed={flow: cron}, status_code=422)
    pushed, problem = (
        (Pushed.NOT_SERVED, "")
        if portal.launcher is None
        else portal.launcher.push_schedule(flow, saved.cron, saved.timezone)
    )
    done = t("console_schedules.saved", flow=flow, words=saved.words, cron=saved.cron)
    return _page(portal, officer, done=[done, t(f"console_schedules.pushed.{pushed}", problem=problem)])


def _plan(session: Session, portal: Portal) -> PlanRow:
    plan = session.get(PlanRow, portal.plan_id)
    assert plan is not None  # plans are never deleted
    return plan


def _page(
    portal: Portal,
    officer: Officer,
    *,
    problems: list[str] | None = None,
    typed: dict[str, str] | None = None,
    preview: dict[str, object] | None = None,
    done: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with session_scope(portal.engine) as session:
        rows = schedules.overview(session, _plan(session, portal), now=portal.clock())
    return page(
        "console_schedules",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        rows=rows,
        problems=problems or [],
        typed=typed or {},
        preview=preview,
        done=done or [],
        tz=portal.calendar.tz,
        t=t,
    )
