"""The message pipeline's public names under their former module: see `dutyflow.messaging`."""

from dutyflow.messaging import (
    DeliveryFailed,
    DuePlan,
    LinkProvider,
    MailSetup,
    Notifier,
    Outcome,
    SentRecord,
    UnitRef,
    sender_from,
)

__all__ = [
    "DeliveryFailed",
    "DuePlan",
    "LinkProvider",
    "MailSetup",
    "Notifier",
    "Outcome",
    "SentRecord",
    "UnitRef",
    "sender_from",
]
