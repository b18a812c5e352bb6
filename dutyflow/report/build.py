"""Build the consolidated report: store → figures → charts → DOCX, HTML and (with LibreOffice) PDF.

Until the final version (final=False) every page carries "DỰ THẢO" and the file names say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from dutyflow.messages import t
from dutyflow.plan import Signer
from dutyflow.report.charts import draw_charts
from dutyflow.report.collect import collect
from dutyflow.report.context import template_context
from dutyflow.report.context_types import TemplateContext
from dutyflow.report.data import ReportContext, ReportInput, report_context
from dutyflow.report.docx import DocumentProperties, render_docx
from dutyflow.report.html import render_html
from dutyflow.report.narrative import NarrativeParagraph
from dutyflow.report.pdf import PdfUnavailable, convert_to_pdf
from dutyflow.report.spreadsheet import write_narratives
from dutyflow.store.db import session_scope


@dataclass(frozen=True)
class ReportFiles:
    docx: Path
    pdf: Path | None
    """None when no PDF was asked for, or LibreOffice is not installed (see `notes`)."""
    html: Path
    charts: dict[str, Path]
    notes: tuple[str, ...] = field(default=())
    """Vietnamese remarks for the person building the report (e.g. how to get the PDF)."""
    narratives: Path | None = None
    """The units' own words as a spreadsheet, when there are more than Phụ lục II prints."""


def build_report(
    engine: Engine,
    plan_code: str | None,
    as_of: dt.date,
    out_dir: Path,
    *,
    final: bool,
    pdf: bool = True,
    consolidated: str | None = None,
    cutoff: dt.datetime | None = None,
) -> ReportFiles:
    """The report of `plan_code` (default: the plan loaded last) dated `as_of`, as the store stood
    at `cutoff` (the instant it is built; default: the end of `as_of`)."""
    with session_scope(engine) as session:
        report_input = collect(session, plan_code, as_of, cutoff=cutoff, consolidated=consolidated)
    return build_from_input(report_input, out_dir, final=final, pdf=pdf)


def build_from_input(
    report_input: ReportInput,
    out_dir: Path,
    *,
    final: bool,
    pdf: bool = True,
    issued_on: dt.date | None = None,
    number: str = "",
    signer: Signer | None = None,
    narrative: Sequence[NarrativeParagraph] = (),
) -> ReportFiles:
    """The report's files from its input; an approved report passes its `number` (the register's
    sequence), its `signer` (the approver) and the office's `narrative` of sections II–IV."""
    rc = report_context(report_input, final=final, issued_on=issued_on, number=number, signer=signer)
    stem = report_stem(report_input, final=final)
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = draw_charts(rc, out_dir, stem)
    context = template_context(rc)
    narratives: Path | None = None
    if not context["narratives"]["inline"]:
        narratives = out_dir / f"{stem}-chi-tiet-nhiem-vu.xlsx"
        context["narratives"]["file"] = narratives.name
        write_narratives(context["narratives"], context["document_title"], narratives)
    docx = render_docx(
        context, charts, out_dir / f"{stem}.docx", properties=document_properties(rc, context), narrative=narrative
    )
    html = render_html(context, charts, out_dir / f"{stem}.html")
    pdf_path: Path | None = None
    notes: list[str] = []
    if pdf:
        try:
            pdf_path = convert_to_pdf(docx, out_dir)
        except PdfUnavailable as exc:
            notes.append(str(exc))
    return ReportFiles(docx=docx, pdf=pdf_path, html=html, charts=charts, notes=tuple(notes), narratives=narratives)


def document_properties(rc: ReportContext, context: TemplateContext) -> DocumentProperties:
    """The DOCX's core properties: the report's title, its issuer, and its own instant (the
    cut-off; without one, the start of the day it is dated)."""
    tz = ZoneInfo(rc.plan.calendar.timezone)
    created = rc.input.cutoff or dt.datetime.combine(rc.issued_on, dt.time.min, tzinfo=tz)
    title = context["document_title"]
    return DocumentProperties(
        title=title if rc.final else t("report.draft_title", title=title),
        author=rc.plan.plan.issuer_on(rc.issued_on).name,
        created=created,
        subject=rc.plan.plan.title,
    )


def report_stem(report_input: ReportInput, *, final: bool) -> str:
    """ASCII file name: bao-cao-<plan>-<as of>[-du-thao]."""
    stem = f"bao-cao-{report_input.plan.plan.code}-{report_input.as_of:%Y%m%d}"
    return stem if final else f"{stem}-du-thao"
