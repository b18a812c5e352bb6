"""Issuing the report by mail: `approval.issue` with the notifier's `send_issued` as its way to send.

The glue `dutyflow report issue` and the console's "Phát hành" share: the signed PDF goes to the
plan's `report.recipients` through the outbox (each addressee once, decisions.md, "The issued
report goes to the plan's `report.recipients`, through the outbox"), the messages dated on the
plan's calendar day of `now`. The notifier is a seam (`IssueMailer`), so this package does not
import the message pipeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sized
from pathlib import Path
from typing import Protocol

from dutyflow.approval.model import Issued, IssueDetails, Workspace
from dutyflow.approval.steps import issue
from dutyflow.calendar import WorkingCalendar


class MailOutcome(Protocol):
    """What one sending did (the message pipeline's `Outcome`)."""

    @property
    def sent(self) -> Sized: ...

    @property
    def failures(self) -> list[str]: ...


class IssueMailer(Protocol):
    """What sends the issued report (the message pipeline's `Notifier`)."""

    @property
    def calendar(self) -> WorkingCalendar: ...

    def send_issued(
        self, obligation_id: int, signed: Path, details: IssueDetails, today: dt.date, now: dt.datetime
    ) -> MailOutcome: ...


def issue_by_mail(ws: Workspace, mailer: IssueMailer, *, actor: str, now: dt.datetime) -> Issued:
    """Issue the signed report (`approval.issue`), emailing it with `mailer` to the addressees it has
    not reached yet; `actor` is the person the step and the audit name."""
    today = mailer.calendar.local_date(now)

    def send(obligation_id: int, signed: Path, details: IssueDetails) -> tuple[int, list[str]]:
        outcome = mailer.send_issued(obligation_id, signed, details, today, now)
        return len(outcome.sent), list(outcome.failures)

    return issue(ws, send, actor=actor, now=now)


__all__ = ["IssueMailer", "MailOutcome", "issue_by_mail"]
