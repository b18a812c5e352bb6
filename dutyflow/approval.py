"""The consolidated report from draft to issue: edit, approve (numbered), return, sign, issue.

Services over the store, the register, the report builder and the signing package; the rules are
`dutyflow.report_lifecycle`. Each version of the document is a `ReportVersionRow` and each step a
`ReportStepRow` with its person, moment and comment, audited through `dutyflow.audit`: nothing is
updated in place, the report's state is its last step.

- The first draft is the final report `consolidate` made and recorded; it enters the way (version
  1, a draft by dutyflow) the first time anyone looks at it.
- An edit regenerates the report, its figures as they stood at the final report's cut-off, with the
  office's sections II–IV.
- Approval takes the next number of the register (committed first: a number is never reused) and
  regenerates the report with that number and the approver as signer.
- Signing signs the approved PDF (PAdES, visible signature) at the real moment and verifies it.
- Issue emails the signed PDF to the plan's `report.recipients` and records it as the office's
  submission of its consolidated obligation, through the intake path.

A step is written with the obligation's row locked (`_lock`), so two people acting at once take
their steps one after the other and the second is refused if the first changed the state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from pyhanko.sign.signers import SimpleSigner
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from dutyflow import audit
from dutyflow.calendar import WorkingCalendar
from dutyflow.consolidate import FINAL_LEAD_DAYS, current_state, enter_first_draft, final_from, office_obligation
from dutyflow.intake import record_final
from dutyflow.lifecycle import obligation_code
from dutyflow.messages import t
from dutyflow.obligations import effective_last_day
from dutyflow.plan import Plan, Signer
from dutyflow.report.build import ReportFiles, build_from_input
from dutyflow.report.collect import collect
from dutyflow.report.data import consolidated_deliverable
from dutyflow.report.narrative import NarrativeParagraph
from dutyflow.report_lifecycle import ReportAction, ReportStepRefused, after, allowed, requires_comment
from dutyflow.signing import SignatureBlock, SigningError, TrustStore, load_signer, sign_pdf, verify_pdf
from dutyflow.states import NotificationStatus, ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import NotificationRow, ObligationRow, ReportStepRow, ReportVersionRow
from dutyflow.store.queries import loaded_plan
from dutyflow.store.register_numbers import give_number

ENTITY = "report"


class ApprovalError(Exception):
    """The step cannot be taken; the message is Vietnamese and says why."""


@dataclass(frozen=True)
class Workspace:
    """Where the report's versions are kept: the store, its file store, the reports folder."""

    engine: Engine
    files: FileStore
    out_root: Path


@dataclass(frozen=True)
class Signing:
    """The key and trust store that sign the approved report, and the real clock it signs at
    (docs/decisions.md, "Signing happens at real time")."""

    signer: SimpleSigner
    trust: TrustStore
    font_cache: Path
    clock: Callable[[], dt.datetime]
    timestamp_url: str | None = None


def signing_from(
    key: Path | None,
    password: str,
    trust_store: Path | None,
    font_cache: Path,
    clock: Callable[[], dt.datetime],
    timestamp_url: str = "",
) -> Signing:
    if key is None or trust_store is None:
        raise SigningError(t("approval.no_signing_key"))
    return Signing(
        signer=load_signer(key, password),
        trust=TrustStore.from_folder(trust_store),
        font_cache=font_cache,
        clock=clock,
        timestamp_url=timestamp_url or None,
    )


@dataclass(frozen=True)
class StepView:
    state: ReportState
    version: int
    at: dt.datetime
    actor: str
    comment: str | None


@dataclass(frozen=True)
class DeliveryView:
    recipient: str
    status: NotificationStatus
    sent_at: dt.datetime | None
    error: str | None


@dataclass(frozen=True)
class ReportStatus:
    obligation_id: int
    title: str
    state: ReportState
    version: int
    number: str | None
    signer_name: str | None
    signer_title: str | None
    file: Path | None
    last_day: dt.date
    steps: list[StepView]
    deliveries: list[DeliveryView] = field(default_factory=list)

    @property
    def next_actions(self) -> list[ReportAction]:
        return allowed(self.state)


class IssueDetails(TypedDict):
    """What the issued report's email says of it (the addressee is added per message)."""

    number: str
    title: str
    issued_on: dt.date
    signer: str
    files: list[str]


@dataclass(frozen=True)
class Issued:
    status: ReportStatus
    sent: int
    failures: list[str]


# --------------------------------------------------------------------------- reading


def report_status(ws: Workspace) -> ReportStatus:
    """The report's state, current version, history and deliveries (the first draft entered if new)."""
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        return _status(ws, session, plan, obligation)


def deliveries(session: Session, obligation_id: int) -> list[DeliveryView]:
    """Who the issued report was sent to, and how it went: the outbox rows of its messages."""
    rows = session.scalars(
        select(NotificationRow)
        .where(NotificationRow.key.startswith(f"issued:o{obligation_id}:"))
        .order_by(NotificationRow.id)
    )
    return [DeliveryView(r.recipient, NotificationStatus(r.status), r.sent_at, r.error) for r in rows]


# --------------------------------------------------------------------------- the steps


def edit(
    ws: Workspace,
    narrative: Sequence[NarrativeParagraph],
    *,
    source: str | None,
    actor: str,
    now: dt.datetime,
) -> ReportStatus:
    """A new draft with the office's sections II–IV (`source`: the file they were read from)."""
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        version = _latest_version(session, obligation.id)
        after(_state(session, obligation.id), ReportAction.EDIT)
        number = version.version + 1
        as_of, cutoff = version.as_of, version.cutoff
    files = _build(ws, plan, number, as_of, cutoff, narrative=narrative)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = after(_locked_state(session, obligation.id), ReportAction.EDIT)
        row = _add_version(
            session,
            obligation,
            files,
            ws,
            as_of=as_of,
            cutoff=cutoff,
            narrative=narrative,
            source=source,
            actor=actor,
            now=now,
        )
        _step(session, obligation, row, state, ReportAction.EDIT, actor=actor, now=now)
        return _status(ws, session, plan, obligation)


def return_report(ws: Workspace, *, by: str, comment: str, now: dt.datetime) -> ReportStatus:
    """The leadership sends the draft back with `comment`."""
    if requires_comment(ReportAction.RETURN) and not comment.strip():
        raise ApprovalError(t("approval.comment_required"))
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = after(_locked_state(session, obligation.id), ReportAction.RETURN)
        version = _latest_version(session, obligation.id)
        _step(session, obligation, version, state, ReportAction.RETURN, actor=by, now=now, comment=comment.strip())
        return _status(ws, session, plan, obligation)


def approve(ws: Workspace, *, by: str, title: str | None, now: dt.datetime) -> ReportStatus:
    """The leadership approves: the register's next number, and the report regenerated with it
    and with `by` (as `title`, default the plan's signer's) in the signature block."""
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        after(_state(session, obligation.id), ReportAction.APPROVE)
        version = _latest_version(session, obligation.id)
        subject = f"{obligation_code(obligation)}/v{version.version + 1}"
        as_of, cutoff = version.as_of, version.cutoff
        narrative = _narrative(version)
        calendar = WorkingCalendar.from_config(plan.calendar)
    entry = give_number(
        ws.engine,
        issuer=plan.plan.issuer.short_name,
        symbol=plan.report.symbol,
        year=calendar.local_date(now).year,
        subject=subject,
        now=now,
        actor=by,
    )
    signer = _signer(plan, by, title)
    files = _build(
        ws,
        plan,
        version.version + 1,
        as_of,
        cutoff,
        narrative=narrative,
        number=str(entry.sequence),
        signer=signer,
        issued_on=calendar.local_date(now),
    )
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = after(_locked_state(session, obligation.id), ReportAction.APPROVE)
        row = _add_version(
            session,
            obligation,
            files,
            ws,
            as_of=as_of,
            cutoff=cutoff,
            narrative=narrative,
            source=None,
            actor=by,
            now=now,
            number=entry.number,
            signer=signer,
        )
        _step(session, obligation, row, state, ReportAction.APPROVE, actor=by, now=now)
        return _status(ws, session, plan, obligation)


def sign(ws: Workspace, signing: Signing, *, actor: str, now: dt.datetime) -> ReportStatus:
    """Sign the approved report's PDF, verify the signature, keep the signed file as a version."""
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        after(_state(session, obligation.id), ReportAction.SIGN)
        version = _latest_version(session, obligation.id)
        if version.pdf_sha256 is None:
            raise ApprovalError(t("approval.no_pdf", reason=t("report.pdf.no_soffice")))
        source = _document(ws, plan, version)
        block = _block(plan, version)
    signed_at = signing.clock()
    target = _folder(ws, plan, version.version + 1) / f"{source.stem}-ky-so.pdf"
    sign_pdf(
        source,
        target,
        signer=signing.signer,
        trust=signing.trust,
        block=block,
        signed_at=signed_at,
        font_cache=signing.font_cache,
        timestamp_url=signing.timestamp_url,
    )
    verification = verify_pdf(target, signing.trust, now=signed_at)
    if not verification.ok:
        raise ApprovalError(t("approval.verify_failed", detail=target.name))
    sha = ws.files.put(target.read_bytes())
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = after(_locked_state(session, obligation.id), ReportAction.SIGN)
        row = ReportVersionRow(
            obligation_id=obligation.id,
            version=version.version + 1,
            as_of=version.as_of,
            cutoff=version.cutoff,
            narrative=version.narrative,
            narrative_source=version.narrative_source,
            number=version.number,
            signer_name=version.signer_name,
            signer_title=version.signer_title,
            docx_sha256=version.docx_sha256,
            pdf_sha256=sha,
            file_name=target.name,
            made_at=now,
            made_by=actor,
        )
        session.add(row)
        session.flush()
        _step(session, obligation, row, state, ReportAction.SIGN, actor=actor, now=now)
        return _status(ws, session, plan, obligation)


def issue(
    ws: Workspace,
    send: Callable[[int, Path, IssueDetails], tuple[int, list[str]]],
    *,
    actor: str,
    now: dt.datetime,
) -> Issued:
    """Email the signed report to its addressees (`send(obligation id, signed PDF, details)`
    gives how many were sent and the failures) and record it as the office's submission.

    An issued report may be issued again: only the addressees it has not reached yet are sent it
    (the outbox's keys), and nothing more is recorded."""
    _enter_first_draft(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = _state(session, obligation.id)
        if state is not ReportState.ISSUED:
            after(state, ReportAction.ISSUE)
        if not plan.report.recipients:
            raise ApprovalError(t("approval.no_recipients"))
        version = _latest_version(session, obligation.id)
        signed = _document(ws, plan, version)
        calendar = WorkingCalendar.from_config(plan.calendar)
        approved_on = _approved_on(session, obligation.id, calendar)
        details = IssueDetails(
            number=version.number or "",
            title=report_title(plan),
            issued_on=approved_on,
            signer=f"{(version.signer_title or '').capitalize()} {version.signer_name or ''}".strip(),
            files=[signed.name],
        )
        obligation_id = obligation.id
    sent, failures = send(obligation_id, signed, details)
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        state = _locked_state(session, obligation.id)
        if state is not ReportState.ISSUED:
            if not sent:
                raise ApprovalError(t("approval.not_delivered", failures="; ".join(failures)))
            following = after(state, ReportAction.ISSUE)
            record_final(session, ws.files, obligation, signed, now=now)
            version = _latest_version(session, obligation.id)
            _step(session, obligation, version, following, ReportAction.ISSUE, actor=actor, now=now)
        return Issued(_status(ws, session, plan, obligation), sent, failures)


# --------------------------------------------------------------------------- internals


def _office(session: Session) -> tuple[Plan, ObligationRow]:
    plan_row = loaded_plan(session)
    obligation = office_obligation(session, plan_row.id, plan_row.plan)
    if obligation is None:
        raise ApprovalError(t("approval.no_obligation"))
    return plan_row.plan, obligation


def _enter_first_draft(ws: Workspace) -> None:
    """The final report on the report's way, or a refusal saying when it will be made."""
    if enter_first_draft(ws.engine):
        return
    with session_scope(ws.engine) as session:
        plan, obligation = _office(session)
        last_day = effective_last_day(obligation.last_day, obligation.extended_until)
    day = final_from(last_day, WorkingCalendar.from_config(plan.calendar))
    raise ApprovalError(t("approval.no_report", days=FINAL_LEAD_DAYS, day=f"{day:%d/%m/%Y}"))


def _state(session: Session, obligation_id: int) -> ReportState:
    state = current_state(session, obligation_id)
    if state is None:  # pragma: no cover - `_enter_first_draft` ran first
        raise ApprovalError(t("approval.no_obligation"))
    return state


def _locked_state(session: Session, obligation_id: int) -> ReportState:
    """The state, read after locking the obligation's row for this transaction: a no-op update
    takes PostgreSQL's row lock and SQLite's write lock, so concurrent steps queue here."""
    session.execute(
        update(ObligationRow).where(ObligationRow.id == obligation_id).values(chase_round=ObligationRow.chase_round)
    )
    return _state(session, obligation_id)


def _latest_version(session: Session, obligation_id: int) -> ReportVersionRow:
    return session.scalars(
        select(ReportVersionRow)
        .where(ReportVersionRow.obligation_id == obligation_id)
        .order_by(ReportVersionRow.version.desc())
        .limit(1)
    ).one()


def _narrative(version: ReportVersionRow) -> list[NarrativeParagraph]:
    return [NarrativeParagraph.from_stored(p) for p in version.narrative or []]


def _signer(plan: Plan, name: str, title: str | None) -> Signer:
    """The approver in the signature block; the plan's "KT." line when they sign as its signer does."""
    planned = plan.plan.signer
    title = title or planned.title
    return Signer(authority=planned.authority if title == planned.title else None, title=title, name=name)


def _block(plan: Plan, version: ReportVersionRow) -> SignatureBlock:
    return SignatureBlock(
        signer_name=version.signer_name or plan.plan.signer.name,
        signer_title=version.signer_title or plan.plan.signer.title,
        organisation=plan.plan.issuer.short_name,
        location=plan.plan.issuer.place,
    )


def report_title(plan: Plan) -> str:
    """The consolidated report's title, as its heading and its messages name it."""
    consolidated = consolidated_deliverable(plan)
    period = consolidated.period_label or t("periods.year", year=plan.plan.year)
    return t("report.document_title", period=period)


def _folder(ws: Workspace, plan: Plan, version: int) -> Path:
    return ws.out_root / plan.plan.code / "ban-hanh" / f"v{version}"


def _build(
    ws: Workspace,
    plan: Plan,
    version: int,
    as_of: dt.date,
    cutoff: dt.datetime,
    *,
    narrative: Sequence[NarrativeParagraph],
    number: str = "",
    signer: Signer | None = None,
    issued_on: dt.date | None = None,
) -> ReportFiles:
    with session_scope(ws.engine) as session:
        report_input = collect(session, plan.plan.code, as_of, cutoff=cutoff)
    return build_from_input(
        report_input,
        _folder(ws, plan, version),
        final=True,
        issued_on=issued_on,
        number=number,
        signer=signer,
        narrative=narrative,
    )


def _add_version(
    session: Session,
    obligation: ObligationRow,
    files: ReportFiles,
    ws: Workspace,
    *,
    as_of: dt.date,
    cutoff: dt.datetime,
    narrative: Sequence[NarrativeParagraph],
    source: str | None,
    actor: str,
    now: dt.datetime,
    number: str | None = None,
    signer: Signer | None = None,
) -> ReportVersionRow:
    previous = _latest_version(session, obligation.id)
    document = files.pdf or files.docx
    row = ReportVersionRow(
        obligation_id=obligation.id,
        version=previous.version + 1,
        as_of=as_of,
        cutoff=cutoff,
        narrative=[p.stored() for p in narrative] or None,
        narrative_source=source if narrative else None,
        number=number,
        signer_name=signer.name if signer else None,
        signer_title=signer.title if signer else None,
        docx_sha256=ws.files.put(files.docx.read_bytes()),
        pdf_sha256=ws.files.put(files.pdf.read_bytes()) if files.pdf else None,
        file_name=document.name,
        made_at=now,
        made_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def _step(
    session: Session,
    obligation: ObligationRow,
    version: ReportVersionRow,
    state: ReportState,
    action: ReportAction,
    *,
    actor: str,
    now: dt.datetime,
    comment: str | None = None,
) -> None:
    session.add(
        ReportStepRow(
            obligation_id=obligation.id, version_id=version.id, state=state, at=now, actor=actor, comment=comment
        )
    )
    detail: dict[str, object] = {"version": version.version, "state": state.value}
    if version.number:
        detail["number"] = version.number
    audit.write(
        session,
        audit.AuditEvent(
            action=f"report_{action.value}",
            entity=ENTITY,
            code=obligation_code(obligation),
            detail=detail,
            reason=comment,
        ),
        actor=actor,
        at=now,
    )


def _document(ws: Workspace, plan: Plan, version: ReportVersionRow) -> Path:
    """The version's document under its own name in its folder, restored from the file store if gone."""
    sha = version.pdf_sha256 or version.docx_sha256
    name = version.file_name or f"bao-cao-v{version.version}.pdf"
    path = _folder(ws, plan, version.version) / name
    if sha is None:  # pragma: no cover - every version has a document
        raise ApprovalError(t("approval.no_pdf", reason=name))
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ws.files.get(sha))
    return path


def _approved_on(session: Session, obligation_id: int, calendar: WorkingCalendar) -> dt.date:
    at = session.scalar(
        select(ReportStepRow.at)
        .where(ReportStepRow.obligation_id == obligation_id, ReportStepRow.state == ReportState.APPROVED)
        .order_by(ReportStepRow.id.desc())
        .limit(1)
    )
    if at is None:  # pragma: no cover - issued reports were approved
        raise ApprovalError(t("approval.no_obligation"))
    return calendar.local_date(at)


def _status(ws: Workspace, session: Session, plan: Plan, obligation: ObligationRow) -> ReportStatus:
    version = _latest_version(session, obligation.id)
    versions = {
        row.id: row.version
        for row in session.scalars(select(ReportVersionRow).where(ReportVersionRow.obligation_id == obligation.id))
    }
    steps = [
        StepView(ReportState(row.state), versions[row.version_id], row.at, row.actor, row.comment)
        for row in session.scalars(
            select(ReportStepRow).where(ReportStepRow.obligation_id == obligation.id).order_by(ReportStepRow.id)
        )
    ]
    return ReportStatus(
        obligation_id=obligation.id,
        title=report_title(plan),
        state=steps[-1].state,
        version=version.version,
        number=version.number,
        signer_name=version.signer_name,
        signer_title=version.signer_title,
        file=_folder(ws, plan, version.version) / version.file_name if version.file_name else None,
        last_day=effective_last_day(obligation.last_day, obligation.extended_until),
        steps=steps,
        deliveries=deliveries(session, obligation.id),
    )


__all__ = [
    "ApprovalError",
    "DeliveryView",
    "IssueDetails",
    "Issued",
    "ReportStatus",
    "ReportStepRefused",
    "Signing",
    "StepView",
    "Workspace",
    "approve",
    "deliveries",
    "edit",
    "issue",
    "report_status",
    "report_title",
    "return_report",
    "sign",
    "signing_from",
]
