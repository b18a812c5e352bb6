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
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.forms import FormResult, FormTarget, Problem, check_document, parse_workbook, sniff, validate_entries
from dutyflow.forms.numbers import format_size
from dutyflow.forms.read import refuse_workbook
from dutyflow.messages import t
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import Plan
from dutyflow.refusals import RefusalKind
from dutyflow.store.files import FileStore
from dutyflow.store.models import (
    AuditEventRow,
    DataValueRow,
    ObligationRow,
    SubmissionRow,
)

ACCEPTED, SUBMITTED, RETURNED = "accepted", "submitted", "returned"


class WorkbookParser(Protocol):
    def __call__(self, data: bytes, target: FormTarget, *, max_bytes: int) -> FormResult: ...


class IntakeRefused(Exception):
    """Refused before anything was stored (wrong unit, too big, too many); the message is Vietnamese."""

    kind: RefusalKind = RefusalKind.INVALID


class UnknownObligation(IntakeRefused):
    """No such obligation (or submission)."""

    kind = RefusalKind.NOT_FOUND


class NotYours(IntakeRefused):
    """The obligation belongs to another unit."""

    kind = RefusalKind.FORBIDDEN


class TooBig(IntakeRefused):
    """The file is larger than the limit."""

    kind = RefusalKind.TOO_LARGE


class TooMany(IntakeRefused):
    """The unit has submitted too often today for this obligation."""

    kind = RefusalKind.RATE_LIMITED


class NothingEntered(IntakeRefused):
    """A web form posted with nothing in it, or for a report that has no form to type into."""


class FileRefused(IntakeRefused):
    """The file is not the kind of file this report is handed in as, or is unsafe to open. It is not
    a version of the report, so nothing is recorded (docs/decisions.md, 27)."""

    kind = RefusalKind.UNSUPPORTED


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_per_day: int = 20


@dataclass
class IntakeResult:
    submission_id: int
    obligation_id: int
    unit_code: str
    version: int
    status: str
    reasons: list[str]
    received: list[str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != RETURNED


def check_received_year(received_on: dt.date, plan_year: int) -> None:
    """A report for a plan cannot have been received before the plan's year began."""
    if received_on.year < plan_year:
        raise IntakeRefused(t("dates.received_before_plan", day=f"{received_on:%d/%m/%Y}", year=plan_year))


def obligation_for_unit(session: Session, obligation_id: int, unit_id: int) -> ObligationRow:
    obligation = session.get(ObligationRow, obligation_id)
    if obligation is None:
        raise UnknownObligation(t("intake.unknown_obligation"))
    if obligation.unit_id != unit_id:
        raise NotYours(t("intake.not_yours"))
    return obligation


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
    channel: str,
    actor: str,
    now: dt.datetime,
    limits: Limits = Limits(),
    parse: WorkbookParser = parse_workbook,
) -> IntakeResult:
    """Validate and record an uploaded (or imported) file for `obligation`. `parse` reads a
    workbook; the portal passes one that runs in a worker process."""
    _check_limits(session, obligation, len(data), now, limits)
    deliverable = obligation.deliverable.definition
    filename = _clean_name(filename)
    kind = sniff(data)
    received: list[str] = []
    if deliverable.get("forms"):
        if kind in {"docx", "pdf"}:
            raise FileRefused(t("intake.forms_required", kind=kind))
        refusal = refuse_workbook(data, max_bytes=limits.max_bytes)
        if refusal is not None:
            raise FileRefused(refusal)
        result = parse(data, target_of(plan, obligation), max_bytes=limits.max_bytes)
        received = _received_forms(plan, result)
    elif deliverable.get("attachments"):
        problems = check_document(data, filename or "", max_bytes=limits.max_bytes)
        if problems:
            raise FileRefused("; ".join(str(problem) for problem in problems))
        result = FormResult(values=(), problems=())
        received = [t("intake.received_document", name=filename or kind, size=max(1, len(data) // 1024))]
    else:  # pragma: no cover - plan check refuses such deliverables
        result = FormResult(
            values=(), problems=(Problem(sheet="", cell=None, message=t("intake.document_not_allowed")),)
        )
    sha = files.put(data) if data else None
    return _record(
        session,
        plan,
        obligation,
        result,
        received=received,
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
    limits: Limits = Limits(),
) -> IntakeResult:
    """Validate and record values typed into the portal's web form (form code -> cell -> text).

    Refused without recording anything: a deliverable without forms (it is handed in as a document)
    and a post where not one cell holds anything (not a version of the report)."""
    forms = obligation.deliverable.definition.get("forms", [])
    if not forms:
        raise NothingEntered(t("intake.document_required", deliverable=obligation.deliverable.name))
    if not any(str(value).strip() for code in forms for value in entries.get(code, {}).values()):
        raise NothingEntered(t("intake.nothing_entered"))
    _check_limits(session, obligation, 0, now, limits)
    target = target_of(plan, obligation)
    values: list[Any] = []
    problems: list[Problem] = []
    for form_code in obligation.deliverable.definition.get("forms", []):
        result = validate_entries(target, form_code, entries.get(form_code, {}))
        values.extend(result.values)
        problems.extend(result.problems)
    combined = FormResult(values=tuple(values), problems=tuple(problems))
    return _record(
        session,
        plan,
        obligation,
        combined,
        received=_received_forms(plan, combined),
        channel="web_form",
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
        if submission.status != SUBMITTED:
            raise IntakeRefused(t("intake.already_decided", status=t(f"intake.status.{submission.status}")))
        submission.status = ACCEPTED
        obligation.state = State.ACCEPTED.value
        obligation.next_action_at = None
    else:
        if not reason:
            raise IntakeRefused(t("intake.reason_required"))
        if submission.status == RETURNED:
            raise IntakeRefused(t("intake.already_decided", status=t(f"intake.status.{submission.status}")))
        submission.status = RETURNED
        submission.reasons = [*submission.reasons, t("intake.returned_by_office", reason=reason)]
        if _latest_accepted(session, obligation.id) is None:
            _return_obligation(obligation, now)
    submission.decided_at, submission.decided_by = now, actor
    obligation.state_changed_at = now
    _audit(
        session,
        now,
        actor,
        "accepted" if accept else "returned",
        obligation,
        {"version": submission.version},
        reason or None,
    )
    session.flush()
    return IntakeResult(
        submission_id=submission.id,
        obligation_id=obligation.id,
        unit_code=obligation.unit.code,
        version=submission.version,
        status=submission.status,
        reasons=list(submission.reasons),
        received=[],
    )


# --------------------------------------------------------------------------- internals


def _check_limits(session: Session, obligation: ObligationRow, size: int, now: dt.datetime, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise TooBig(
            t("intake.too_big", size=format_size(size), limit=format_size(limits.max_bytes))
        )
    since = now - dt.timedelta(days=1)
    count = session.scalar(
        select(func.count(SubmissionRow.id)).where(
            SubmissionRow.obligation_id == obligation.id, SubmissionRow.received_at > since
        )
    )
    if (count or 0) >= limits.max_per_day:
        raise TooMany(t("intake.too_many", count=count, limit=limits.max_per_day))


def _clean_name(filename: str | None) -> str | None:
    """The name the sender gave, kept only as a label: no control characters (a NUL cannot even be
    stored), no folders (it never names a path: files are kept under their hash)."""
    if filename is None:
        return None
    name = "".join(ch for ch in filename if ch.isprintable()).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None


def _received_forms(plan: Plan, result: FormResult) -> list[str]:
    names = {f.code: f.name for f in plan.forms}
    counts: dict[str, int] = {}
    for value in result.values:
        counts[value.form] = counts.get(value.form, 0) + 1
    return [t("intake.received_form", form=names.get(code, code), count=count) for code, count in counts.items()]


def _record(
    session: Session,
    plan: Plan,
    obligation: ObligationRow,
    result: FormResult,
    *,
    received: list[str],
    channel: str,
    actor: str,
    now: dt.datetime,
    file_sha256: str | None,
    file_name: str | None,
    content_type: str | None,
    size: int | None,
) -> IntakeResult:
    version = next_version(session, obligation.id)
    needs_review = bool(obligation.deliverable.definition.get("requires_acceptance"))
    status = RETURNED if result.problems else (SUBMITTED if needs_review else ACCEPTED)
    reasons = [str(problem) for problem in result.problems]
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
        decided_at=now if status != SUBMITTED else None,
        decided_by="dutyflow" if status != SUBMITTED else None,
    )
    session.add(submission)
    session.flush()
    if status != RETURNED:
        session.add_all(
            DataValueRow(
                submission_id=submission.id,
                form=value.form,
                row=value.row,
                column=value.column,
                number=Decimal(value.number) if value.number is not None else None,
                text=value.text,
            )
            for value in result.values
        )
        obligation.state = State.ACCEPTED.value if status == ACCEPTED else State.SUBMITTED.value
        obligation.next_action_at = None
        obligation.state_changed_at = now
    elif obligation.state != State.ACCEPTED.value:
        # An invalid version never undoes an accepted one; otherwise the unit owes it again.
        _return_obligation(obligation, now)
    _audit(session, now, actor, f"submission_{status}", obligation, {"version": version, "channel": channel}, None)
    session.flush()
    return IntakeResult(
        submission_id=submission.id,
        obligation_id=obligation.id,
        unit_code=obligation.unit.code,
        version=version,
        status=status,
        reasons=reasons,
        received=received,
        problems=list(result.problems),
    )


def next_version(session: Session, obligation_id: int) -> int:
    """The version number the next submission for an obligation gets (versions are never reused)."""
    latest = session.scalar(select(func.max(SubmissionRow.version)).where(SubmissionRow.obligation_id == obligation_id))
    return (latest or 0) + 1


def _return_obligation(obligation: ObligationRow, now: dt.datetime) -> None:
    if obligation.state != State.RETURNED.value:
        obligation.chase_round += 1  # a new round restarts the ladder
    obligation.state = State.RETURNED.value
    obligation.state_changed_at = now
    obligation.next_action_at = now


def _latest_accepted(session: Session, obligation_id: int) -> SubmissionRow | None:
    return session.scalars(
        select(SubmissionRow)
        .where(SubmissionRow.obligation_id == obligation_id, SubmissionRow.status == ACCEPTED)
        .order_by(SubmissionRow.version.desc())
    ).first()


def _audit(
    session: Session,
    now: dt.datetime,
    actor: str,
    action: str,
    obligation: ObligationRow,
    detail: dict[str, Any],
    reason: str | None,
) -> None:
    code = f"{obligation.unit.code}/{obligation.deliverable.code}/{obligation.period}"
    session.add(
        AuditEventRow(at=now, actor=actor, action=action, entity="submission", code=code, detail=detail, reason=reason)
    )


def timeliness(obligation: ObligationRow, received_at: dt.datetime, calendar: WorkingCalendar) -> tuple[bool, int]:
    """Whether a submission received at `received_at` is on time, and how many days late it is."""
    deadline = effective_last_day(obligation.last_day, obligation.extended_until)
    local_day = calendar.local_date(received_at)
    late_days = (local_day - deadline).days
    return late_days <= 0, max(late_days, 0)


__all__ = [
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
    "submit_entries",
    "submit_file",
    "target_of",
    "timeliness",
]
