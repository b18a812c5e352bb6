"""The copy of a message kept as sent (`store.sent_messages`): its MIME headers, decoded, and bodies.

A unit's personal portal link is a credential (the store keeps only its hash, `tokens`), so the
copy keeps every word of the message but the link's token, which it replaces with a note (see
decisions.md, "A sent message is kept as sent, but for the unit's link").
"""

from __future__ import annotations

import datetime as dt
import re

from dutyflow.mail.message import OutgoingMessage, top_headers
from dutyflow.messages import t
from dutyflow.store.sent_messages import SentCopy

PORTAL_LINK = re.compile(r"(/u/)[A-Za-z0-9_-]{20,}")
"""A unit's link: the portal's "/u/" and a token (43 URL-safe characters, `tokens.derive_token`)."""


def without_links(text: str) -> str:
    """`text` with every unit link's token replaced by a note saying it was left out."""
    return PORTAL_LINK.sub(lambda match: match.group(1) + t("sent_copy.link_left_out"), text)


def copy_of(message: OutgoingMessage, sent_at: dt.datetime) -> SentCopy:
    """`message` as the server took it, but for unit links' tokens: the top-level headers of its
    MIME form (the Date of an unsimulated message is the moment of this copy, within a second of
    its sending), its bodies and its attachments' names."""
    return SentCopy(
        message_id=message.message_id,
        sent_at=sent_at,
        headers=tuple((name, without_links(value)) for name, value in top_headers(message)),
        text=without_links(message.text),
        html=without_links(message.html),
        attachments=tuple((a.filename, a.mime_type, len(a.content)) for a in message.attachments),
    )
