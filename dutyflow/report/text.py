"""The units' own words in the report: cleaned for a document, split in paragraphs, and a duty's
status read back from what a unit typed."""

from __future__ import annotations

import re
import unicodedata

from dutyflow.messages import t
from dutyflow.report.data import DUTY_STATUSES

# XML 1.0 forbids these; a pasted narrative may carry them (Excel's vertical tab, form feeds).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """User text made safe for a document: NFC, no XML-invalid characters, no stray spaces."""
    return " ".join(_XML_INVALID.sub(" ", unicodedata.normalize("NFC", text)).split())


def paragraphs(text: str | None) -> list[str]:
    """A narrative as paragraphs: one per non-blank line."""
    if not text:
        return []
    lines = (clean_text(line) for line in unicodedata.normalize("NFC", text).splitlines())
    return [line for line in lines if line]


def duty_status_key(text: str | None) -> str | None:
    """ "Đã hoàn thành" → "done", …; unknown text → "other"; nothing → None."""
    if not text or not text.strip():
        return None
    wanted = _fold(text)
    for key in DUTY_STATUSES:
        if _fold(t(f"report.duty_status.{key}")) == wanted:
            return key
    return "other"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
