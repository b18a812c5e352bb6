"""The message pipeline: families draft messages, the dispatcher claims, sends and marks them.

`pipeline.Notifier` is the front the flows, tasks, portal and CLI call; `records` holds the mail
set-up and the outcome; `contexts` the templates' typed contexts; `draft` the message before it is
claimed; `dispatch` the claim-send-mark loop over the outbox; `assignment`, `reminders`, `receipts`
and `office` one family of messages each.
"""

from dutyflow.messaging.pipeline import Notifier
from dutyflow.messaging.records import (
    Contact,
    DeliveryFailed,
    LinkProvider,
    MailReply,
    MailSetup,
    Outcome,
    ReplyTokenProvider,
    SentRecord,
    UnitRef,
    sender_from,
)
from dutyflow.messaging.reminders import DuePlan

__all__ = [
    "Contact",
    "DeliveryFailed",
    "DuePlan",
    "LinkProvider",
    "MailReply",
    "MailSetup",
    "Notifier",
    "Outcome",
    "ReplyTokenProvider",
    "SentRecord",
    "UnitRef",
    "sender_from",
]
