"""How units behave in the demo year: who submits when, and what they report. Pure and seeded.

Most units hand in on time, some late, one hands in an invalid 6-month report and corrects it,
one never hands in anything. Values are plausible and consistent: parts within their wholes,
a commune counts itself once, one quantity has one value on every appendix, some targets met
and some missed, so the district report has something to say.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dutyflow.calendar import WorkingCalendar
from dutyflow.obligations import ObligationSpec
from dutyflow.plan import Form, Measure, Plan, indicator_rows
from dutyflow.states import SubmissionChannel


@dataclass(frozen=True)
class PlannedSubmission:
    day: dt.date
    hour: int
    unit: str
    deliverable: str
    period: str
    broken: bool = False
    """An upload with a mistake the portal must catch (text in a number cell, numerator > denominator)."""
    channel: SubmissionChannel = SubmissionChannel.PORTAL
    """PORTAL (an upload) or EMAIL (a reply to the unit's latest message, the form attached)."""


@dataclass(frozen=True)
class Cast:
    """The units with a part to play."""

    never: str
    corrects: str


def cast(plan: Plan, seed: int) -> Cast:
    communes = [u.code for u in plan.units if u.kind.is_commune_level]
    others = [u.code for u in plan.units if u.code != plan.plan.office]
    pool = communes if len(communes) >= 2 else others
    rng = random.Random(seed)
    never, corrects = rng.sample(pool, 2)
    return Cast(never=never, corrects=corrects)


def email_units(plan: Plan, seed: int) -> frozenset[str]:
    """Units that answer by email instead of the portal: the one that corrects its report (so the
    demo shows a reply naming the cells) and about a third of the others."""
    rng = random.Random(f"{seed}:email")
    others = sorted(u.code for u in plan.units if u.code != plan.plan.office)
    chosen = {code for code in others if rng.random() < 0.33}
    return frozenset({*chosen, cast(plan, seed).corrects})


def behaviour(
    plan: Plan, obligations: Sequence[ObligationSpec], calendar: WorkingCalendar, seed: int
) -> list[PlannedSubmission]:
    """Every upload of the year, in time order."""
    rng = random.Random(seed)
    roles = cast(plan, seed)
    consolidated = {d.code for d in plan.deliverables if d.kind == "consolidated"}
    by_email, with_forms = email_units(plan, seed), {d.code for d in plan.deliverables if d.forms}
    planned: list[PlannedSubmission] = []
    for spec in sorted(obligations, key=lambda s: (s.last_day, s.unit, s.deliverable, s.period)):
        if spec.deliverable in consolidated or spec.unit == roles.never:
            continue
        hour = rng.choice((9, 10, 14, 15, 16))
        draw = rng.random()
        if draw < 0.72:
            day = calendar.add_working_days(calendar.previous_working_day(spec.last_day), -rng.randint(0, 6))
        elif draw < 0.94:
            day = calendar.add_working_days(spec.last_day, rng.randint(1, 4))
        else:
            day = calendar.add_working_days(spec.last_day, rng.randint(6, 12))  # after the escalation
        is_report = spec.deliverable == _six_month_code(plan)
        # A form names its own obligation (its identification sheet); only forms go by email.
        channel = (
            SubmissionChannel.EMAIL
            if spec.unit in by_email and spec.deliverable in with_forms
            else SubmissionChannel.PORTAL
        )
        if spec.unit == roles.corrects and is_report:
            first = calendar.add_working_days(calendar.previous_working_day(spec.last_day), -3)
            planned.append(
                PlannedSubmission(first, 9, spec.unit, spec.deliverable, spec.period, broken=True, channel=channel)
            )
            day = calendar.add_working_days(first, 2)
        planned.append(PlannedSubmission(day, hour, spec.unit, spec.deliverable, spec.period, channel=channel))
    return sorted(planned, key=lambda p: (p.day, p.hour, p.unit, p.deliverable))


def _six_month_code(plan: Plan) -> str | None:
    """The first report with forms: the 6-month report in the bundled plan."""
    reports = [d for d in plan.deliverables if d.kind == "report" and d.forms and d.due is not None]
    return min(reports, key=lambda d: d.due or dt.date.max).code if reports else None


Filler = Callable[[str, object], object]


def values_for(plan: Plan, unit: str, period: str, seed: int, *, broken: bool = False) -> Filler:
    """A deterministic way for `unit` to fill each input cell (see dutyflow.forms.WebField).

    One consistent set of figures per unit and period (`unit_figures`): a data element has one
    value wherever it appears, on the indicators' appendix and on a table appendix alike (a
    table row that is a data element adds up to it across its columns), and table cells respect
    the form's rules (children helped never outnumber the children concerned).
    """
    rng = random.Random(f"{seed}:{unit}:{period}")
    figures = unit_figures(plan, rng)
    by_name = {element.name: element.code for element in plan.data_elements}
    tables: dict[str, dict[tuple[str, str], int]] = {}
    state = {"broken": broken}

    def fill(form: str, field: object) -> object:
        kind = getattr(field, "kind", "integer")
        label = str(getattr(field, "column_label", ""))
        row_label = str(getattr(field, "row_label", ""))
        if kind == "choice":
            choices = getattr(field, "choices", ())
            return rng.choices(choices, weights=(6, 3, 1)[: len(choices)])[0] if choices else ""
        if kind == "text":
            return rng.choice(_NARRATIVES)
        if ":" in label and label.split(":", 1)[0] in {"Tử số", "Mẫu số"}:
            if state["broken"] and label.startswith("Tử số"):
                state["broken"] = False
                return "một trăm"  # the mistake the portal must point at
            code = by_name.get(label.split(":", 1)[1].strip())
            return figures.get(code, 0) if code else 0
        form_def = next((f for f in plan.forms if f.code == form), None)
        if form_def is not None and form_def.kind == "table":
            row = next((r.code for r in form_def.rows if r.label in row_label), None)
            column = next((c.code for c in form_def.columns if c.label in label), label)
            if row is not None:
                if form not in tables:
                    tables[form] = table_figures(form_def, figures, rng)
                return tables[form].get((row, column), 0)
        return rng.choice((0, 1, 2, 3))

    return fill


_TYPICAL_RATE = {Measure.PERCENT: 5, Measure.PERMILLE: 5, Measure.PER_100000: 50, Measure.COUNT: 1}
"""A rate without a target ("giảm so với năm trước") lands near this: 5%, 5‰, 50/100.000."""


def unit_figures(plan: Plan, rng: random.Random) -> dict[str, int]:
    """One unit's value of every data element, consistent with one another.

    A part never exceeds its whole: a numerator stays within each of its denominators, and an
    element within those it is `part_of` (deaths within the cases). A rate lands within about
    ±15% of its target, so some targets are met and some missed. An element that counts units
    (`counts_units`) is the unit itself: 1, and its parts 0 or 1. Other totals are the size of
    a commune's population of children (800–4,000).
    """
    wholes: dict[str, set[str]] = {d.code: set(d.part_of) for d in plan.data_elements}
    rates: dict[str, list[tuple[str, float]]] = {}
    for indicator in (row.indicator for row in indicator_rows(plan)):
        wholes.setdefault(indicator.numerator, set())
        if indicator.denominator:
            wholes[indicator.numerator].add(indicator.denominator)
            wholes.setdefault(indicator.denominator, set())
            target = float(indicator.target if indicator.target is not None else _TYPICAL_RATE[indicator.measure])
            share = min(1.0, target / float(indicator.effective_factor) * rng.uniform(0.85, 1.12))
            rates.setdefault(indicator.numerator, []).append((indicator.denominator, share))
    units = {d.code for d in plan.data_elements if d.counts_units}
    is_whole = set().union(*wholes.values()) if wholes else set()
    figures: dict[str, int] = {}
    for code in _wholes_first(wholes):
        above = [figures[w] for w in wholes[code] if w in figures]
        if not above:
            if code in units:
                figures[code] = 1
            elif code in is_whole:
                figures[code] = rng.randint(800, 4_000)
            else:
                figures[code] = rng.choice((0, 0, 1, 2))
            continue
        bound = min(above)
        given = [(figures[d], share) for d, share in rates.get(code, []) if d in figures]
        if code in units:
            share = min((s for _, s in given), default=0.5)
            figures[code] = min(bound, int(rng.random() < share))
        elif given:
            figures[code] = min(bound, *(round(total * share) for total, share in given))
        else:  # a part without a target of its own (deaths among cases): a fraction of the whole
            figures[code] = round(bound * rng.uniform(0.0, 0.3))
    return figures


def _wholes_first(wholes: dict[str, set[str]]) -> list[str]:
    """Element codes, each after every element it is a part of (a cycle is cut where it closes)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        if state.get(code) is not None:
            return  # done, or on the current path (a cycle: cut here)
        state[code] = 0
        for whole in sorted(wholes.get(code, ())):
            visit(whole)
        state[code] = 1
        order.append(code)

    for code in sorted(wholes):
        visit(code)
    return order


def table_figures(form: Form, figures: Mapping[str, int], rng: random.Random) -> dict[tuple[str, str], int]:
    """Every cell of a table appendix for one unit: a row that is a data element splits that
    element's value across the columns; a row bounded by another ("helped <= concerned") stays
    within it in every column; money is drawn from a few round amounts."""
    columns = [c.code for c in form.columns]
    if form.value_type == "money":
        return {(r.code, c): rng.choice((0, 5_000, 12_500, 40_000, 150_000)) for r in form.rows for c in columns}
    rows = {r.code for r in form.rows}
    bounds: dict[str, set[str]] = {code: set() for code in rows}
    for rule in form.rules:
        if rule.op == "<=" and rule.left in rows and rule.right in rows:
            bounds[rule.left].add(rule.right)
        elif rule.op == ">=" and rule.left in rows and rule.right in rows:
            bounds[rule.right].add(rule.left)
    cells: dict[tuple[str, str], int] = {}
    for row in _wholes_first(bounds):
        caps = {c: min((cells[(b, c)] for b in bounds[row] if (b, c) in cells), default=None) for c in columns}
        if row in figures:
            total = figures[row]
            if bounds[row]:
                total = min(total, sum(cap or 0 for cap in caps.values()))
            split = _split(total, columns, caps, rng)
        else:
            split = {c: rng.randint(0, _cap_or_small(caps[c], rng)) for c in columns}
        cells.update(((row, c), n) for c, n in split.items())
    return cells


def _split(total: int, columns: Sequence[str], caps: Mapping[str, int | None], rng: random.Random) -> dict[str, int]:
    """`total` spread at random over `columns`, none above its cap (None: no cap)."""
    out = dict.fromkeys(columns, 0)
    for _ in range(total):
        free = [c for c in columns if caps[c] is None or out[c] < (caps[c] or 0)]
        if not free:
            break
        out[rng.choice(free)] += 1
    return out


_NARRATIVES = (
    "Đã ban hành kế hoạch của đơn vị; tổ chức 2 buổi tuyên truyền về quyền trẻ em tại thôn, xóm.",
    "Phối hợp với trường học tổ chức sinh hoạt chuyên đề phòng, chống đuối nước trong dịp hè.",
    "Rà soát, lập danh sách trẻ em có hoàn cảnh đặc biệt; đề xuất hỗ trợ kịp thời theo quy định.",
    "Đang triển khai; một số nội dung chậm do thiếu kinh phí, sẽ hoàn thành trong quý IV.",
    "Tổ chức Tháng hành động vì trẻ em và Tết Trung thu cho trẻ em an toàn, lành mạnh.",
)


def _cap_or_small(cap: int | None, rng: random.Random) -> int:
    """A column's cap, or a small random bound when it has none."""
    return cap if cap is not None else rng.choice((0, 1, 2, 3, 5, 8))
