"""The copy of a message kept as sent (`store.sent_messages`): its MIME headers, decoded, and bodies."""

from __future__ import annotations

import datetime as dt

from dutyflow.mail.message import OutgoingMessage, to_mime
from dutyflow.store.sent_messages import SentCopy


def copy_of(message: OutgoingMessage, sent_at: dt.datetime) -> SentCopy:
    """`message` as the server took it: the top-level headers of its MIME form (the Date of an
    unsimulated message is the moment of this copy, within a second of its sending)."""
    mime = to_mime(message)
    return SentCopy(
        message_id=message.message_id,
        sent_at=sent_at,
        headers=tuple((name, str(value)) for name, value in mime.items()),
        text=message.text,
        html=message.html,
        attachments=tuple((a.filename, a.mime_type, len(a.content)) for a in message.attachments),
    )
