"""How units behave in the demo year: who submits when, and what they report. Pure and seeded.

Most units hand in on time, some late, one hands in an invalid 6-month report and corrects it,
one never hands in anything. Values are plausible: numerators below denominators, some targets
met and some missed, so the district report has something to say.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dutyflow.calendar import WorkingCalendar
from dutyflow.obligations import ObligationSpec
from dutyflow.plan import Plan


@dataclass(frozen=True)
class PlannedSubmission:
    day: dt.date
    hour: int
    unit: str
    deliverable: str
    period: str
    broken: bool = False
    """An upload with a mistake the portal must catch (text in a number cell, numerator > denominator)."""


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


def behaviour(
    plan: Plan, obligations: Sequence[ObligationSpec], calendar: WorkingCalendar, seed: int
) -> list[PlannedSubmission]:
    """Every upload of the year, in time order."""
    rng = random.Random(seed)
    roles = cast(plan, seed)
    consolidated = {d.code for d in plan.deliverables if d.kind == "consolidated"}
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
        if spec.unit == roles.corrects and is_report:
            first = calendar.add_working_days(calendar.previous_working_day(spec.last_day), -3)
            planned.append(PlannedSubmission(first, 9, spec.unit, spec.deliverable, spec.period, broken=True))
            day = calendar.add_working_days(first, 2)
        planned.append(PlannedSubmission(day, hour, spec.unit, spec.deliverable, spec.period))
    return sorted(planned, key=lambda p: (p.day, p.hour, p.unit, p.deliverable))


def _six_month_code(plan: Plan) -> str | None:
    """The first report with forms: the 6-month report in the bundled plan."""
    reports = [d for d in plan.deliverables if d.kind == "report" and d.forms and d.due is not None]
    return min(reports, key=lambda d: d.due or dt.date.max).code if reports else None


Filler = Callable[[str, object], object]


def values_for(plan: Plan, unit: str, period: str, seed: int, *, broken: bool = False) -> Filler:
    """A deterministic way for `unit` to fill each input cell (see dutyflow.forms.WebField).

    Figures are drawn per data element so a data element shared by two indicators has one value,
    every numerator stays within each of its denominators, and table cells respect the form's
    rules (children helped never outnumber the children concerned).
    """
    rng = random.Random(f"{seed}:{unit}:{period}")
    figures = _indicator_figures(plan, rng)
    by_name = {element.name: element.code for element in plan.data_elements}
    cells: dict[tuple[str, str, str], int] = {}
    state = {"broken": broken}

    def table_cell(form_code: str, row: str, column: str) -> int:
        key = (form_code, row, column)
        if key not in cells:
            form = next(f for f in plan.forms if f.code == form_code)
            # A row bounded by another ("helped <= concerned") is drawn after, and within, that row.
            ceilings = [table_cell(form_code, r.right, column) for r in form.rules if r.left == row and r.op == "<="]
            if form.value_type == "money":
                cells[key] = rng.choice((0, 5_000, 12_500, 40_000, 150_000))
            else:
                high = min(ceilings) if ceilings else rng.choice((0, 1, 2, 3, 5, 8))
                cells[key] = rng.randint(0, high)
        return cells[key]

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
                return table_cell(form, row, column)
        return rng.choice((0, 1, 2, 3))

    return fill


def _indicator_figures(plan: Plan, rng: random.Random) -> dict[str, int]:
    """One value per data element: numerators within all their denominators, rates near their targets.

    Each rate lands within about ±15% of its target, so some targets are met and some missed.
    """
    ceilings: dict[str, set[str]] = {}
    shares: dict[str, float] = {}
    for indicator in plan.indicators:
        ceilings.setdefault(indicator.numerator, set())
        if indicator.denominator:
            ceilings[indicator.numerator].add(indicator.denominator)
            ceilings.setdefault(indicator.denominator, set())
            target = float(indicator.target if indicator.target is not None else indicator.effective_factor / 20)
            shares[indicator.numerator] = min(1.0, target / float(indicator.effective_factor) * rng.uniform(0.85, 1.12))
    figures: dict[str, int] = {}
    pending = dict(ceilings)
    while pending:
        ready = [code for code, above in pending.items() if all(a in figures for a in above if a != code)]
        if not ready:  # a cycle: break it with a population-sized figure
            ready = [next(iter(pending))]
            pending[ready[0]] = set()
        for code in sorted(ready):
            above = [figures[a] for a in pending.pop(code) if a in figures]
            if above:
                figures[code] = round(min(above) * shares.get(code, 0.1))
            elif any(code in v for v in ceilings.values()):
                figures[code] = rng.randint(800, 4_000)
            else:
                figures[code] = rng.choice((0, 0, 1, 2))
    return figures


_NARRATIVES = (
    "Đã ban hành kế hoạch của đơn vị; tổ chức 2 buổi tuyên truyền về quyền trẻ em tại thôn, xóm.",
    "Phối hợp với trường học tổ chức sinh hoạt chuyên đề phòng, chống đuối nước trong dịp hè.",
    "Rà soát, lập danh sách trẻ em có hoàn cảnh đặc biệt; đề xuất hỗ trợ kịp thời theo quy định.",
    "Đang triển khai; một số nội dung chậm do thiếu kinh phí, sẽ hoàn thành trong quý IV.",
    "Tổ chức Tháng hành động vì trẻ em và Tết Trung thu cho trẻ em an toàn, lành mạnh.",
)
