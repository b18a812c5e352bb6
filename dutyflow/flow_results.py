"""What the flows return: typed results the CLI and the demo read without casts (no Prefect here)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MailRun:
    """An assignment or chasing run: the units it considered and the messages it sent."""

    units: int
    sent: int


@dataclass(frozen=True)
class MailIntakeRun:
    """A reading of the office's mailbox: messages read, reports recorded, answers sent, and messages
    left for a person to review."""

    read: int = 0
    submitted: int = 0
    answered: int = 0
    review: int = 0


@dataclass(frozen=True)
class ReportRun:
    """A consolidation: whether the report is final, the files written, the messages sent and the notes
    on what could not be made (a PDF without LibreOffice, say)."""

    final: bool
    files: list[str] = field(default_factory=list)
    sent: int = 0
    notes: list[str] = field(default_factory=list)
