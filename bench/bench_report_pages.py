"""How many pages the consolidated report's body takes for a province of 3,321 units.

    python -m bench.bench_report_pages [--units 3321] [--out DIR]

The bundled province plan (cao-bang-2026.yaml) with its communes multiplied to --units units, every
unit answering every duty it holds with a two-sentence narrative and three units in ten missing:
the report is built (DOCX, PDF with LibreOffice) from that input directly, with no store, and the
PDF's pages are counted: all of them, and the body's (up to the first appendix). The goal of
issue 13, item 7: the body under 40 pages (decisions.md, "A report a chairman reads").
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.pages import pages_of
from dutyflow.paths import PLANS_DIR
from dutyflow.plan import UnitKind, load_plan
from dutyflow.report.build import build_from_input
from dutyflow.report.data import DutyReport, ReportInput, duty_holders

GOAL_BODY_PAGES = 40
STATUSES = ("Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện")


def province_input(units: int) -> ReportInput:
    plan = load_plan(PLANS_DIR / "cao-bang-2026.yaml")
    communes = [u for u in plan.units if u.kind in (UnitKind.COMMUNE, UnitKind.WARD)]
    others = [u for u in plan.units if u not in communes]
    grown = [
        communes[n % len(communes)].model_copy(
            update={
                "code": f"xa-{n:04d}",
                "name": f"UBND xã Thử Nghiệm {n}",
                "short_name": f"Xã Thử Nghiệm {n}",
                "gso_code": None,
            }
        )
        for n in range(max(units - len(others), 0))
    ]
    plan = plan.model_copy(update={"units": [*others, *grown]})
    owing = frozenset(u.code for u in plan.units if u.kind != UnitKind.OFFICE)
    reporting = frozenset(code for n, code in enumerate(sorted(owing)) if n % 10 not in (3, 6, 9))
    holders = duty_holders(plan)
    reports = tuple(
        DutyReport(
            unit=code,
            duty=duty.code,
            status=STATUSES[(n + d) % 3],
            narrative=(
                f"Đơn vị đã triển khai nhiệm vụ {duty.section} theo kế hoạch, tổ chức {n % 7 + 1} hội nghị, "
                f"{n % 5 + 2} buổi tuyên truyền tại cơ sở. Kết quả cụ thể được báo cáo tại biểu số liệu kèm theo."
            ),
        )
        for d, duty in enumerate(plan.duties)
        for n, code in enumerate(sorted(holders[duty.code] & reporting))
    )
    return ReportInput(
        plan=plan,
        as_of=dt.date(2026, 11, 19),
        consolidated=next(d.code for d in plan.deliverables if d.kind == "consolidated"),
        obligations=(),
        indicator_sums={},
        value_units=owing,
        reporting_units=reporting,
        duty_reports=reports,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="dutyflow-report-pages-"))
    report_input = province_input(args.units)
    started = time.perf_counter()
    files = build_from_input(report_input, out, final=True, pdf=True)
    seconds = time.perf_counter() - started
    if files.pdf is None:
        raise SystemExit("; ".join(files.notes))
    pages = pages_of(files.pdf)
    verdict = "ok" if pages.body < GOAL_BODY_PAGES else "OVER"
    print(
        f"{len(report_input.plan.units)} units, {len(report_input.duty_reports)} answers: body {pages.body} pages "
        f"(goal < {GOAL_BODY_PAGES}: {verdict}), {pages.total} pages in all, spreadsheet "
        f"{files.narratives.name if files.narratives else '-'}; built in {seconds:.1f} s, in {out}"
    )


if __name__ == "__main__":
    main()
