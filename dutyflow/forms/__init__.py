"""Appendix forms (Phụ lục I–IV) as .xlsx workbooks and web forms.

Build a unit's workbook, read an uploaded one safely, validate entries from either channel with
the same messages, and check documents handed in beside the forms. Pure: no database, no web,
no Prefect.

Modules, one job each: `layout` (where every cell stands), `build` (drawing the workbook),
`identity` (the hidden identification sheet), `container` (what a file is, zip safety), `read`
(parsing an upload), `validate` (the one validation path), `across` (rules across forms), `numbers` (Vietnamese number
styles), `documents` (.docx/.pdf attachments), `web` (fields of the portal's form).
"""

from __future__ import annotations

from dutyflow.forms.across import check_across
from dutyflow.forms.build import build_workbook
from dutyflow.forms.container import sniff
from dutyflow.forms.documents import check_document
from dutyflow.forms.model import FormResult, FormTarget, Problem, Value, WebField
from dutyflow.forms.read import parse_workbook
from dutyflow.forms.validate import validate_entries
from dutyflow.forms.web import fill_workbook, web_fields

__all__ = [
    "FormResult",
    "FormTarget",
    "Problem",
    "Value",
    "WebField",
    "build_workbook",
    "check_across",
    "check_document",
    "fill_workbook",
    "parse_workbook",
    "sniff",
    "validate_entries",
    "web_fields",
]
