"""The pipeline's plain records: its mail set-up, who a message is for, and what a call did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Literal, NamedTuple

from sqlalchemy.orm import Session

from dutyflow.mail import Address, MailRenderer, MailTransport
from dutyflow.plan import Plan
from dutyflow.store.models import UnitRow


class DeliveryFailed(Exception):
    """Some messages could not be handed to the mail server before sending began: safe to retry."""


LinkProvider = Callable[[Session, UnitRow, dt.datetime], str]
"""Gives a unit's personal portal link (creating its token on first use)."""

ReplyTokenProvider = Callable[[int, int | None], str]
"""Gives the Reply-To token of a message to a unit (about one obligation, or several: None)."""


@dataclass(frozen=True)
class MailReply:
    """An answer to a unit's own message: sent to its sender, in its thread."""

    to: Address
    in_reply_to: str | None
    references: tuple[str, ...]


@dataclass(frozen=True)
class MailSetup:
    transport: MailTransport
    renderer: MailRenderer
    sender: Address
    reply_to: Address
    links: LinkProvider | None = None
    simulated_clock: bool = False
    """The runs' `now` is a simulated instant (the demo): each message is dated at it, so the
    mailbox tells the simulated year. Otherwise its Date is the real moment it is sent."""
    reply_token: ReplyTokenProvider | None = None

    @property
    def message_domain(self) -> str:
        return self.sender.email.rpartition("@")[2] or "localhost"


Role = Literal["focal", "head"]
Kind = Literal["to", "cc"]


@dataclass(frozen=True)
class Contact:
    """A unit (or the office) as the addressee of a message: its people and its portal link."""

    id: int | None
    """The unit's row id; None for the office writing district-wide messages."""
    code: str
    name: str
    focal: Address
    head: Address
    portal_url: str | None = None

    def person(self, role: Role) -> Address:
        return self.focal if role == "focal" else self.head


@dataclass(frozen=True)
class Recipient:
    address: Address
    kind: Kind = "to"


@dataclass
class SentRecord:
    unit: str
    template: str
    step: str
    recipients: tuple[str, ...]
    message_id: str
    subject: str
    deliverables: tuple[str, ...]
    resent: bool = False
    refused: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What one call did, for the flow's artifact and the CLI."""

    sent: list[SentRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def merge(self, other: Outcome) -> Outcome:
        self.sent.extend(other.sent)
        self.failures.extend(other.failures)
        self.unknown.extend(other.unknown)
        return self


class UnitRef(NamedTuple):
    """A unit to run for. A tuple of strings: the garbage collector stops tracking it, which
    matters when a national run lists 11,200 of them."""

    code: str
    name: str


def sender_from(mail_from: str, plan: Plan) -> Address:
    """The From address: the configured one, else the office's focal officer."""
    if mail_from:
        name, email = parseaddr(mail_from)
        return Address(name or plan.unit(plan.plan.office).name, email)
    office = plan.unit(plan.plan.office)
    return Address(office.name, office.focal.email)


def office_contact(plan: Plan) -> Contact:
    """The district office as the sender of the district-wide messages (digest, report)."""
    office = plan.unit(plan.plan.office)
    return Contact(
        id=None,
        code=office.code,
        name=office.name,
        focal=Address(office.focal.name, office.focal.email),
        head=Address(office.head.name, office.head.email),
    )


def unit_contact(unit: UnitRow, portal_url: str | None = None) -> Contact:
    return Contact(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        focal=Address(unit.focal_name, unit.focal_email),
        head=Address(unit.head_name, unit.head_email),
        portal_url=portal_url,
    )


def leaders(plan: Plan) -> list[Address]:
    """The digest's and the report's readers besides the office: the plan's leaders."""
    return [Address(c.name, c.email) for c in plan.chase.digest.recipients]
