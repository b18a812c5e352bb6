"""Assemble the consolidated report: a draft ("DỰ THẢO") before the last days, the final one after.

Knows nothing of Prefect. The final report is made once per consolidated obligation and enters the
report's way as its first version, a draft by dutyflow (`dutyflow.approval` takes the steps after
it), and is emailed, with its PDF, to the district's leadership once. It is not the office's
delivery: the office's obligation is delivered when the approved, signed report is issued
(`approval.issue`, docs/decisions.md "The office delivers once, when the report is issued"). Both
belong to the consolidated obligation, not to the day of a run: once its final report is made, a
later run (the schedule fires every weekday) returns that report instead of making another, and
the email is keyed on the obligation.
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
from dutyflow.store.queries import current_state, loaded_plan, office_obligation
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
    """The final report made for the current plan's consolidated obligation, if any: the first
    version of the report's way; in a store whose final report the earlier path recorded only as
    the office's submission (before the report's way existed), that submission."""
    with session_scope(engine) as session:
        plan_row = loaded_plan(session)
        plan = plan_row.plan
        obligation = office_obligation(session, plan_row.id, plan)
        if obligation is None:
            return None
        first = session.scalars(
            select(ReportVersionRow).where(
                ReportVersionRow.obligation_id == obligation.id, ReportVersionRow.version == 1
            )
        ).first()
        if first is not None:
            name = first.file_name or ""
            sha = first.pdf_sha256 if name.endswith(".pdf") else first.docx_sha256
            return MadeFinal(obligation.id, first.as_of, name, sha or "", first.made_at)
        recorded = _recorded_submission(session, obligation.id)
        if recorded is None:
            return None
        made_on = WorkingCalendar.from_config(plan.calendar).local_date(recorded.received_at)
        return MadeFinal(
            obligation.id, made_on, recorded.file_name or "", recorded.file_sha256 or "", recorded.received_at
        )


def _recorded_submission(session: Session, obligation_id: int) -> SubmissionRow | None:
    """The office's first generated submission: what the earlier path recorded when it made the
    final report (kept as history; docs/decisions.md "The office delivers once, when the report is
    issued")."""
    return session.scalars(
        select(SubmissionRow)
        .where(SubmissionRow.obligation_id == obligation_id, SubmissionRow.channel == SubmissionChannel.GENERATED)
        .order_by(SubmissionRow.version)
        .limit(1)
    ).first()


def enter_first_draft(engine: Engine) -> bool:
    """The final report on its way to approval (`dutyflow.approval`): True when it is (`consolidate`
    enters it as version 1 when it makes it); False while no final report is made. A final report
    that the earlier path recorded only as the office's submission is entered now, as version 1, a
    draft by dutyflow at the moment it was made. Idempotent, and safe against a concurrent caller
    (unique version)."""
    made = made_final(engine)
    if made is None:
        return False
    try:
        with session_scope(engine) as session:
            if current_state(session, made.obligation_id) is not None:
                return True
            _enter(
                session,
                ReportVersionRow(
                    obligation_id=made.obligation_id,
                    version=1,
                    as_of=made.made_on,
                    cutoff=made.made_at,
                    pdf_sha256=made.sha256 if made.file_name.endswith(".pdf") else None,
                    docx_sha256=made.sha256 if made.file_name.endswith(".docx") else None,
                    file_name=made.file_name,
                    made_at=made.made_at,
                    made_by=SYSTEM_ACTOR,
                ),
            )
    except IntegrityError:
        pass  # entered by a concurrent caller
    return True


def _enter(session: Session, version: ReportVersionRow) -> None:
    """`version` (the final report as made) and its step: a draft by dutyflow."""
    session.add(version)
    session.flush()
    session.add(
        ReportStepRow(
            obligation_id=version.obligation_id,
            version_id=version.id,
            state=ReportState.DRAFT,
            at=version.made_at,
            actor=SYSTEM_ACTOR,
        )
    )


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
    """A draft of `as_of`, or the final report. The final report is made once per consolidated
    obligation and put on the report's way (version 1, a draft): when it exists, this returns it
    (files, figures and day it was made) and records nothing. Making it records no submission:
    the office delivers when the report is issued."""
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
        try:
            with session_scope(engine) as session:  # the report's record and, when final, its way: together
                record(session, files, _made(plan_row.id, result, as_of, final, rc.completeness.total), now=now)
                if final and obligation_id is not None:
                    _enter(session, _first_version(files, obligation_id, result, as_of, now))
        except IntegrityError:  # a concurrent run made the final report first: that one stands
            made = made_final(engine)
            if made is None:  # pragma: no cover - the conflict was on the version it made
                raise
            result = _made_files(out_root, plan, made)
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


def _first_version(
    files: FileStore, obligation_id: int, result: ReportFiles, as_of: dt.date, now: dt.datetime
) -> ReportVersionRow:
    """The final report as made: version 1 of the report's way, its figures cut at `now`."""
    document = result.pdf or result.docx
    return ReportVersionRow(
        obligation_id=obligation_id,
        version=1,
        as_of=as_of,
        cutoff=now,
        docx_sha256=files.put(result.docx.read_bytes()),
        pdf_sha256=files.put(result.pdf.read_bytes()) if result.pdf is not None else None,
        file_name=document.name,
        made_at=now,
        made_by=SYSTEM_ACTOR,
    )


def _made(plan_id: int, result: ReportFiles, as_of: dt.date, final: bool, total: Tally) -> MadeReport:
    """Every report made is kept, with the completeness it counted, for the console's list."""
    return MadeReport(
        plan_id, as_of, final, result.docx, result.pdf, result.html, total.expected, total.received, total.on_time
    )
