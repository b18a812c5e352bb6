"""The report's versions and steps in the store: reading the state, locking the obligation, adding a
version, writing a step with its audit event, building and finding a version's files.

A step is written with the obligation's row locked (`locked_state`), so two people acting at once
take their steps one after the other and the second is refused if the first changed the state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dutyflow import audit
from dutyflow.approval.model import ApprovalError, ApproverView, DeliveryView, ReportStatus, StepView, Workspace
from dutyflow.calendar import WorkingCalendar
from dutyflow.consolidate import FINAL_LEAD_DAYS, enter_first_draft, final_from
from dutyflow.lifecycle import obligation_code
from dutyflow.messages import t
from dutyflow.obligations import effective_last_day
from dutyflow.plan import Plan, Signer
from dutyflow.report.build import ReportFiles, build_from_input
from dutyflow.report.collect import collect
from dutyflow.report.data import consolidated_deliverable, document_title
from dutyflow.report.narrative import NarrativeParagraph
from dutyflow.report_lifecycle import ReportAction, after
from dutyflow.signing import SignatureBlock
from dutyflow.states import NotificationStatus, ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.models import AccountRow, NotificationRow, ObligationRow, ReportStepRow, ReportVersionRow
from dutyflow.store.queries import current_state, loaded_plan, office_obligation

ENTITY = "report"


def office(session: Session) -> tuple[Plan, ObligationRow]:
    plan_row = loaded_plan(session)
    obligation = office_obligation(session, plan_row.id, plan_row.plan)
    if obligation is None:
        raise ApprovalError(t("approval.no_obligation"))
    return plan_row.plan, obligation


def on_its_way(ws: Workspace) -> None:
    """The final report on the report's way, or a refusal saying when it will be made."""
    if enter_first_draft(ws.engine):
        return
    with session_scope(ws.engine) as session:
        plan, obligation = office(session)
        last_day = effective_last_day(obligation.last_day, obligation.extended_until)
    day = final_from(last_day, WorkingCalendar.from_config(plan.calendar))
    raise ApprovalError(t("approval.no_report", days=FINAL_LEAD_DAYS, day=f"{day:%d/%m/%Y}"))


def report_state(session: Session, obligation_id: int) -> ReportState:
    state = current_state(session, obligation_id)
    if state is None:  # pragma: no cover - `_enter_first_draft` ran first
        raise ApprovalError(t("approval.no_obligation"))
    return state


def locked_state(session: Session, obligation_id: int) -> ReportState:
    """The state, read after locking the obligation's row for this transaction: a no-op update
    takes PostgreSQL's row lock and SQLite's write lock, so concurrent steps queue here."""
    session.execute(
        update(ObligationRow).where(ObligationRow.id == obligation_id).values(chase_round=ObligationRow.chase_round)
    )
    return report_state(session, obligation_id)


def issuable(session: Session) -> tuple[Plan, ObligationRow, ReportState]:
    """The office's plan and obligation and its report's state, when the report may be issued: signed
    (or issued already, to reach the addressees it has not reached), to the plan's addressees; else
    refused as the issue is (`approval.issue` and its review, `approval.issue_preview`)."""
    plan, obligation = office(session)
    state = report_state(session, obligation.id)
    if state is not ReportState.ISSUED:
        after(state, ReportAction.ISSUE)
    if not plan.report.recipients:
        raise ApprovalError(t("approval.no_recipients"))
    return plan, obligation, state


def signable(session: Session) -> tuple[Plan, ReportVersionRow]:
    """The office's plan and its report's latest version, when that version may be signed: approved,
    with its PDF made; else refused as the signature is (`approval.sign` and its review,
    `approval.sign_preview`)."""
    plan, obligation = office(session)
    after(report_state(session, obligation.id), ReportAction.SIGN)
    version = latest_version(session, obligation.id)
    if version.pdf_sha256 is None:
        raise ApprovalError(t("approval.no_pdf", reason=t("report.pdf.no_soffice")))
    return plan, version


def latest_version(session: Session, obligation_id: int) -> ReportVersionRow:
    return session.scalars(
        select(ReportVersionRow)
        .where(ReportVersionRow.obligation_id == obligation_id)
        .order_by(ReportVersionRow.version.desc())
        .limit(1)
    ).one()


def narrative(version: ReportVersionRow) -> list[NarrativeParagraph]:
    return [NarrativeParagraph.from_stored(p) for p in version.narrative or []]


def signer(plan: Plan, name: str, title: str | None) -> Signer:
    """The approver in the signature block, the title in capitals as Decree 30 prints it; the plan's
    "KT." line when they sign with its signer's title."""
    planned = plan.plan.signer
    title = (title or planned.title).upper()
    return Signer(authority=planned.authority if title == planned.title.upper() else None, title=title, name=name)


def block(plan: Plan, version: ReportVersionRow) -> SignatureBlock:
    return SignatureBlock(
        signer_name=version.signer_name or plan.plan.signer.name,
        signer_title=version.signer_title or plan.plan.signer.title,
        organisation=plan.plan.issuer.short_name,
        location=plan.plan.issuer.place,
    )


def report_title(plan: Plan) -> str:
    """The consolidated report's title, as its heading and its messages name it."""
    return document_title(plan, consolidated_deliverable(plan))


def folder(ws: Workspace, plan: Plan, version: int) -> Path:
    return ws.out_root / plan.plan.code / "ban-hanh" / f"v{version}"


def build(
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
        folder(ws, plan, version),
        final=True,
        issued_on=issued_on,
        number=number,
        signer=signer,
        narrative=narrative,
    )


def still_latest(session: Session, obligation_id: int, version: int) -> ReportVersionRow:
    """The latest version, which must still be `version` (the one a step was prepared from): a
    version added meanwhile (an edit) refuses the step, which would otherwise drop it."""
    latest = latest_version(session, obligation_id)
    if latest.version != version:
        raise ApprovalError(t("approval.changed_meanwhile", version=latest.version))
    return latest


def add_version(
    session: Session,
    obligation: ObligationRow,
    files: ReportFiles,
    ws: Workspace,
    *,
    based_on: int,
    as_of: dt.date,
    cutoff: dt.datetime,
    narrative: Sequence[NarrativeParagraph],
    source: str | None,
    actor: str,
    now: dt.datetime,
    number: str | None = None,
    signer: Signer | None = None,
) -> ReportVersionRow:
    previous = still_latest(session, obligation.id, based_on)
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


def step(
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


def document(ws: Workspace, plan: Plan, version: ReportVersionRow) -> Path:
    """The version's document under its own name in its folder, restored from the file store if gone."""
    sha = version.pdf_sha256 or version.docx_sha256
    name = version.file_name or f"bao-cao-v{version.version}.pdf"
    path = folder(ws, plan, version.version) / name
    if sha is None:  # pragma: no cover - every version has a document
        raise ApprovalError(t("approval.no_pdf", reason=name))
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ws.files.get(sha))
    return path


def approved_on(session: Session, obligation_id: int, calendar: WorkingCalendar) -> dt.date:
    at = session.scalar(
        select(ReportStepRow.at)
        .where(ReportStepRow.obligation_id == obligation_id, ReportStepRow.state == ReportState.APPROVED)
        .order_by(ReportStepRow.id.desc())
        .limit(1)
    )
    if at is None:  # pragma: no cover - issued reports were approved
        raise ApprovalError(t("approval.no_obligation"))
    return calendar.local_date(at)


def status(ws: Workspace, session: Session, plan: Plan, obligation: ObligationRow) -> ReportStatus:
    version = latest_version(session, obligation.id)
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
        file=document(ws, plan, version),
        last_day=effective_last_day(obligation.last_day, obligation.extended_until),
        steps=steps,
        deliveries=deliveries(session, obligation.id),
        approver=approver(session, steps),
    )


def approver(session: Session, steps: Sequence[StepView]) -> ApproverView | None:
    """The account of the last approval, with its full name and title as they are now."""
    approvals = [s for s in steps if s.state is ReportState.APPROVED]
    if not approvals:
        return None
    name = approvals[-1].actor
    row = session.scalars(select(AccountRow).where(AccountRow.name == name)).first()
    if row is None:  # approved before named accounts: the step names a person only
        return ApproverView(name, name, "")
    return ApproverView(row.name, row.full_name, row.title)


def deliveries(session: Session, obligation_id: int) -> list[DeliveryView]:
    """Who the issued report was sent to, and how it went: the outbox rows of its messages."""
    rows = session.scalars(
        select(NotificationRow)
        .where(NotificationRow.key.startswith(f"issued:o{obligation_id}:"))
        .order_by(NotificationRow.id)
    )
    return [DeliveryView(r.recipient, NotificationStatus(r.status), r.sent_at, r.error) for r in rows]


__all__ = [
    "ENTITY",
    "add_version",
    "approved_on",
    "approver",
    "block",
    "build",
    "deliveries",
    "document",
    "folder",
    "latest_version",
    "locked_state",
    "narrative",
    "office",
    "on_its_way",
    "report_state",
    "report_title",
    "signer",
    "status",
    "step",
    "still_latest",
]
