"""Reply-To addresses that say who answers what: `local+<token>@domain` of the office's mailbox.

The token is `<unit id>-<obligation id or 0>-<mac>`, the mac the first 100 bits of
HMAC-SHA256(secret, "reply:plan:unit:obligation") in lower-case base32, so a reply names its unit
(and obligation) and cannot be forged; lower case because some servers fold the local part. At
most 40 characters, well inside a local part's 64. See decision 34 in docs/decisions.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"^(\d{1,9})-(\d{1,9})-([a-z2-7]{20})$")


@dataclass(frozen=True)
class ReplyToken:
    unit_id: int
    obligation_id: int | None


def _mac(secret: bytes, plan_code: str, unit_id: int, obligation_id: int) -> str:
    digest = hmac.new(secret, f"reply:{plan_code}:{unit_id}:{obligation_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:20]


def make_token(secret: bytes, plan_code: str, unit_id: int, obligation_id: int | None) -> str:
    obligation = obligation_id or 0
    return f"{unit_id}-{obligation}-{_mac(secret, plan_code, unit_id, obligation)}"


def reply_address(mailbox: str, token: str) -> str:
    """`vanthu@vp.example` with token T: `vanthu+T@vp.example` (an existing +tag is replaced)."""
    local, _, domain = mailbox.partition("@")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def read_token(secret: bytes, plan_code: str, token: str) -> ReplyToken | None:
    match = _TOKEN.match(token.strip().lower())
    if match is None:
        return None
    unit_id, obligation_id = int(match[1]), int(match[2])
    if not hmac.compare_digest(match[3], _mac(secret, plan_code, unit_id, obligation_id)):
        return None
    return ReplyToken(unit_id, obligation_id or None)


def token_in(secret: bytes, plan_code: str, addresses: Iterable[str]) -> ReplyToken | None:
    """The first valid token among the plus-addresses in `addresses` (a forged one counts as none)."""
    for address in addresses:
        local = address.partition("@")[0]
        if "+" in local:
            found = read_token(secret, plan_code, local.split("+", 1)[1])
            if found is not None:
                return found
    return None


__all__ = ["ReplyToken", "make_token", "read_token", "reply_address", "token_in"]
