"""Receiving a submission: one code path for the portal upload, the web form and the office's import.

Every submission is kept (file under its sha256, a versioned row, its reasons); values are stored
only for a valid one. A valid submission is accepted (or awaits the office when the deliverable says
so) and stops the chase; an invalid one is returned with its reasons and restarts it. The office
can accept or return a submission later. Everything happens in the caller's transaction, so a crash
leaves the store as before or as after, never between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dutyflow import audit, lifecycle
from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import (
    FormResult,
    FormTarget,
    Problem,
    check_across,
    check_document,
    parse_workbook,
    sniff,
    validate_entries,
)
from dutyflow.forms.read import refuse_workbook
from dutyflow.intake_checks import (
    DEFAULT_LIMITS,
    FileRefused,
    IntakeRefused,
    Limits,
    NothingEntered,
    NotYours,
    TooBig,
    TooMany,
    UnknownObligation,
    check_limits,
    check_owed,
    check_received_year,
    clean_name,
    obligation_for_unit,
)
from dutyflow.messages import t
from dutyflow.obligations import effective_last_day
from dutyflow.plan import Plan
from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.files import FileStore
from dutyflow.store.models import DataValueRow, ObligationRow, SubmissionRow


class WorkbookParser(Protocol):
    def __call__(self, data: bytes, target: FormTarget, *, max_bytes: int) -> FormResult: ...


@dataclass
class IntakeResult:
    submission_id: int
    obligation_id: int
    unit_code: str
    version: int
    status: SubmissionStatus
    reasons: list[str]
    contents: list[str]
    """What was read from the version, one line per form (or the document), for the receipt."""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What rules that warn found; the version was not returned for them."""

    @property
    def ok(self) -> bool:
        return self.status is not SubmissionStatus.RETURNED


def target_of(plan: Plan, obligation: ObligationRow) -> FormTarget:
    return FormTarget(
        plan=plan,
        unit_code=obligation.unit.code,
        deliverable_code=obligation.deliverable.code,
        period_code=obligation.period,
        period_label=obligation.period_label,
    )


def submit_file(
    session: Session,
    files: FileStore,
    plan: Plan,
    obligation: ObligationRow,
    data: bytes,
    filename: str | None,
    *,
    channel: SubmissionChannel,
    actor: str,
    now: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
    parse: WorkbookParser = parse_workbook,
) -> IntakeResult:
    """Validate and record an uploaded (or imported) file for `obligation`. `parse` reads a
    workbook; the portal passes one that runs in a worker process."""
    check_owed(plan, obligation, now)
    check_limits(session, obligation, len(data), now, limits)
    deliverable = obligation.deliverable.definition
    filename = clean_name(filename)
    kind = sniff(data)
    contents: list[str] = []
    if deliverable.get("forms"):
        if kind in {"docx", "pdf"}:
            raise FileRefused(t("intake.forms_required", kind=kind))
        refusal = refuse_workbook(data, max_bytes=limits.max_bytes)
        if refusal is not None:
            raise FileRefused(refusal)
        result = parse(data, target_of(plan, obligation), max_bytes=limits.max_bytes)
        contents = _received_forms(plan, result)
    elif deliverable.get("attachments"):
        problems = check_document(data, filename or "", max_bytes=limits.max_bytes)
        if problems:
            raise FileRefused("; ".join(str(problem) for problem in problems))
        result = FormResult(values=(), problems=())
        contents = [t("intake.received_document", name=filename or kind, size=max(1, len(data) // 1024))]
    else:  # pragma: no cover - plan check refuses such deliverables
        result = FormResult(
            values=(), problems=(Problem(sheet="", cell=None, message=t("intake.document_not_allowed")),)
        )
    sha = files.put(data) if data else None
    return _record(
        session,
        obligation,
        result,
        contents=contents,
        channel=channel,
        actor=actor,
        now=now,
        file_sha256=sha,
        file_name=(filename or "")[:255] or None,
        content_type=kind,
        size=len(data),
    )


def submit_entries(
    session: Session,
    plan: Plan,
    obligation: ObligationRow,
    entries: Mapping[str, Mapping[str, Any]],
    *,
    actor: str,
    now: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> IntakeResult:
    """Validate and record values typed into the portal's web form (form code -> cell -> text).

    Refused without recording anything: a deliverable without forms (it is handed in as a document)
    and a post where not one cell holds anything (not a version of the report)."""
    forms = obligation.deliverable.definition.get("forms", [])
    if not forms:
        raise NothingEntered(t("intake.document_required", deliverable=obligation.deliverable.name))
    if not any(str(value).strip() for code in forms for value in entries.get(code, {}).values()):
        raise NothingEntered(t("intake.nothing_entered"))
    check_owed(plan, obligation, now)
    check_limits(session, obligation, 0, now, limits)
    target = target_of(plan, obligation)
    combined = FormResult()
    for form_code in obligation.deliverable.definition.get("forms", []):
        combined += validate_entries(target, form_code, entries.get(form_code, {}))
    combined += check_across(target, combined)
    return _record(
        session,
        obligation,
        combined,
        contents=_received_forms(plan, combined),
        channel=SubmissionChannel.WEB_FORM,
        actor=actor,
        now=now,
        file_sha256=None,
        file_name=None,
        content_type=None,
        size=None,
    )


def decide(
    session: Session,
    submission_id: int,
    *,
    accept: bool,
    reason: str,
    actor: str,
    now: dt.datetime,
) -> IntakeResult:
    """The office accepts a submission that waits for it, or returns one (even an accepted one)."""
    submission = session.get(SubmissionRow, submission_id)
    if submission is None:
        raise UnknownObligation(t("intake.unknown_submission"))
    obligation = session.get(ObligationRow, submission.obligation_id)
    assert obligation is not None
    reason = reason.strip()
    if "\x00" in reason:
        raise IntakeRefused(t("intake.reason_nul"))
    if accept:
        if not lifecycle.can_accept(submission):
            raise IntakeRefused(t("intake.already_decided", status=t(f"intake.status.{submission.status}")))
        event = lifecycle.accept(obligation, submission, reason, actor=actor, now=now)
    else:
        if not reason:
            raise IntakeRefused(t("intake.reason_required"))
        if not lifecycle.can_return(submission):
            raise IntakeRefused(t("intake.already_decided", status=t(f"intake.status.{submission.status}")))
        event = lifecycle.return_submission(
            obligation,
            submission,
            reason,
            t("intake.returned_by_office", reason=reason),
            still_accepted=_latest_accepted(session, obligation.id, other_than=submission.id) is not None,
            actor=actor,
            now=now,
        )
    audit.write(session, event, actor=actor, at=now)
    session.flush()
    return IntakeResult(
        submission_id=submission.id,
        obligation_id=obligation.id,
        unit_code=obligation.unit.code,
        version=submission.version,
        status=SubmissionStatus(submission.status),
        reasons=list(submission.reasons),
        contents=[],
    )


def record_issued(
    session: Session, files: FileStore, obligation: ObligationRow, document: Path, *, now: dt.datetime
) -> IntakeResult | None:
    """Record the office's issued consolidated report as a version of its own obligation, through
    the same path as a unit's report: accepted on receipt, dutyflow its actor. The office delivers
    once: None, recording nothing, when its obligation already holds a delivery (a rerun, or a
    store where the earlier path recorded the final report when it was made; docs/decisions.md
    "The office delivers once, when the report is issued")."""
    delivered = session.scalar(
        select(func.count(SubmissionRow.id)).where(
            SubmissionRow.obligation_id == obligation.id, SubmissionRow.channel == SubmissionChannel.GENERATED
        )
    )
    if delivered:
        return None
    data = document.read_bytes()
    sha = files.put(data)
    return _record(
        session,
        obligation,
        FormResult(values=(), problems=()),
        contents=[],
        channel=SubmissionChannel.GENERATED,
        actor=audit.SYSTEM_ACTOR,
        now=now,
        file_sha256=sha,
        file_name=document.name,
        content_type=document.suffix.lstrip("."),
        size=len(data),
    )


# --------------------------------------------------------------------------- internals


def _received_forms(plan: Plan, result: FormResult) -> list[str]:
    names = {f.code: f.name for f in plan.forms}
    counts: dict[str, int] = {}
    for value in result.values:
        counts[value.form] = counts.get(value.form, 0) + 1
    return [t("intake.received_form", form=names.get(code, code), count=count) for code, count in counts.items()]


def _record(
    session: Session,
    obligation: ObligationRow,
    result: FormResult,
    *,
    contents: list[str],
    channel: SubmissionChannel,
    actor: str,
    now: dt.datetime,
    file_sha256: str | None,
    file_name: str | None,
    content_type: str | None,
    size: int | None,
) -> IntakeResult:
    version = next_version(session, obligation.id)
    status = lifecycle.status_on_receipt(
        valid=not result.problems,
        # The office does not wait for its own acceptance of the report it made.
        needs_review=channel is not SubmissionChannel.GENERATED
        and bool(obligation.deliverable.definition.get("requires_acceptance")),
    )
    reasons = [str(problem) for problem in result.problems]
    decided_on_receipt = status is not SubmissionStatus.SUBMITTED
    submission = SubmissionRow(
        obligation_id=obligation.id,
        version=version,
        channel=channel,
        received_at=now,
        submitted_by=actor,
        file_sha256=file_sha256,
        file_name=file_name,
        content_type=content_type,
        size=size,
        status=status,
        reasons=reasons,
        warnings=[str(problem) for problem in result.warnings],
        decided_at=now if decided_on_receipt else None,
        decided_by=audit.SYSTEM_ACTOR if decided_on_receipt else None,
    )
    session.add(submission)
    session.flush()
    if status is not SubmissionStatus.RETURNED:  # values are kept only for a valid version
        _store_values(session, submission.id, result)
    audit.write(session, lifecycle.submit(obligation, submission, now=now), actor=actor, at=now)
    session.flush()
    return IntakeResult(
        submission_id=submission.id,
        obligation_id=obligation.id,
        unit_code=obligation.unit.code,
        version=version,
        status=status,
        reasons=reasons,
        contents=contents,
        problems=list(result.problems),
        warnings=[str(problem) for problem in result.warnings],
    )


def _store_values(session: Session, submission_id: int, result: FormResult) -> None:
    session.add_all(
        DataValueRow(
            submission_id=submission_id,
            form=value.form,
            row=value.row,
            column=value.column,
            number=Decimal(value.number) if value.number is not None else None,
            text=value.text,
        )
        for value in result.values
    )


def next_version(session: Session, obligation_id: int) -> int:
    """The version number the next submission for an obligation gets (versions are never reused)."""
    latest = session.scalar(select(func.max(SubmissionRow.version)).where(SubmissionRow.obligation_id == obligation_id))
    return (latest or 0) + 1


def _latest_accepted(session: Session, obligation_id: int, *, other_than: int) -> SubmissionRow | None:
    """The latest accepted version of the obligation other than submission `other_than`."""
    return session.scalars(
        select(SubmissionRow)
        .where(
            SubmissionRow.obligation_id == obligation_id,
            SubmissionRow.status == SubmissionStatus.ACCEPTED,
            SubmissionRow.id != other_than,
        )
        .order_by(SubmissionRow.version.desc())
    ).first()


def timeliness(obligation: ObligationRow, received_at: dt.datetime, calendar: WorkingCalendar) -> tuple[bool, int]:
    """Whether a submission received at `received_at` is on time, and how many days late it is."""
    deadline = effective_last_day(obligation.last_day, obligation.extended_until)
    local_day = calendar.local_date(received_at)
    late_days = (local_day - deadline).days
    return late_days <= 0, max(late_days, 0)


__all__ = [  # with the refusals, imported from here by the portal and the CLI
    "FileRefused",
    "IntakeRefused",
    "IntakeResult",
    "Limits",
    "NotYours",
    "NothingEntered",
    "TooBig",
    "TooMany",
    "UnknownObligation",
    "WorkbookParser",
    "check_received_year",
    "decide",
    "next_version",
    "obligation_for_unit",
    "record_issued",
    "submit_entries",
    "submit_file",
    "target_of",
    "timeliness",
]
