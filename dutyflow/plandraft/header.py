"""The document's head and foot: issuer, number, date, place, title, legal basis, signer, recipients."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dutyflow.messages import t
from dutyflow.plandraft.document import Document, Paragraph
from dutyflow.plandraft.found import Found, Origin
from dutyflow.plandraft.rules import Header, rx
from dutyflow.plandraft.text import title_case_name


@dataclass
class HeaderDraft:
    title: Found[str] | None = None
    year: Found[int] | None = None
    number: Found[str] | None = None
    issued_on: Found[dt.date] | None = None
    place: Found[str] | None = None
    issuer_parent: Found[str] | None = None
    issuer_level: Found[str] | None = None
    """"huyện", "tỉnh", "xã"…"""
    issuer_area: Found[str] | None = None
    """The area's name: "Trùng Khánh"."""
    province: Found[str] | None = None
    basis: list[Found[str]] = field(default_factory=list)
    signer_authority: Found[str] | None = None
    signer_title: Found[str] | None = None
    signer_name: Found[str] | None = None
    recipients: list[Found[str]] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    """Lines of the paragraphs this module placed."""

    @property
    def issuer_name(self) -> str | None:
        if self.issuer_level is None or self.issuer_area is None:
            return None
        return f"{self.issuer_level.value} {self.issuer_area.value}".upper()

    @property
    def short_name(self) -> str | None:
        if self.issuer_level is None or self.issuer_area is None:
            return None
        return f"UBND {self.issuer_level.value} {self.issuer_area.value}"


def read_header(document: Document, rules: Header) -> HeaderDraft:
    draft = HeaderDraft()
    head = [p for p in document.paragraphs if not p.section and not p.tail]
    _head_lines(draft, head, rules)
    _basis(draft, head, rules)
    _issuer_in_text(draft, head, rules)
    _province(draft, document, rules)
    _foot(draft, [p for p in document.paragraphs if p.tail], rules)
    return draft


def _head_lines(draft: HeaderDraft, head: list[Paragraph], rules: Header) -> None:
    title_next = False
    for p in head:
        text = p.text
        if title_next:
            title = f"{rules.title_prefix} {text[:1].lower()}{text[1:]}"
            draft.title = Found(title.rstrip("."), Origin.of(p))
            draft.used.add(p.line)
            year = rx(rules.year).search(text)
            if year:
                draft.year = Found(int(year["year"]), Origin.of(p))
            title_next = False
            continue
        if rx(rules.title_word).match(text):
            title_next = True
            draft.used.add(p.line)
        elif (m := rx(rules.number).search(text)) and draft.number is None:
            draft.number = Found(m["value"].rstrip("."), Origin.of(p))
            draft.used.add(p.line)
        elif m := rx(rules.date_line).match(text):
            try:
                day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                continue
            draft.issued_on = Found(day, Origin.of(p))
            draft.place = Found(m["place"].strip(), Origin.of(p))
            draft.used.add(p.line)
        elif rx(rules.issuer_parent).match(text) and draft.issuer_parent is None:
            draft.issuer_parent = Found(text.replace("UỶ", "ỦY"), Origin.of(p))
            draft.used.add(p.line)
        elif rx(rules.issuer_name).match(text) and draft.issuer_area is None:
            # "HUYỆN TRÙNG KHÁNH": the level, then the area's name in capitals
            level = rx(rules.issuer_name).match(text)["level"].lower()  # type: ignore[index]
            draft.issuer_level = Found(level, Origin.of(p))
            draft.issuer_area = Found(title_case_name(text[len(level) :].strip().lower()), Origin.of(p))
            draft.used.add(p.line)
        elif rx(rules.national_motto).match(text):
            draft.used.add(p.line)
    if draft.year is None and draft.issued_on is not None:
        draft.year = Found(draft.issued_on.value.year, draft.issued_on.origin, t("plandraft.year_from_date"))


def _basis(draft: HeaderDraft, head: list[Paragraph], rules: Header) -> None:
    for p in head:
        for pattern in rules.basis:
            m = rx(pattern).search(p.text)
            if m:
                draft.basis.append(Found(m["value"].strip().rstrip(";,."), Origin.of(p)))
                draft.used.add(p.line)
                break


def _issuer_in_text(draft: HeaderDraft, head: list[Paragraph], rules: Header) -> None:
    if draft.issuer_area is not None:
        return
    for pattern in rules.issuer_in_text:
        for p in head:
            m = rx(pattern).search(p.text)
            if m:
                name = _proper_name(m["name"])
                if name:
                    note = t("plandraft.issuer_from_text")
                    draft.issuer_level = Found(m["level"].lower(), Origin.of(p), note)
                    draft.issuer_area = Found(name, Origin.of(p), note)
                    if draft.place is None:
                        draft.place = Found(name, Origin.of(p), note)
                    if draft.issuer_parent is None:
                        draft.issuer_parent = Found("ỦY BAN NHÂN DÂN", Origin.of(p), note)
                    return


def _proper_name(text: str) -> str:
    """The leading capitalised words: "Trùng Khánh ban hành" → "Trùng Khánh"."""
    words: list[str] = []
    for word in text.split():
        if not word[:1].isupper():
            break
        words.append(word.strip(",.;:"))
    return " ".join(words)


def _province(draft: HeaderDraft, document: Document, rules: Header) -> None:
    if draft.issuer_level is not None and draft.issuer_level.value == "tỉnh" and draft.issuer_area is not None:
        draft.province = draft.issuer_area
        return
    for p in document.paragraphs:
        m = rx(rules.province).search(p.text)
        if m and m["name"][:1].isupper():
            draft.province = Found(m["name"], Origin.of(p))
            return


def _foot(draft: HeaderDraft, tail: list[Paragraph], rules: Header) -> None:
    in_recipients = False
    after_authority = False
    for p in tail:
        text = p.text
        if rx(rules.recipients_head).match(text):
            in_recipients = True
            draft.used.add(p.line)
            continue
        m = rx(rules.recipient).match(text)
        if m and in_recipients:
            draft.recipients.append(Found(m["value"], Origin.of(p)))
            draft.used.add(p.line)
            continue
        in_recipients = False
        m = rx(rules.signer_authority).match(text)
        if m:
            value = re.sub(r"^(\w+)\s*\.\s*", r"\1. ", m["value"])
            if draft.signer_authority is None or not value.startswith("TM"):
                draft.signer_authority = Found(value, Origin.of(p))
            after_authority = True
            draft.used.add(p.line)
            continue
        letters = [c for c in text if c.isalpha()]
        if letters and all(c.isupper() for c in letters) and draft.signer_title is None:
            draft.signer_title = Found(text, Origin.of(p))
            draft.used.add(p.line)
        elif (after_authority or draft.signer_title is not None) and draft.signer_name is None and text[:1].isupper():
            draft.signer_name = Found(text, Origin.of(p))
            draft.used.add(p.line)
