"""The fields of the portal's web form for one form: the layout's input cells, in display order.
A web form posts its entries keyed by these names (cell addresses) to `validate_entries`."""

from __future__ import annotations

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
