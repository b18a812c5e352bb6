"""A report the office received by other means (on paper, in another email, through a messaging
app), recorded as the unit's: the one service `dutyflow import` and the console's import page call.

It is recorded on the day it was received (noon of that day in the plan's timezone, or now when that
day is today): the submission, its audit entry and the next chase follow that day, and so does the
receipt, sent once the transaction has committed (`send_receipt`). A day still to come is refused,
and so is one before the plan's year (docs/decisions.md, "Administrative actions act on their day").
The report goes through the portal's own validation (`office.import_report`, `intake.submit_file`).
The console rehearses an import in a transaction it rolls back (`rehearse`), so its confirmation page
shows the obligation it answers and what the validation finds before anything is recorded
(docs/decisions.md, "The console imports a report with the CLI's service").
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dutyflow.admin import AdminError, acting_moment
from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import IntakeResult, Limits, WorkbookParser
from dutyflow.messages import t
from dutyflow.office import ImportRequest, import_report
from dutyflow.states import ObligationState, SubmissionChannel
from dutyflow.store.db import rehearsal, session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, PlanRow, SubmissionRow, UnitRow
from dutyflow.store.queries import current_plan, plan_calendar

if TYPE_CHECKING:
    from dutyflow.messaging import Notifier

__all__ = [
    "IMPORTS_PER_DAY",
    "Imported",
    "Owed",
    "import_limits",
    "import_received",
    "owed_reports",
    "perform",
    "rehearse",
    "send_receipt",
]

IMPORTS_PER_DAY = 10_000
"""The office is not held to a unit's daily number of versions: it types in what came, however much."""


def import_limits(max_bytes: int) -> Limits:
    """What an imported file is held to: the portal's size, not its daily number."""
    return Limits(max_bytes=max_bytes, max_per_day=IMPORTS_PER_DAY)


@dataclass(frozen=True)
class Imported:
    """An imported report as recorded (or, rehearsed, as it would be): the intake's result, the moment
    it counts as received, and how people name what it answers."""

    result: IntakeResult
    received_at: dt.datetime
    unit_name: str
    deliverable_name: str
    period_label: str
    file_name: str


@dataclass(frozen=True)
class Owed:
    """A report a unit owes (or handed in already: a correction may follow), as the import form offers it."""

    deliverable: str
    deliverable_name: str
    period: str
    period_label: str
    last_day: dt.date
    state: ObligationState

    @property
    def key(self) -> str:
        """The form's value for it: deliverable and period codes (neither holds a "/")."""
        return f"{self.deliverable}/{self.period}"


def owed_reports(session: Session, plan_id: int, unit: str) -> list[Owed]:
    """What `unit` can hand in: its obligations the plan still asks for (not withdrawn), by last day."""
    rows = session.execute(
        select(ObligationRow, DeliverableRow.code, DeliverableRow.name)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.plan_id == plan_id, UnitRow.code == unit, ObligationRow.state != ObligationState.WITHDRAWN)
        .order_by(ObligationRow.last_day, DeliverableRow.code, ObligationRow.period)
    ).all()
    return [Owed(code, name, o.period, o.period_label, o.last_day, ObligationState(o.state)) for o, code, name in rows]


def import_received(
    session: Session,
    files: FileStore,
    plan: PlanRow,
    request: ImportRequest,
    *,
    now: dt.datetime,
    actor: str,
    limits: Limits,
    parse: WorkbookParser | None = None,
) -> Imported:
    """Record `request` in the caller's transaction at the moment of its received day (see
    `admin.acting_moment`; `now` is the real moment); the store's refusals (`AdminError`, `IntakeRefused`)
    go to the caller. The receipt is the caller's, after the commit (`send_receipt`)."""
    calendar = plan_calendar(plan)
    moment = acting_moment(calendar, request.received_on, now=now, future_key="dates.received_in_future")
    _refuse_twice(session, plan.id, request, calendar, calendar.local_date(moment))
    result = import_report(session, files, plan, request, now=moment, actor=actor, limits=limits, parse=parse)
    obligation = session.get(ObligationRow, result.obligation_id)
    assert obligation is not None
    return Imported(
        result,
        moment,
        obligation.unit.name,
        obligation.deliverable.name,
        obligation.period_label,
        _file_name(session, result.submission_id) or request.filename,
    )


def rehearse(
    engine: Engine,
    files: FileStore,
    request: ImportRequest,
    *,
    now: dt.datetime,
    actor: str,
    limits: Limits,
    parse: WorkbookParser | None = None,
) -> Imported:
    """What importing `request` would record, checked and validated by the service itself, in a
    transaction rolled back: nothing is kept (but the file, under its hash), nothing is sent."""
    with rehearsal(engine) as session:
        plan = current_plan(session)
        return import_received(session, files, plan, request, now=now, actor=actor, limits=limits, parse=parse)


def perform(
    engine: Engine,
    files: FileStore,
    request: ImportRequest,
    *,
    now: dt.datetime,
    actor: str,
    limits: Limits,
    parse: WorkbookParser | None = None,
) -> Imported:
    """Import `request` in a transaction of its own, committed when it returns."""
    with session_scope(engine) as session:
        plan = current_plan(session)
        return import_received(session, files, plan, request, now=now, actor=actor, limits=limits, parse=parse)


def send_receipt(notifier: Notifier, imported: Imported) -> None:
    """The unit's receipt (or the cells to correct), dated on the day the report was received, not
    on the day it was typed in."""
    when = imported.received_at
    notifier.acknowledge(imported.result.submission_id, notifier.calendar.local_date(when), when)


def _refuse_twice(
    session: Session, plan_id: int, request: ImportRequest, calendar: WorkingCalendar, day: dt.date
) -> None:
    """Refuse the same file imported again for the same report as received on the same day: a
    second click on the confirmation, or a command run twice, records one version and sends one
    receipt (docs/decisions.md, "The console imports a report with the CLI's service")."""
    query = (
        select(SubmissionRow, ObligationRow.period_label, DeliverableRow.name, UnitRow.name)
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(
            ObligationRow.plan_id == plan_id,
            UnitRow.code == request.unit,
            DeliverableRow.code == request.deliverable,
            SubmissionRow.channel == SubmissionChannel.IMPORT,
            SubmissionRow.file_sha256 == hashlib.sha256(request.data).hexdigest(),
            SubmissionRow.received_at >= calendar.start_of_day(day),
            SubmissionRow.received_at < calendar.start_of_day(day + dt.timedelta(days=1)),
        )
        .order_by(SubmissionRow.id)
    )
    if request.period:
        query = query.where(ObligationRow.period == request.period)
    found = session.execute(query.limit(1)).first()
    if found is not None:
        submission, period, deliverable, unit = found
        raise AdminError(
            t(
                "console_import.already_imported",
                unit=unit,
                deliverable=deliverable,
                period=period,
                day=f"{day:%d/%m/%Y}",
                version=submission.version,
                actor=submission.submitted_by or "",
            )
        )


def _file_name(session: Session, submission_id: int) -> str | None:
    return session.scalar(select(SubmissionRow.file_name).where(SubmissionRow.id == submission_id))
