"""Flow `intake-mail`: take the reports units sent by email to the office's mailbox."""

from __future__ import annotations

import datetime as dt

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from dutyflow.mailin.ledger import FLOOD, REVIEW
from dutyflow.messages import t
from dutyflow.wiring import default_runtime, imap_mailbox, mail_intake_for
from flows._common import resolve_now, run_name
from tasks.mailin import read_mailbox


@flow(name="intake-mail", flow_run_name=lambda: run_name("mailin.run_name"), log_prints=True)
def intake_mail(as_of: dt.date | None = None) -> dict[str, int]:
    runtime = default_runtime()
    mailbox = imap_mailbox(runtime.settings)
    if mailbox is None:
        print(t("mailin.off"))
        return {"read": 0, "submitted": 0, "answered": 0, "review": 0}
    intake = mail_intake_for(runtime)
    _, now = resolve_now(as_of, intake.notifier.calendar.tz)
    run = read_mailbox(intake, mailbox, now)
    result = {
        "read": run.read,
        "submitted": len(run.submissions),
        "answered": len(run.answers.sent),
        "review": run.outcomes.get(REVIEW, 0) + run.outcomes.get(FLOOD, 0),
    }
    create_markdown_artifact(key="intake-mail-summary", markdown=t("mailin.done", **result), description=t("mailin.title"))
    return result
