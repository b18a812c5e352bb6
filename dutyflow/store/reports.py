"""The reports made: each draft and final report's files, kept in the file store under their
sha256, with the completeness it counted when it was made."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from dutyflow.store.files import FileStore
from dutyflow.store.models import ReportRow


@dataclass(frozen=True)
class MadeReport:
    """A report just built: its day, kind, files and the counts it showed."""

    plan_id: int
    as_of: dt.date
    final: bool
    docx: Path
    pdf: Path | None
    html: Path
    expected: int
    received: int
    on_time: int


def record(session: Session, files: FileStore, made: MadeReport, *, now: dt.datetime) -> ReportRow:
    """Keep `made`'s files and add its row to the caller's transaction."""
    row = ReportRow(
        plan_id=made.plan_id,
        made_at=now,
        as_of=made.as_of,
        final=made.final,
        name=made.docx.stem,
        docx_sha256=files.put(made.docx.read_bytes()),
        pdf_sha256=files.put(made.pdf.read_bytes()) if made.pdf is not None else None,
        html_sha256=files.put(made.html.read_bytes()),
        expected=made.expected,
        received=made.received,
        on_time=made.on_time,
    )
    session.add(row)
    return row
