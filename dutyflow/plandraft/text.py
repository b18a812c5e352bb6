"""Small text helpers: Vietnamese numbers, ASCII codes, clauses, excerpts."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_PERIOD = re.compile(r"\.\s+(?=\S)")


def parse_number(text: str) -> Decimal:
    """A number as Vietnamese documents write it: 15,10 · 0,7 · 100.000 · 1.234,5."""
    if "," in text:
        return Decimal(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        return Decimal(text.replace(".", ""))
    return Decimal(text)


def fold(text: str) -> str:
    """Lower case ASCII: "Đàm Thuỷ" → "dam thuy"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def slug(text: str, limit: int = 48, sep: str = "-") -> str:
    """An identifier for codes: ASCII words joined by `sep`, cut at a word to `limit` characters."""
    words = re.findall(r"[a-z0-9]+", fold(text))
    out = ""
    for word in words:
        candidate = f"{out}{sep}{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "x"


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph: split after a period followed by a capital letter (a
    Vietnamese capital too: str.isupper, which a regular expression's A-Z range would miss)."""
    out: list[str] = []
    start = 0
    for m in _PERIOD.finditer(text):
        if text[m.end()].isupper():
            out.append(text[start : m.start() + 1])
            start = m.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def clauses(text: str) -> list[str]:
    """The clauses of a paragraph: its sentences split at ";"."""
    parts = (part.strip(" .") for sentence in sentences(text) for part in sentence.split(";"))
    return [p for p in parts if p]


def cap_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def excerpt(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def title_case_name(words: str) -> str:
    """ "trùng Khánh" → "Trùng Khánh" (each word's first letter upper case)."""
    return " ".join(w[:1].upper() + w[1:] for w in words.split())
