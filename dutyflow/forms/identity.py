"""The workbook's identification: which plan, unit, deliverable, period and form versions it was
built for. Written to a "veryHidden" sheet by the builder, read back and compared by the reader,
so a file made for someone else, or from an older template, is refused before any figure counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dutyflow.forms.layout import FormLayout
from dutyflow.forms.model import FormTarget, Problem
from dutyflow.forms.numbers import echo
from dutyflow.messages import t

SHEET = "_dutyflow"
TEMPLATE_VERSION = "1"
"""Raise whenever the frame of the sheets changes (rows of headings, columns of a kind)."""
MAX_ROWS = 64


@dataclass(frozen=True)
class FormStamp:
    code: str
    version: str
    fingerprint: str


@dataclass(frozen=True)
class Identity:
    template: str
    plan: str
    unit: str
    deliverable: str
    period: str
    period_label: str
    forms: tuple[FormStamp, ...]

    def stamp(self, code: str) -> FormStamp | None:
        return next((stamp for stamp in self.forms if stamp.code == code), None)


def identity_of(target: FormTarget, layouts: Iterable[FormLayout]) -> Identity:
    return Identity(
        template=TEMPLATE_VERSION,
        plan=target.plan.plan.code,
        unit=target.unit_code,
        deliverable=target.deliverable_code,
        period=target.period_code,
        period_label=target.period_label,
        forms=tuple(FormStamp(lay.form.code, lay.form.version, lay.fingerprint) for lay in layouts),
    )


def identity_rows(identity: Identity) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("dutyflow", "template", identity.template),
        ("plan", identity.plan),
        ("unit", identity.unit),
        ("deliverable", identity.deliverable),
        ("period", identity.period),
        ("period_label", identity.period_label),
    ]
    rows += [("form", stamp.code, stamp.version, stamp.fingerprint) for stamp in identity.forms]
    return rows


def read_identity(rows: Iterable[Sequence[object]]) -> Identity | None:
    """The identification in `rows` (the hidden sheet's values), or None if it is not ours."""
    fields: dict[str, str] = {}
    forms: list[FormStamp] = []
    template: str | None = None
    for row in rows:
        cells = ["" if value is None else str(value) for value in row]
        if not cells or not cells[0]:
            continue
        key = cells[0]
        if key == "dutyflow" and len(cells) >= 3 and cells[1] == "template":
            template = cells[2]
        elif key == "form" and len(cells) >= 4:
            forms.append(FormStamp(cells[1], cells[2], cells[3]))
        elif len(cells) >= 2:
            fields.setdefault(key, cells[1])
    needed = ("plan", "unit", "deliverable", "period")
    if template is None or any(not fields.get(key) for key in needed):
        return None
    return Identity(
        template=template,
        plan=fields["plan"],
        unit=fields["unit"],
        deliverable=fields["deliverable"],
        period=fields["period"],
        period_label=fields.get("period_label") or fields["period"],
        forms=tuple(forms),
    )


def identity_problems(found: Identity | None, target: FormTarget) -> list[Problem]:
    """File-level refusals: each names what was expected and what was found."""
    if found is None:
        return [_file("forms.not_our_template")]
    plan = target.plan
    if found.plan != plan.plan.code:
        return [_file("forms.other_plan", found=echo(found.plan), expected=plan.plan.code)]
    if found.template != TEMPLATE_VERSION:
        return [_file("forms.outdated_template", found=echo(found.template), expected=TEMPLATE_VERSION)]
    problems: list[Problem] = []
    if found.unit != target.unit_code:
        problems.append(_file("forms.other_unit", found=_unit_name(target, found.unit), expected=target.unit.name))
    if found.deliverable != target.deliverable_code:
        problems.append(
            _file(
                "forms.other_deliverable",
                found=_deliverable_name(target, found.deliverable),
                expected=target.deliverable.name,
            )
        )
    if found.period != target.period_code:
        problems.append(_file("forms.other_period", found=echo(found.period_label), expected=target.period_label))
    return problems


def form_problem(found: Identity, layout: FormLayout) -> Problem | None:
    """An outdated or changed form: its figures would land in the wrong rows."""
    stamp = found.stamp(layout.form.code)
    if stamp is None:
        return Problem(layout.sheet, None, t("forms.form_missing"))
    if stamp.version != layout.form.version:
        return Problem(
            layout.sheet, None, t("forms.outdated_form", found=echo(stamp.version), expected=layout.form.version)
        )
    if stamp.fingerprint != layout.fingerprint:
        return Problem(layout.sheet, None, t("forms.changed_form"))
    return None


def _file(key: str, **values: str) -> Problem:
    return Problem("", None, t(key, **values))


def _unit_name(target: FormTarget, code: str) -> str:
    try:
        return target.plan.unit(code).name
    except KeyError:
        return echo(code)


def _deliverable_name(target: FormTarget, code: str) -> str:
    return next((d.name for d in target.plan.deliverables if d.code == code), echo(code))
