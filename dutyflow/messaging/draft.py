"""A message before it is claimed: what to render, for whom, and which outbox slots it covers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dutyflow.mail import Address, Attachment
from dutyflow.messaging.contexts import MessageContext
from dutyflow.messaging.records import Contact, MailReply, Recipient
from dutyflow.store.outbox import Slot, notification_key


@dataclass(frozen=True)
class MessageDraft:
    """One message to claim, render and send. `slots` are the outbox rows it covers (one per
    obligation and recipient, or one per recipient for messages about no obligation)."""

    template: str
    context: MessageContext
    step: str
    unit: str
    """The code of the unit it is about (the office's for district-wide messages)."""
    recipients: tuple[Recipient, ...]
    slots: tuple[Slot, ...]
    attachments: tuple[Attachment, ...] = ()
    deliverables: tuple[str, ...] = ()
    obligation_ids: tuple[int, ...] = ()
    reply: MailReply | None = None
    """Set when the message answers a unit's own email: it goes in that email's thread."""

    def addressees(self, claimed: Iterable[str]) -> tuple[tuple[Address, ...], tuple[Address, ...]]:
        """(To, Cc) among the claimed recipients; the copies move to To when no To is left."""
        wanted = {email.lower() for email in claimed}
        chosen = [r for r in self.recipients if r.address.email.lower() in wanted]
        to = tuple(r.address for r in chosen if r.kind == "to")
        cc = tuple(r.address for r in chosen if r.kind == "cc")
        return (to, cc) if to else (cc, ())


def routed(recipients: Iterable[Recipient]) -> tuple[Recipient, ...]:
    """One recipient per address (case-insensitive): the place of its first mention, the kind of
    its last (a head who is also the focal officer and is copied gets a copy)."""
    by_email: dict[str, Recipient] = {}
    for recipient in recipients:
        by_email[recipient.address.email.lower()] = recipient
    return tuple(by_email.values())


def obligation_slots(
    contact: Contact,
    obligation_ids: Sequence[int],
    step: str,
    recipients: Sequence[Recipient],
    rounds: Mapping[int, int] | None = None,
) -> tuple[Slot, ...]:
    """One slot per obligation and recipient, keyed by obligation, chase round, step and address."""
    rounds = rounds or {}
    return tuple(
        Slot(
            key=notification_key(oid, rounds.get(oid, 0), step, r.address.email),
            recipient=r.address.email.lower(),
            obligation_id=oid,
            unit_id=contact.id,
            round=rounds.get(oid, 0),
        )
        for oid in obligation_ids
        for r in recipients
    )


def keyed_slots(
    prefix: str, recipients: Sequence[Recipient], *, unit_id: int | None, obligation_id: int | None = None
) -> tuple[Slot, ...]:
    """One slot per recipient, keyed `<prefix>:<address>`: messages sent once per event."""
    return tuple(
        Slot(
            key=f"{prefix}:{r.address.email.lower()}",
            recipient=r.address.email,
            obligation_id=obligation_id,
            unit_id=unit_id,
        )
        for r in recipients
    )
