"""What a recogniser found, with where it found it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from dutyflow.messages import t
from dutyflow.plandraft.document import Paragraph
from dutyflow.plandraft.text import excerpt

T = TypeVar("T")


@dataclass(frozen=True)
class Origin:
    """The sentence a value came from: the words, the section and the line."""

    text: str
    section: str
    line: int

    @classmethod
    def of(cls, paragraph: Paragraph, text: str | None = None) -> Origin:
        return cls(text if text is not None else paragraph.text, paragraph.section, paragraph.line)

    def comment(self) -> str:
        where = t("plandraft.where", section=self.section) if self.section else t("plandraft.where_head")
        return t("plandraft.from", excerpt=excerpt(self.text), where=where, line=self.line)


@dataclass(frozen=True)
class Found(Generic[T]):
    value: T
    origin: Origin
    note: str | None = None
    """Why the value is uncertain, when it is (a guess, a default, a reading of odd wording)."""


@dataclass(frozen=True)
class Unplaced:
    """A piece of the document the draft could not turn into plan data."""

    origin: Origin
    reason: str
