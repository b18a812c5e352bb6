"""What signing or issuing the report would do, said before it is confirmed (the console's review step).

Each preview checks what its step will check, in the same order, and changes nothing: the report's
state, its document, and for signing the key (opened as the signing will open it) and its
certificate at the signing clock's moment, so an expired, revoked or untrusted certificate, a wrong
password or a missing setting is refused at the review step, not after the person confirmed; for
issuing, the addressees not reached yet. See decisions.md, "A console action is rehearsed by its
own service before it is confirmed".
"""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.approval import versions
from dutyflow.approval.model import Signing, Workspace
from dutyflow.report_lifecycle import ReportAction, after
from dutyflow.signing import check_certificate
from dutyflow.states import DELIVERED_STATUSES, NotificationStatus
from dutyflow.store.db import session_scope


@dataclass(frozen=True)
class SignPreview:
    """The approved version that would be signed, and the signature block it would be placed at."""

    version: int
    number: str
    file_name: str
    signer_title: str
    signer_name: str


@dataclass(frozen=True)
class Addressee:
    name: str
    email: str


@dataclass(frozen=True)
class IssuePreview:
    """The signed version that would be sent, to whom (not reached yet), and who already has it."""

    number: str
    file_name: str
    to_send: list[Addressee]
    reached: list[Addressee]


def sign_preview(ws: Workspace, signing: Signing) -> SignPreview:
    """What `approval.sign` would sign, after checking that it can: the report approved, its PDF
    made, and the key's certificate valid and trusted now (`signing.clock`)."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, version = versions.signable(session)
        block = versions.block(plan, version)
        preview = SignPreview(
            version=version.version,
            number=version.number or "",
            file_name=version.file_name or "",
            signer_title=block.signer_title,
            signer_name=block.signer_name,
        )
    with signing.key.open() as signer:  # a token is logged in to for the check, as for the signature
        check_certificate(signer, signing.trust, moment=signing.clock())
    return preview


def issue_preview(ws: Workspace) -> IssuePreview:
    """What `approval.issue` would send and to whom: the signed report, to the plan's addressees it
    has not reached yet. Refused as the issue would be: a report not signed (or issued to every
    addressee already), or a plan without addressees."""
    versions.on_its_way(ws)
    with session_scope(ws.engine) as session:
        plan, obligation, state = versions.issuable(session)
        deliveries = versions.deliveries(session, obligation.id)
        sent = {d.recipient.lower() for d in deliveries if d.status is NotificationStatus.SENT}
        final = {d.recipient.lower() for d in deliveries if d.status in DELIVERED_STATUSES}
        addressees = [Addressee(r.name, str(r.email)) for r in plan.report.recipients]
        to_send = [a for a in addressees if a.email.lower() not in final]  # a refused address is not retried
        if not to_send:  # every addressee reached (or refused by its server): nothing is left to send
            after(state, ReportAction.ISSUE)
        version = versions.latest_version(session, obligation.id)
        return IssuePreview(
            number=version.number or "",
            file_name=version.file_name or "",
            to_send=to_send,
            reached=[a for a in addressees if a.email.lower() in sent],
        )


__all__ = ["Addressee", "IssuePreview", "SignPreview", "issue_preview", "sign_preview"]
