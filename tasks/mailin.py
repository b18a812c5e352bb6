"""Prefect task of the email intake: one pass over the office's mailbox.

Retried on any failure (a dropped IMAP connection, a lost database): a pass can be repeated at
any point without losing or duplicating a report or an answer (`dutyflow.mailin.intake_mail`).
"""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

from dutyflow.mailin.intake_mail import MailIntake, MailRun
from dutyflow.mailin.mailbox import ImapMailbox


@task(name="read-mailbox", retries=3, retry_delay_seconds=[10, 60, 180], cache_policy=NO_CACHE)
def read_mailbox(intake: MailIntake, mailbox: ImapMailbox, now: dt.datetime) -> MailRun:
    with mailbox as box:
        return intake.run(box, now)
