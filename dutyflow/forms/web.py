"""The fields of the portal's web form for one form: the layout's input cells, in display order.
A web form posts its entries keyed by these names (cell addresses) to `validate_entries`."""

from __future__ import annotations

import io
from collections.abc import Callable

import openpyxl  # type: ignore[import-untyped]

from dutyflow.forms.layout import form_layout
from dutyflow.forms.model import FormTarget, WebField


def web_fields(target: FormTarget, form_code: str) -> list[WebField]:
    return [
        WebField(
            name=cell.address,
            row_label=cell.row_label,
            column_label=cell.column_label,
            kind=cell.kind,
            choices=cell.choices,
            reference=cell.reference,
            required=cell.required,
        )
        for cell in form_layout(target, form_code).inputs
    ]


def fill_workbook(blank: bytes, target: FormTarget, fill: Callable[[str, WebField], object]) -> bytes:
    """`blank` (the unit's workbook, as `build_workbook` or the portal gives it) with every input
    cell of its forms typed in as `fill(form code, field)` says: what a unit's officer does."""
    book = openpyxl.load_workbook(io.BytesIO(blank))
    forms = {f.code: f for f in target.plan.forms}
    deliverable = next(d for d in target.plan.deliverables if d.code == target.deliverable_code)
    for code in deliverable.forms:
        sheet = book[forms[code].name]
        for field in web_fields(target, code):
            sheet[field.name] = fill(code, field)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
