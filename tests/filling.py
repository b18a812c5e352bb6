"""Filling an appendix workbook the way a unit's officer would, for portal and intake tests."""

from __future__ import annotations

from collections.abc import Callable

from dutyflow.forms import FormTarget, WebField, build_workbook, fill_workbook, web_fields

Filler = Callable[[str, WebField], object]


def sensible(form_code: str, field: WebField) -> object:
    """Plausible values: numerators below denominators, the first status, a short narrative; a
    commune counts itself once ("Số xã, thị trấn": 1, and 1 of it meets the target)."""
    if field.kind == "choice":
        return field.choices[0]
    if field.kind == "text":
        return "Đã triển khai đầy đủ; tổ chức 3 buổi tuyên truyền."
    if field.column_label.split(": ", 1)[-1].startswith("Số xã"):
        return 1
    if field.column_label.startswith("Mẫu số"):
        return 200
    return 150 if field.column_label.startswith("Tử số") else 4


def filled_workbook(target: FormTarget, fill: Filler = sensible) -> bytes:
    return fill_workbook(build_workbook(target), target, fill)


def web_entries(target: FormTarget, fill: Filler = sensible) -> dict[str, str]:
    """The same values as a posted web form: "<form>__<cell>" -> text."""
    deliverable = next(d for d in target.plan.deliverables if d.code == target.deliverable_code)
    return {
        f"{code}__{field.name}": str(fill(code, field))
        for code in deliverable.forms
        for field in web_fields(target, code)
    }
