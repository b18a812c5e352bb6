"""The email layer: messages, rendering from templates, calendar attachments, delivery."""

from dutyflow.mail.ics import IcsEvent, build_ics
from dutyflow.mail.message import Address, Attachment, OutgoingMessage, new_message_id
from dutyflow.mail.render import MailRenderer
from dutyflow.mail.sink import MailSink, ReceivedMail
from dutyflow.mail.transport import (
    DeliveryError,
    DeliveryResult,
    MailSession,
    MailTransport,
    MemoryTransport,
    SmtpTransport,
)
from dutyflow.templating import environment

__all__ = [
    "Address",
    "Attachment",
    "DeliveryError",
    "DeliveryResult",
    "IcsEvent",
    "MailRenderer",
    "MailSession",
    "MailSink",
    "MailTransport",
    "MemoryTransport",
    "OutgoingMessage",
    "ReceivedMail",
    "SmtpTransport",
    "build_ics",
    "environment",
    "new_message_id",
]
