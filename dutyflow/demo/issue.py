"""The demo's last act: the vice-chair's leadership account approves the final report, it is numbered, signed with the
demo's own test certificate, verified, and emailed to its addressee.

The certificate authority is made in the demo folder (`chung-thu-thu-nghiem/`), every name in it
marked "THỬ NGHIỆM", with a note saying it is not for real documents. The signature is made at the
real moment (a signature is an act, docs/decisions.md "Signing happens at real time"); approval,
number and delivery happen at the simulated day's moment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from dutyflow import accounts, approval
from dutyflow.demo.actions import approver_name
from dutyflow.messages import t
from dutyflow.plan import Plan
from dutyflow.resources import Resources, utcnow
from dutyflow.signing import LoadedKey, TrustStore, describe, load_signer, verify_pdf
from dutyflow.signing.testca import TestAuthority
from dutyflow.store.db import session_scope

CERTIFICATES = "chung-thu-thu-nghiem"
KEY_PASSWORD = "thu-nghiem"  # a test key in a demo folder; never a real secret
OFFICE_ACTOR = "demo:van-phong"


@dataclass(frozen=True)
class DemoIssue:
    signed: Path
    trust: Path
    number: str
    verification: list[str]
    sent: int


def demo_certificates(folder: Path, plan: Plan, now: dt.datetime) -> tuple[Path, Path]:
    """The demo's test authority and the vice-chair's test key: (PKCS#12 file, trust store folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "DOC-TRUOC.txt").write_text(t("approval.demo_cert_readme") + "\n", encoding="utf-8")
    authority = TestAuthority.create(now=now)
    signer = authority.issue_signer(
        plan.plan.signer.name,
        plan.plan.issuer.short_name,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=365),
    )
    key = authority.write_pkcs12(signer, folder / "ky-so-thu-nghiem.p12", KEY_PASSWORD)
    return key, authority.write_trust_store(folder / "tin-cay")


def approve_sign_issue(runtime: Resources, plan: Plan, out_dir: Path, now: dt.datetime) -> DemoIssue:
    """The final report from draft to issue, as the vice-chair and the office would take it."""
    key, trust = demo_certificates(out_dir / CERTIFICATES, plan, utcnow())
    ws = approval.Workspace(runtime.engine, runtime.files, out_dir / "reports")
    signing = approval.Signing(
        key=LoadedKey(load_signer(key, KEY_PASSWORD)),
        trust=TrustStore.from_folder(trust),
        font_cache=out_dir / "fonts",
        clock=utcnow,
    )
    with session_scope(runtime.engine) as session:
        approver = accounts.approver(session, approver_name(plan))
    approval.approve(ws, approver, now=now)
    status = approval.sign(ws, signing, actor=OFFICE_ACTOR, now=now)
    notifier = runtime.notifier()
    today = notifier.calendar.local_date(now)

    def send(obligation_id: int, signed: Path, details: approval.IssueDetails) -> tuple[int, list[str]]:
        outcome = notifier.send_issued(obligation_id, signed, details, today, now)
        return len(outcome.sent), outcome.failures

    sent = approval.issue(ws, send, actor=OFFICE_ACTOR, now=now).sent if plan.report.recipients else 0
    verification = verify_pdf(status.file, signing.trust, now=utcnow())
    lines = describe(verification, tz=notifier.calendar.tz)
    return DemoIssue(status.file, trust, status.number or "", lines, sent)


__all__ = ["CERTIFICATES", "DemoIssue", "approve_sign_issue", "demo_certificates"]
