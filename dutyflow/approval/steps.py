"""The steps of the consolidated report: edit, return, approve, sign, issue; and its status.

- An edit regenerates the report, its figures as they stood at the final report's cut-off, with the
  office's sections II–IV.
- Approval takes the next number of the register (committed first: a number is never reused) and
  regenerates the report with that number and the approver as signer.
- Signing signs the approved PDF (PAdES, visible signature) at the real moment and verifies it.
- Issue emails the signed PDF to the plan's `report.recipients` and records it as the office's
  submission of its consolidated obligation, through the intake path: the one delivery of that
  obligation (making the final report records none; docs/decisions.md "The office delivers once,
  when the report is issued").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

from dutyflow import accounts
from dutyflow.approval import versions
from dutyflow.approval.model import ApprovalError, Approver, Issued, IssueDetails, ReportStatus, Signing, Workspace
from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import record_issued
from dutyflow.lifecycle import obligation_code
from dutyflow.messages import t
from dutyflow.plan import Signer
from dutyflow.report.build import ReportFiles
from dutyflow.report.narrative import NarrativeParagraph
from dutyflow.report_lifecycle import ReportAction, after, requires_comment
from dutyflow.signing import sign_pdf, verify_pdf
from dutyflow.states import ReportState
from dutyflow.store.db import session_scope
from dutyflow.store.models import ReportVersionRow
from dutyflow.store.register_numbers import give_number


def report_status(ws: Workspace) -> ReportStatus:
    """The report's state, current version, history and deliveries (the first draft entered if new)."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        return versions.status(ws, session, plan, obligation)


def edit(
    ws: Workspace,
    narrative: Sequence[NarrativeParagraph],
    *,
    source: str | None,
    actor: str,
    now: dt.datetime,
) -> ReportStatus:
    """A new draft with the office's sections II–IV (`source`: the file they were read from)."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        version = versions.latest_version(session, obligation.id)
        after(versions.report_state(session, obligation.id), ReportAction.EDIT)
        number = version.version + 1
        as_of, cutoff = version.as_of, version.cutoff
    files = versions.build(ws, plan, number, as_of, cutoff, narrative=narrative)
    return _record(ws, ReportAction.EDIT, files, version, narrative=narrative, source=source, actor=actor, now=now)


def return_report(ws: Workspace, by: Approver, *, comment: str, now: dt.datetime) -> ReportStatus:
    """The leadership (`by`, an account that may approve) sends the draft back with `comment`."""
    comment = comment.strip()
    if requires_comment(ReportAction.RETURN) and not comment:
        raise ApprovalError(t("approval.comment_required"))
    account = _approver(ws, by)
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        state = after(versions.locked_state(session, obligation.id), ReportAction.RETURN)
        version = versions.latest_version(session, obligation.id)
        versions.step(
            session, obligation, version, state, ReportAction.RETURN, actor=account.name, now=now, comment=comment
        )
        return versions.status(ws, session, plan, obligation)


def approve(ws: Workspace, by: Approver, *, title: str | None = None, now: dt.datetime) -> ReportStatus:
    """The leadership approves: the register's next number, and the report regenerated with it
    and with `by` in the signature block, under its full name and title (`title` overrides the
    account's; with neither, the plan's signer's). `by` must be an enabled account that may
    approve, checked in the store before a number is taken."""
    account = _approver(ws, by)
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        after(versions.report_state(session, obligation.id), ReportAction.APPROVE)
        version = versions.latest_version(session, obligation.id)
        subject = f"{obligation_code(obligation)}/v{version.version + 1}"
        as_of, cutoff = version.as_of, version.cutoff
        narrative = versions.narrative(version)
        calendar = WorkingCalendar.from_config(plan.calendar)
    entry = give_number(
        ws.engine,
        issuer=plan.plan.issuer.short_name,
        symbol=plan.report.symbol,
        year=calendar.local_date(now).year,
        subject=subject,
        now=now,
        actor=account.name,
    )
    signer = versions.signer(plan, account.full_name, title or account.title or None)
    files = versions.build(
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
    return _record(
        ws,
        ReportAction.APPROVE,
        files,
        version,
        narrative=narrative,
        source=None,
        actor=account.name,
        now=now,
        number=entry.number,
        signer=signer,
    )


def _record(
    ws: Workspace,
    action: ReportAction,
    files: ReportFiles,
    version: ReportVersionRow,
    *,
    narrative: Sequence[NarrativeParagraph],
    source: str | None,
    actor: str,
    now: dt.datetime,
    number: str | None = None,
    signer: Signer | None = None,
) -> ReportStatus:
    """Keep the regenerated `files` as the version after `version` and record `action`, the
    report's state checked again under the lock (an edit or an approval)."""
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        state = after(versions.locked_state(session, obligation.id), action)
        row = versions.add_version(
            session,
            obligation,
            files,
            ws,
            based_on=version.version,
            as_of=version.as_of,
            cutoff=version.cutoff,
            narrative=narrative,
            source=source,
            actor=actor,
            now=now,
            number=number,
            signer=signer,
        )
        versions.step(session, obligation, row, state, action, actor=actor, now=now)
        return versions.status(ws, session, plan, obligation)


def _approver(ws: Workspace, by: Approver) -> accounts.Account:
    """`by`'s account as the store holds it now: enabled and with a role that may approve, else
    refused before anything is done (a disabled account's console session may still be open)."""
    with session_scope(ws.engine) as session:
        return accounts.approver(session, by.name)


def sign(ws: Workspace, signing: Signing, *, actor: str, now: dt.datetime) -> ReportStatus:
    """Sign the approved report's PDF, verify the signature, keep the signed file as a version."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, version = versions.signable(session)
        source = versions.document(ws, plan, version)
        block = versions.block(plan, version)
    signed_at = signing.clock()
    target = versions.folder(ws, plan, version.version + 1) / f"{source.stem}-ky-so.pdf"
    with signing.key.open() as signer:
        sign_pdf(
            source,
            target,
            signer=signer,
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
        plan, obligation = versions.office(session)
        state = after(versions.locked_state(session, obligation.id), ReportAction.SIGN)
        versions.still_latest(session, obligation.id, version.version)
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
        versions.step(session, obligation, row, state, ReportAction.SIGN, actor=actor, now=now)
        return versions.status(ws, session, plan, obligation)


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
    (the outbox's keys), and nothing more is recorded. In a store where the earlier path recorded
    the final report as the office's submission when it was made, that record stays the delivery
    and issuing records no second one (`intake.record_issued`)."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation, _ = versions.issuable(session)
        version = versions.latest_version(session, obligation.id)
        signed = versions.document(ws, plan, version)
        calendar = WorkingCalendar.from_config(plan.calendar)
        approved_on = versions.approved_on(session, obligation.id, calendar)
        details = IssueDetails(
            number=version.number or "",
            title=versions.report_title(plan),
            issued_on=approved_on,
            signer=version.signer_name or plan.plan.signer.name,
            files=[signed.name],
        )
        obligation_id = obligation.id
    sent, failures = send(obligation_id, signed, details)
    with session_scope(ws.engine) as session:
        plan, obligation = versions.office(session)
        state = versions.locked_state(session, obligation.id)
        if state is not ReportState.ISSUED:
            if not sent:
                raise ApprovalError(t("approval.not_delivered", failures="; ".join(failures)))
            following = after(state, ReportAction.ISSUE)
            record_issued(session, ws.files, obligation, signed, now=now)
            version = versions.latest_version(session, obligation.id)
            versions.step(session, obligation, version, following, ReportAction.ISSUE, actor=actor, now=now)
        return Issued(versions.status(ws, session, plan, obligation), sent, failures)


__all__ = ["approve", "edit", "issue", "report_status", "return_report", "sign"]
