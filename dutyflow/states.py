"""Every stored state, each defined once. The values are the strings the store holds.

A `StrEnum` compares equal to its value, so a row read back as a plain string still matches its
member. Transitions between these states live in `dutyflow.lifecycle`.
"""

from __future__ import annotations

from enum import StrEnum


class ObligationState(StrEnum):
    """Where an obligation is in its life; "overdue" is derived, never stored."""

    PENDING = "pending"  # not yet announced to the unit
    ANNOUNCED = "announced"
    SUBMITTED = "submitted"  # awaiting the office's acceptance
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"  # no longer owed: the plan dropped it, or its unit closed and passed it on


class Withdrawal(StrEnum):
    """Why an obligation was withdrawn (the audit's detail, and the unit's notice, say which)."""

    REMOVED = "removed"  # the reloaded plan no longer asks for it
    PASSED = "passed"  # its unit closed: the successor owes it
    CLOSED = "closed"  # its unit closed with no successor: nobody owes it


OPEN_STATES = frozenset({ObligationState.PENDING, ObligationState.ANNOUNCED, ObligationState.RETURNED})
"""States in which the unit still owes something."""

CHASED_STATES = frozenset({ObligationState.ANNOUNCED, ObligationState.RETURNED})
"""States in which the unit is reminded: it has been told, and has not (validly) delivered."""

HANDED_IN_STATES = frozenset({ObligationState.SUBMITTED, ObligationState.ACCEPTED})
"""States in which the unit has handed in a version that stands (accepted or awaiting the office)."""


class SubmissionStatus(StrEnum):
    """The decision on one version of a report."""

    SUBMITTED = "submitted"  # valid, awaiting the office's acceptance
    ACCEPTED = "accepted"
    RETURNED = "returned"  # invalid, or returned by the office; the unit owes it again


class SubmissionChannel(StrEnum):
    """How a version reached the store."""

    PORTAL = "portal"  # a file uploaded through the unit's link
    WEB_FORM = "web_form"  # values typed into the portal's form
    IMPORT = "import"  # a file the office imported for the unit (`dutyflow import`)
    EMAIL = "email"  # a file attached to an email read from the office's mailbox
    GENERATED = "generated"  # the office's own consolidated report, made by dutyflow


class NotificationStatus(StrEnum):
    """A row of the outbox (one message slot for one recipient)."""

    CLAIMED = "claimed"  # intent recorded, delivery not confirmed
    SENT = "sent"
    FAILED = "failed"  # not delivered, will be retried
    REFUSED = "refused"  # the server refused this recipient; shown in status, not retried


DELIVERED_STATUSES = frozenset({NotificationStatus.SENT, NotificationStatus.REFUSED})
"""Outbox statuses that are final: never claimed again."""


class AccountRole(StrEnum):
    """What an office account may do in the console (see `dutyflow.accounts`)."""

    OFFICE = "office"  # office staff: everything
    LEADERSHIP = "leadership"  # read, and approve
    AUDITOR = "auditor"  # read only


class InboundOutcome(StrEnum):
    """What was done with an email read from the office's mailbox."""

    SUBMITTED = "submitted"  # its files were recorded as submissions
    ANSWERED = "answered"  # its files could not be taken; the sender was told why
    REVIEW = "review"  # in the office's review queue (unknown sender, unidentified files)
    IGNORED = "ignored"  # no file, or from nobody we know: left where it was
    AUTOMATIC = "automatic"  # an automatic reply (out of office, delivery report)
    OWN = "own"  # a message dutyflow sent itself
    FLOOD = "flood"  # over the sender's daily limit: to review


class ReportState(StrEnum):
    """Where the consolidated (final) report is on its way to the addressees."""

    DRAFT = "draft"  # made by dutyflow or edited by the office, awaiting the leadership
    RETURNED = "returned"  # sent back by the leadership with comments; the office edits it
    APPROVED = "approved"  # approved and numbered, not yet signed
    SIGNED = "signed"  # signed (PAdES) and verified, not yet sent
    ISSUED = "issued"  # emailed to its addressees and recorded as the office's submission


__all__ = [
    "CHASED_STATES",
    "DELIVERED_STATUSES",
    "HANDED_IN_STATES",
    "OPEN_STATES",
    "AccountRole",
    "InboundOutcome",
    "NotificationStatus",
    "ObligationState",
    "ReportState",
    "SubmissionChannel",
    "SubmissionStatus",
    "Withdrawal",
]
