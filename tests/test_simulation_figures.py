"""The demo's simulated units report plausible, consistent figures: a commune counts itself
once, parts stay within their wholes, one quantity has one value on every appendix."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from dutyflow.demo.units import values_for
from dutyflow.forms import FormTarget, validate_entries, web_fields
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Measure, Plan, UnitKind, load_plan
from dutyflow.plan.periods import expand_periods

COMMUNES = {UnitKind.COMMUNE, UnitKind.TOWN}
TYPICAL = {Measure.PERCENT: 10, Measure.PERMILLE: 10, Measure.PER_100000: 100, Measure.COUNT: 1}
"""Rates without a target that a district would find plausible: under 10%, 10‰, 100/100.000."""


def handed_in(plan: Plan, seed: int) -> list[tuple[str, str, dict[str, dict[tuple[str, str], Decimal]]]]:
    """(unit, period, form → (row, column) → number) for every report with forms of the year,
    filled as the demo fills it and read back through the portal's validation."""
    out = []
    for deliverable in plan.deliverables:
        if not deliverable.forms or deliverable.kind == "consolidated":
            continue
        for unit in plan.expand_units(deliverable.units):
            for period in expand_periods(deliverable, plan.plan.year):
                target = FormTarget(plan, unit.code, deliverable.code, period.code, period.label)
                fill = values_for(plan, unit.code, period.code, seed)
                forms: dict[str, dict[tuple[str, str], Decimal]] = {}
                for code in deliverable.forms:
                    entries = {f.name: fill(code, f) for f in web_fields(target, code)}
                    result = validate_entries(target, code, entries)
                    assert result.ok, (unit.code, period.code, [p.message for p in result.problems][:3])
                    forms[code] = {(v.row, v.column): v.number for v in result.values if v.number is not None}
                out.append((unit.code, period.code, forms))
    return out


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(BUNDLED_PLAN)


@pytest.mark.parametrize("seed", [2025, 7])
def test_simulated_figures_are_plausible_and_consistent(plan: Plan, seed: int) -> None:
    kinds = {u.code: u.kind for u in plan.units}
    elements = {d.code: d for d in plan.data_elements}
    indicator_forms = {f.code for f in plan.forms if f.kind == "indicators"}
    tables = {f.code: f for f in plan.forms if f.kind == "table" and f.value_type == "integer"}
    reached = defaultdict(int)
    for unit, period, forms in handed_in(plan, seed):
        figures = {row: n for code in indicator_forms for (row, _), n in forms.get(code, {}).items()}
        # A commune's own count of communes is 1; its count of communes meeting a standard 0 or 1.
        for code, element in elements.items():
            if element.counts_units and code in figures:
                assert figures[code] in {0, 1}, (unit, code, figures[code])
                reached["counts_units"] += 1
        if kinds[unit] in COMMUNES and "so_xa_thi_tran" in figures:
            assert figures["so_xa_thi_tran"] == 1
        # Parts within wholes: numerators within denominators, deaths within cases.
        for indicator in plan.indicators:
            top, bottom = figures.get(indicator.numerator), figures.get(indicator.denominator or "")
            if top is not None and bottom is not None:
                assert top <= bottom, (unit, indicator.code, top, bottom)
                # A rate near its target, or near a plausible level without one (not 5% abused).
                ceiling = 2 * (indicator.target or TYPICAL[indicator.measure]) / indicator.effective_factor
                assert top <= max(1, bottom * ceiling), (unit, indicator.code, top, bottom)
                reached["rates"] += 1
        for code, element in elements.items():
            for whole in element.part_of:
                if code in figures and whole in figures:
                    assert figures[code] <= figures[whole], (unit, code, whole)
                    reached["part_of"] += 1
        # The same quantity on Phụ lục I and on a table appendix: the table's row adds up to it.
        for form_code, form in tables.items():
            cells = forms.get(form_code)
            if cells is None:
                continue
            for row in form.rows:
                total = sum((n for (r, _), n in cells.items() if r == row.code), Decimal(0))
                if row.code in figures:
                    assert total == figures[row.code], (unit, period, row.code, total, figures[row.code])
                    reached["across appendices"] += 1
    assert min(reached.values(), default=0) > 0 and len(reached) == 4, dict(reached)
