"""What kind of "no" a refusal of the core is. The core names the kind; each adapter maps it to its own
answer (the portal to an HTTP status, `portal/errors.py`), never by reading the message's words."""

from __future__ import annotations

from enum import StrEnum


class RefusalKind(StrEnum):
    INVALID = "invalid"
    """What was sent is not acceptable as it is (a missing reason, an empty form, a decision taken twice)."""
    FORBIDDEN = "forbidden"
    """It exists, but not for the one asking (another unit's obligation, a form without its session code)."""
    NOT_FOUND = "not_found"
    GONE = "gone"
    """It was there and is no more (a revoked or expired link)."""
    NOT_ALLOWED = "not_allowed"
    """Not a way to ask for this (an HTTP method a page does not take)."""
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported"
    """Not the kind of file this report is handed in as."""
    UNPROCESSABLE = "unprocessable"
    """Understood, but what it holds does not pass the checks (a field's value)."""
    RATE_LIMITED = "rate_limited"
    FAILED = "failed"
    """Our fault, not the person's."""
