"""The consolidated report from draft to issue: edit, approve (numbered), return, sign, issue.

Services over the store, the register, the report builder and the signing package; the rules are
`dutyflow.report_lifecycle`. Each version of the document is a `ReportVersionRow` and each step a
`ReportStepRow` with its person, moment and comment, audited through `dutyflow.audit`: nothing is
updated in place, the report's state is its last step. The first draft is the final report
`consolidate` made, which enters it as version 1. Issuing records the office's delivery of its
consolidated obligation; nothing before it does.

Module map:
- `model`: what the services take and give (workspace, signing key, status, refusals);
- `versions`: the versions and steps in the store, the obligation's lock, a version's files;
- `steps`: the services themselves, one per step, and the report's status;
- `preview`: what signing or issuing would do, checked and said before it is confirmed (the console);
- `mailing`: issuing by mail through the notifier, the glue the CLI and the console share.
"""

from dutyflow.approval.mailing import IssueMailer, issue_by_mail
from dutyflow.approval.model import (
    ApprovalError,
    Approver,
    ApproverView,
    DeliveryView,
    Issued,
    IssueDetails,
    ReportStatus,
    Signing,
    StepView,
    Workspace,
    signing_from,
    signing_from_settings,
)
from dutyflow.approval.preview import Addressee, IssuePreview, SignPreview, issue_preview, sign_preview
from dutyflow.approval.steps import approve, edit, issue, report_status, return_report, sign
from dutyflow.approval.versions import deliveries, report_title
from dutyflow.report_lifecycle import ReportStepRefused

__all__ = [
    "Addressee",
    "ApprovalError",
    "Approver",
    "ApproverView",
    "DeliveryView",
    "IssueDetails",
    "IssueMailer",
    "IssuePreview",
    "Issued",
    "ReportStatus",
    "ReportStepRefused",
    "SignPreview",
    "Signing",
    "StepView",
    "Workspace",
    "approve",
    "deliveries",
    "edit",
    "issue",
    "issue_by_mail",
    "issue_preview",
    "report_status",
    "report_title",
    "return_report",
    "sign",
    "sign_preview",
    "signing_from",
    "signing_from_settings",
]
