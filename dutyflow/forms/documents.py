"""A document handed in beside the forms (an implementation plan, a narrative report): a real
.docx or a real PDF, judged by its content whatever its file name says."""

from __future__ import annotations

from dutyflow.formatting import format_size
from dutyflow.forms.container import EXECUTABLE_MAGICS, Package, open_package, sniff
from dutyflow.forms.model import Problem
from dutyflow.forms.numbers import echo
from dutyflow.messages import t

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_TAIL = 1024
"""%%EOF may be followed by a few bytes (line ends, padding): look for it near the end."""


def check_document(data: bytes, filename: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> list[Problem]:
    """Nothing when `data` is an acceptable .docx or PDF; otherwise why not, under the file's name."""
    where = echo(filename) or t("forms.unnamed_file")
    message = _refusal(data, max_bytes)
    return [] if message is None else [Problem(where, None, message)]


def _refusal(data: bytes, max_bytes: int) -> str | None:
    if not data:
        return t("forms.doc_empty")
    if len(data) > max_bytes:
        return t("forms.doc_too_large", size=format_size(len(data)), limit=format_size(max_bytes))
    kind = sniff(data)
    if kind == "pdf":
        return None if b"%%EOF" in data[-PDF_TAIL:] else t("forms.doc_pdf_truncated")
    if kind == "ole":
        return t("forms.doc_ole")
    if kind in {"xlsx", "xlsm"}:
        return t("forms.doc_spreadsheet")
    if kind == "unknown":
        return t("forms.doc_executable") if data.startswith(EXECUTABLE_MAGICS) else t("forms.doc_unknown")
    package = open_package(data)
    if not isinstance(package, Package):
        return package
    if package.is_workbook:
        return t("forms.doc_spreadsheet")
    if not package.is_document:
        return t("forms.doc_not_docx")
    if package.has_macros:
        return t("forms.doc_macro")
    return None
