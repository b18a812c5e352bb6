"""Flow `intake-mail`: take the reports units sent by email to the office's mailbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from prefect import flow
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from dutyflow.flow_results import MailIntakeRun
from dutyflow.mailin.ledger import FLOOD, REVIEW, review_queue
from dutyflow.messages import t
from dutyflow.run_artifacts import capped
from dutyflow.store.db import session_scope
from flows._common import resolve_now, resources, run_name
from tasks.mailin import read_mailbox


@flow(name="intake-mail", flow_run_name=lambda: run_name("mailin.run_name"), log_prints=True)
def intake_mail(as_of: dt.date | None = None) -> MailIntakeRun:
    runtime = resources()
    mailbox = runtime.imap_mailbox()
    if mailbox is None:
        print(t("mailin.off"))
        return MailIntakeRun()
    intake = runtime.mail_intake()
    _, now = resolve_now(as_of, intake.notifier.calendar.tz)
    run = read_mailbox(intake, mailbox, now)
    result = MailIntakeRun(
        read=run.read,
        submitted=len(run.submissions),
        answered=len(run.answers.sent),
        review=run.outcomes.get(REVIEW, 0) + run.outcomes.get(FLOOD, 0),
    )
    create_markdown_artifact(key="intake-mail-summary", markdown=t("mailin.done", **asdict(result)), description=t("mailin.title"))
    with session_scope(runtime.engine) as session:
        queue = [
            {
                t("mailin.col_received"): row.processed_at.astimezone(intake.notifier.calendar.tz).strftime("%d/%m/%Y %H:%M"),
                t("mailin.col_sender"): row.sender,
                t("mailin.col_subject"): row.subject,
                t("mailin.col_reason"): row.reason or "",
            }
            for row in review_queue(session)
        ]
    create_table_artifact(key="intake-mail-review", table=capped(queue), description=t("mailin.review_title"))
    return result
