"""Assemble the consolidated report: a draft ("DỰ THẢO") before the last days, the final one after.

Knows nothing of Prefect. The final report is put on its way to approval (`enter_first_draft`;
the steps after it are `dutyflow.approval`'s) and recorded as the office's own submission for the
consolidated deliverable (so status shows it delivered) and emailed, with its PDF, to the
district's leadership once. Both belong to the consolidated obligation, not to the day of a run:
once its final report is recorded, a later run (the schedule fires every weekday) returns that
report instead of making and recording another, and the email is keyed on the obligation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dutyflow.audit import SYSTEM_ACTOR
from dutyflow.calendar import WorkingCalendar
from dutyflow.completeness import Tally
from dutyflow.indicators import format_target, format_value
from dutyflow.intake import record_final
from dutyflow.messages import t
from dutyflow.obligations import effective_last_day
from dutyflow.plan import Plan
from dutyflow.report.build import ReportFiles, build_report
from dutyflow.report.collect import collect
from dutyflow.report.data import report_context
from dutyflow.states import ReportState, SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import ReportStepRow, ReportVersionRow, SubmissionRow
from dutyflow.store.queries import current_plan, current_state, loaded_plan, office_obligation
from dutyflow.store.reports import MadeReport, record
from dutyflow.wording import plan_wording

FINAL_LEAD_DAYS = 2
"""The final report is made this many working days before the consolidated report's last day."""


@dataclass
class Consolidation:
    files: ReportFiles
    final: bool
    indicators: list[dict[str, str]]
    """One row per indicator (code, name, target, result, attainment), for the Prefect artifact."""
    obligation_id: int | None = None
    """The consolidated obligation a final report belongs to; its email is keyed on it."""


@dataclass(frozen=True)
class MadeFinal:
    """The final report already recorded for the consolidated obligation: its document (name and
    SHA-256) and the plan-local day it was made."""

    obligation_id: int
    made_on: dt.date
    file_name: str
    sha256: str
    made_at: dt.datetime


def final_from(last_day: dt.date, calendar: WorkingCalendar) -> dt.date:
    return calendar.add_working_days(calendar.previous_working_day(last_day), -FINAL_LEAD_DAYS)


def is_final(engine: Engine, as_of: dt.date) -> bool:
    """Whether a run on `as_of` makes the final report (two working days before the last day, or later)."""
    with session_scope(engine) as session:
        plan_row = loaded_plan(session)
        plan = plan_row.plan
        obligation = office_obligation(session, plan_row.id, plan)
        if obligation is None:
            return False
        deadline = effective_last_day(obligation.last_day, obligation.extended_until)
    return as_of >= final_from(deadline, WorkingCalendar.from_config(plan.calendar))


def made_final(engine: Engine) -> MadeFinal | None:
    """The final report recorded for the current plan's consolidated obligation, if any."""
    with session_scope(engine) as session:
        plan_row = loaded_plan(session)
        plan = plan_row.plan
        obligation = office_obligation(session, plan_row.id, plan)
        if obligation is None:
            return None
        first = session.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.obligation_id == obligation.id, SubmissionRow.channel == SubmissionChannel.GENERATED)
            .order_by(SubmissionRow.version)
            .limit(1)
        ).first()
        if first is None:
            return None
        made_on = WorkingCalendar.from_config(plan.calendar).local_date(first.received_at)
        return MadeFinal(obligation.id, made_on, first.file_name or "", first.file_sha256 or "", first.received_at)


def enter_first_draft(engine: Engine) -> bool:
    """Put the final report on its way to approval (`dutyflow.approval`): version 1, a draft by
    dutyflow at the moment it was made. True when it is on its way (now or before); False while no
    final report is made. Idempotent, and safe against a concurrent caller (unique version)."""
    made = made_final(engine)
    if made is None:
        return False
    try:
        with session_scope(engine) as session:
            if current_state(session, made.obligation_id) is not None:
                return True
            row = ReportVersionRow(
                obligation_id=made.obligation_id,
                version=1,
                as_of=made.made_on,
                cutoff=made.made_at,
                pdf_sha256=made.sha256 if made.file_name.endswith(".pdf") else None,
                docx_sha256=made.sha256 if made.file_name.endswith(".docx") else None,
                file_name=made.file_name,
                made_at=made.made_at,
                made_by=SYSTEM_ACTOR,
            )
            session.add(row)
            session.flush()
            session.add(
                ReportStepRow(
                    obligation_id=made.obligation_id,
                    version_id=row.id,
                    state=ReportState.DRAFT,
                    at=made.made_at,
                    actor=SYSTEM_ACTOR,
                )
            )
    except IntegrityError:
        pass  # entered by a concurrent caller
    return True


def _out_dir(out_root: Path, plan: Plan, day: dt.date, final: bool) -> Path:
    return out_root / plan.plan.code / f"{day:%Y-%m-%d}-{'chinh-thuc' if final else 'du-thao'}"


def _made_files(out_root: Path, plan: Plan, made: MadeFinal) -> ReportFiles:
    """The files of the final report made earlier: the folder holding the recorded document."""
    for folder in sorted((out_root / plan.plan.code).glob("*-chinh-thuc"), reverse=True):
        document = folder / made.file_name
        if made.file_name and document.is_file() and hashlib.sha256(document.read_bytes()).hexdigest() == made.sha256:
            found = {path.suffix: path for path in folder.iterdir() if path.suffix in {".docx", ".pdf", ".html", ".xlsx"}}
            if ".docx" in found and ".html" in found:
                note = t(
                    "flows.report_final_already_made",
                    day=f"{made.made_on:%d/%m/%Y}",
                    addressee=plan_wording(plan, made.made_on).report_addressee,
                )
                return ReportFiles(
                    docx=found[".docx"],
                    pdf=found.get(".pdf"),
                    html=found[".html"],
                    charts={},
                    notes=(note,),
                    narratives=found.get(".xlsx"),
                )
    raise FileNotFoundError(
        t("flows.report_final_files_missing", day=f"{made.made_on:%d/%m/%Y}", folder=out_root / plan.plan.code)
    )


def consolidate(
    engine: Engine, files: FileStore, out_root: Path, as_of: dt.date, now: dt.datetime, *, final: bool
) -> Consolidation:
    """A draft of `as_of`, or the final report. The final report is made and recorded once per
    consolidated obligation: when it exists, this returns it (files, figures and day it was made)."""
    made = made_final(engine) if final else None
    day = made.made_on if made is not None else as_of
    with session_scope(engine) as session:
        plan_row = loaded_plan(session)
        plan = plan_row.plan
        cutoff = made.made_at if made is not None else now  # what had been accepted when it was built
        report_input = collect(session, plan.plan.code, day, cutoff=cutoff)
        obligation = office_obligation(session, plan_row.id, plan) if final else None
        obligation_id = obligation.id if obligation is not None else None
    rc = report_context(report_input, final=final)
    if made is not None:
        result = _made_files(out_root, plan, made)
    else:
        result = build_report(
            engine, plan.plan.code, as_of, _out_dir(out_root, plan, as_of, final), final=final, cutoff=now
        )
        with session_scope(engine) as session:  # the final report's submission and its record, together
            if final:
                _record_final(session, files, plan, result, now)
            record(session, files, _made(plan_row.id, result, as_of, final, rc.completeness.total), now=now)
        if final:
            enter_first_draft(engine)
    indicators = [
        {
            t("flows.col_code"): r.code,
            t("flows.col_indicator"): r.name,
            t("flows.col_target"): format_target(r) if r.target is not None else "",
            t("flows.col_result"): format_value(r) if r.value is not None else "",
            t("flows.col_attainment"): t(f"flows.attainment.{r.attainment}"),
        }
        for r in rc.indicators
    ]
    return Consolidation(files=result, final=final, indicators=indicators, obligation_id=obligation_id)


def _made(plan_id: int, result: ReportFiles, as_of: dt.date, final: bool, total: Tally) -> MadeReport:
    """Every report made is kept, with the completeness it counted, for the console's list."""
    return MadeReport(
        plan_id, as_of, final, result.docx, result.pdf, result.html, total.expected, total.received, total.on_time
    )


def _record_final(session: Session, files: FileStore, plan: Plan, result: ReportFiles, now: dt.datetime) -> None:
    """The final report delivers the office's own obligation, through the intake path."""
    obligation = office_obligation(session, current_plan(session).id, plan)
    if obligation is not None:
        record_final(session, files, obligation, result.pdf or result.docx, now=now)
