"""Parsing uploaded appendix workbooks: `parse_workbook` (opening, identification, validation).

    python -m bench.bench_forms [--forms 200] [--profile]

On the bundled plan, builds and fills N distinct workbooks of the 6-month report (its four sheets,
Phụ lục I–IV, as a commune hands them in; the unit cycles through the communes and every figure
depends on the form's number), then times `parse_workbook` on each. Building and filling are not
timed. Every parse must succeed with no problem. Goal: median < 50 ms per workbook.
Results are printed and appended to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from collections.abc import Callable

from bench.common import append_result, print_table
from dutyflow.forms import FormTarget, WebField, parse_workbook
from dutyflow.forms.layout import form_layout
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, UnitKind, load_plan
from dutyflow.plan.periods import expand_periods
from tests.filling import filled_workbook

DELIVERABLE = "bao-cao-6-thang"
GOAL_MEDIAN_MS = 50.0


def varied(target: FormTarget, number: int) -> Callable[[str, WebField], object]:
    """Plausible values that differ per form: one figure per data element (Phụ lục I repeats an
    element in several cells), elements that are ever a denominator larger than the others, equal
    cells in a table (its rules compare rows), a status and a narrative."""
    elements: dict[tuple[str, str], str] = {}
    denominators: set[str] = set()
    for form in target.forms:
        for cell in form_layout(target, form.code).inputs:
            if cell.element is not None:
                elements[(form.code, cell.address)] = cell.element
                if cell.column == "denominator":
                    denominators.add(cell.element)

    def fill(form_code: str, field: WebField) -> object:
        if field.kind == "choice":
            return field.choices[number % len(field.choices)]
        if field.kind == "text":
            return f"Đã triển khai; tổ chức {number % 9 + 1} buổi tuyên truyền tại {number % 12 + 1} thôn, xóm."
        if field.kind == "decimal":
            return 1000 + number * 12.5
        element = elements.get((form_code, field.name))
        if element is None:
            return number % 9 + 1
        return 1000 + number if element in denominators else 10 + number % 50

    return fill


def targets(plan: Plan, count: int) -> list[FormTarget]:
    deliverable = next(d for d in plan.deliverables if d.code == DELIVERABLE)
    [period] = expand_periods(deliverable, plan.plan.year)
    communes = [u.code for u in plan.units if u.kind in (UnitKind.COMMUNE, UnitKind.TOWN)]
    return [FormTarget(plan, communes[i % len(communes)], DELIVERABLE, period.code, period.label) for i in range(count)]


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the parsing loop")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.jsonl")
    args = parser.parse_args(argv)

    plan = load_plan(BUNDLED_PLAN)
    forms = targets(plan, args.forms)
    start = time.perf_counter()
    workbooks = [filled_workbook(target, varied(target, i)) for i, target in enumerate(forms)]
    build_s = time.perf_counter() - start
    distinct = len(set(workbooks))

    profiler = cProfile.Profile() if args.profile else None
    timings_ms: list[float] = []
    cpu_ms: list[float] = []
    values = 0
    for target, data in zip(forms, workbooks, strict=True):
        start, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            result = profiler.runcall(parse_workbook, data, target)
        else:
            result = parse_workbook(data, target)
        timings_ms.append((time.perf_counter() - start) * 1000)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        if not result.ok:
            raise SystemExit(f"{target.unit_code}: the filled workbook was refused: {result.problems[:3]}")
        values += len(result.values)

    median = statistics.median(timings_ms)
    record = {
        "bench": "forms",
        "load_1m": round(os.getloadavg()[0], 2),  # other work on this machine skews the figures
        "plan": BUNDLED_PLAN.name,
        "deliverable": DELIVERABLE,
        "forms": args.forms,
        "distinct_workbooks": distinct,
        "units": len({t.unit_code for t in forms}),
        "mean_bytes": round(sum(map(len, workbooks)) / len(workbooks)),
        "values_per_workbook": values // len(workbooks),
        "build_fill_s": round(build_s, 2),
        "first_ms": round(timings_ms[0], 1),
        "median_ms": round(median, 1),
        "p95_ms": round(quantile(timings_ms, 0.95), 1),
        "max_ms": round(max(timings_ms), 1),
        "cpu_median_ms": round(statistics.median(cpu_ms), 1),
        "goal_median_ms": GOAL_MEDIAN_MS,
        "profiled": args.profile,
    }
    verdict = "ok" if median < GOAL_MEDIAN_MS else "MISSED"
    print_table(
        f"parse_workbook on {args.forms} filled {DELIVERABLE} workbooks (Phụ lục I–IV)",
        [
            ("workbooks (distinct) / communes", f"{args.forms} ({distinct}) / {record['units']}"),
            (
                "size, values read per workbook",
                f"{record['mean_bytes'] / 1024:.1f} KB, {record['values_per_workbook']}",
            ),
            ("build + fill (not timed)", f"{build_s:.1f} s"),
            ("first parse", f"{record['first_ms']} ms"),
            ("median (goal < 50 ms)", f"{record['median_ms']} ms  {verdict}"),
            ("p95 / max", f"{record['p95_ms']} ms / {record['max_ms']} ms"),
            ("median CPU time of this process", f"{record['cpu_median_ms']} ms"),
            ("load average, 1 min (2 cores; others' jobs count)", str(record["load_1m"])),
        ],
    )
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            print(f"\n--- cProfile of {args.forms} parses, sorted by {order} ---")
            pstats.Stats(profiler).sort_stats(order).print_stats(25)
    if not args.no_record:
        append_result(record)


if __name__ == "__main__":
    main()
