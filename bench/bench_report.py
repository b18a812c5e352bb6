"""The district report at national scale: collecting and aggregating the figures, against one SQL
GROUP BY over the same values; then rendering the DOCX and converting it to PDF.

    python -m bench.bench_report [--communes 10500] [--districts 700] [--db sqlite|postgresql|both]
                                 [--repeat 3] [--pdf-timeout 1800] [--no-render | --no-pdf]
                                 [--out DIR] [--profile] [--no-record]

The plan is bench/generate_plan.py's, with two additions it lacks for a report: a consolidated
deliverable (the office's report, inputs: the 6-month and the annual report, as in the bundled
plan) and Phụ lục IV (the bundled plan's funding table); both reports then carry Phụ lục I–IV.
Per backend, on a fresh store: load the plan, then insert (SQLAlchemy core `insert()`,
executemany) accepted submissions with values for all four appendices for every commune: the
6-month report (v1), the annual report (v1; every 10th commune also an accepted v2 with other
figures; every 25th a returned v3, holding no values), and measure:
(a) the report's figures: `report.figures.indicator_sums` and `table_sums` (the database adds up
    the latest accepted versions by the rules: units that count, both figures of a rate, periods
    combined) and `results_from_sums` (the indicators, their rounding and attainment);
(b) one SQL GROUP BY: Σ per cell (Phụ lục I's data elements, the tables' cells) over the same
    values, without the rules; the goal is a <= 2 b, each timed with the garbage collector paused
    (`bench.common.timed_quiet`, median of --repeat interleaved runs), then with it running (mean
    of --repeat runs in a row of each); both must give the same sums
    (checked: in this data set every commune reports every figure). Informative: all of
    `collect` (the plan, completeness, narratives, figures), and the time to fetch every value
    row of those versions as plain tuples (what the report read before the figures moved to SQL);
(c) once, on the first backend: `build_from_input` without PDF (charts, DOCX, HTML; timed per
    stage) and `convert_to_pdf` (LibreOffice) of that DOCX, with the page count (pdfinfo).
Memory: the tracemalloc peak of (a); the resident-set growth (VmHWM) of (c), whose chart buffers
tracemalloc does not see. Results are printed and appended to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import functools
import gc
import os
import pstats
import shutil
import statistics
import subprocess
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Engine, and_, func, insert, or_, select

import dutyflow.report.build as report_build
from bench.bench_chase import fresh_store
from bench.common import append_result, gc_running, print_table, proc_status_kb, reset_peak_rss, timed, timed_quiet
from bench.generate_plan import OFFICE, plan_document
from dutyflow.indicators import IndicatorResult, results_from_sums
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.report import figures as report_figures
from dutyflow.report.collect import collect, value_source
from dutyflow.report.data import ReportInput, TableSum, consolidated_deliverable, value_periods
from dutyflow.report.figures import Source
from dutyflow.report.pdf import DEFAULT_TIMEOUT, convert_to_pdf
from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import DataValueRow, DeliverableRow, ObligationRow, PlanRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store

T = TypeVar("T")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AS_OF = dt.date(2025, 11, 24)
REPORTS = ("bao-cao-6-thang", "bao-cao-nam")
STATUSES = ("Đã hoàn thành", "Đang thực hiện", "Chưa thực hiện")
GOAL_RATIO = 2.0
CHUNK = 20_000


def at(day: str, hour: int) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=TZ)


# --------------------------------------------------------------------------- the plan


def write_report_plan(out: Path, communes: int, districts: int) -> Path:
    """generate_plan's document plus Phụ lục IV and the consolidated deliverable."""
    document = plan_document(communes, districts)
    bundled = yaml.load(BUNDLED_PLAN.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    document["forms"].append(next(form for form in bundled["forms"] if form["code"] == "PL4"))
    for deliverable in document["deliverables"]:
        if deliverable["code"] in REPORTS:
            deliverable["forms"] = ["PL1", "PL2", "PL3", "PL4"]
    document["deliverables"].append(
        {
            "code": "bao-cao-tong-hop",
            "name": "Báo cáo kết quả thực hiện công tác trẻ em năm 2025 (tổng hợp)",
            "kind": "consolidated",
            "units": [OFFICE],
            "inputs": list(REPORTS),
            "attachments": True,
            "due": dt.date(2025, 11, 25),
            "rule": "before",
            "cutoff": dt.date(2025, 11, 15),
            "period_label": "năm 2025",
            "requires_acceptance": False,
        }
    )
    header = f"# bench/bench_report.py: generate_plan({communes}, {districts}) + Phụ lục IV + consolidated report\n"
    body = yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=1000)
    out.write_text(header + body, encoding="utf-8")
    return out


# --------------------------------------------------------------------------- the data set


def figures(n: int, version: int) -> list[tuple[str, str, str, Decimal | None, str | None]]:
    """Commune n's values (form, row, column, number, text) for all four appendices, version `version`."""
    under5 = 400 + n % 300 + 10 * version
    special = 10 + n % 40 + version
    boys, girls = 5 + n % 11, 4 + n % 13
    values: list[tuple[str, str, str, Decimal | None, str | None]] = [
        ("PL1", "tre_duoi_5", "value", Decimal(under5), None),
        ("PL1", "tre_duoi_5_khai_sinh", "value", Decimal(under5 - (n + version) % 7), None),
        ("PL1", "tre_hcdb", "value", Decimal(special), None),
        ("PL1", "tre_hcdb_tro_giup", "value", Decimal(special - n % 5), None),
        ("PL2", "V.2", "status", None, STATUSES[(n + version) % 3]),
        (
            "PL2",
            "V.2",
            "narrative",
            None,
            f"Đã rà soát {special} trẻ em có hoàn cảnh đặc biệt tại {n % 12 + 3} thôn, xóm; "
            f"lập danh sách, đề nghị hỗ trợ {special - n % 5} trẻ em (lần {version}).",
        ),
        ("PL3", "tong", "nam", Decimal(boys), None),
        ("PL3", "tong", "nu", Decimal(girls), None),
        ("PL3", "tro_giup", "nam", Decimal(boys - n % 3), None),
        ("PL3", "tro_giup", "nu", Decimal(girls - n % 4), None),
    ]
    for index, source in enumerate(
        ("ngan_sach_trung_uong", "ngan_sach_dia_phuong", "ctmtqg", "quy_bao_tro", "xa_hoi_hoa", "khac")
    ):
        planned = Decimal(1000 + (n * (index + 3)) % 5000) + Decimal("0.5") * version
        values.append(("PL4", source, "ke_hoach", planned, None))
        values.append(("PL4", source, "thuc_hien", planned - (n + index) % 200, None))
    return values


def insert_data_set(engine: Engine) -> dict[str, int]:
    """Submissions and values for every commune's two reports, in bulk (core insert, executemany)."""
    with engine.connect() as connection:
        obligations = connection.execute(
            select(ObligationRow.id, UnitRow.gso_code, DeliverableRow.code)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(UnitRow.kind.in_(["commune", "town"]), DeliverableRow.code.in_(REPORTS))
            .order_by(ObligationRow.id)
        ).all()
    submissions: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []

    def submit(obligation_id: int, version: int, status: SubmissionStatus, received_at: dt.datetime, n: int | None) -> None:
        sid = len(submissions) + 1
        submissions.append(
            {
                "id": sid,
                "obligation_id": obligation_id,
                "version": version,
                "channel": SubmissionChannel.PORTAL,
                "received_at": received_at,
                "submitted_by": "bench",
                "status": status,
                "reasons": [] if status == SubmissionStatus.ACCEPTED else ["Phụ lục I, ô G12: số liệu chưa khớp"],
                "decided_at": received_at,
                "decided_by": "dutyflow",
            }
        )
        for form, row, column, number, text in figures(n, version) if n is not None else ():
            values.append(
                {
                    "id": len(values) + 1,
                    "submission_id": sid,
                    "form": form,
                    "row": row,
                    "column": column,
                    "number": number,
                    "text": text,
                }
            )

    for obligation_id, gso, deliverable in obligations:
        n = int(gso or 0)  # every commune of the generated plan has a GSO code
        if deliverable == "bao-cao-6-thang":
            submit(obligation_id, 1, SubmissionStatus.ACCEPTED, at("2025-05-16", 9), n)
            continue
        submit(obligation_id, 1, SubmissionStatus.ACCEPTED, at("2025-11-12", 9), n)
        if n % 10 == 0:
            submit(obligation_id, 2, SubmissionStatus.ACCEPTED, at("2025-11-13", 9), n)
        if n % 25 == 0:
            submit(obligation_id, 3, SubmissionStatus.RETURNED, at("2025-11-14", 9), None)
    with engine.begin() as connection:
        for table, rows in ((SubmissionRow, submissions), (DataValueRow, values)):
            for start in range(0, len(rows), CHUNK):
                connection.execute(insert(table), rows[start : start + CHUNK])
    return {"submissions": len(submissions), "data_values": len(values)}


# --------------------------------------------------------------------------- (a) and (b)


def figures_pass(engine: Engine, src: Source) -> tuple[list[IndicatorResult], dict[str, TableSum], float]:
    """(a): the report's figures, store -> indicator sums and table totals -> indicators."""
    start = time.perf_counter()
    with session_scope(engine) as session:
        sums = report_figures.indicator_sums(session, src)
        tables = report_figures.table_sums(session, src)
    results = results_from_sums(src.plan, sums)
    return results, tables, time.perf_counter() - start


def collect_pass(engine: Engine) -> tuple[ReportInput, float]:
    """Informative: all the report reads, `collect` (the plan, completeness, narratives, figures)."""
    start = time.perf_counter()
    with session_scope(engine) as session:
        report_input = collect(session, None, AS_OF)
    return report_input, time.perf_counter() - start


def latest_accepted(plan: Plan, plan_id: int) -> Any:
    """(obligation_id, version) of the latest accepted version of each obligation of the report's
    value periods, received by the end of AS_OF."""
    periods = value_periods(plan, consolidated_deliverable(plan))
    until = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)
    return (
        select(SubmissionRow.obligation_id, func.max(SubmissionRow.version).label("version"))
        .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(
            ObligationRow.plan_id == plan_id,
            or_(*(and_(DeliverableRow.code == p.deliverable, ObligationRow.period == p.period) for p in periods)),
            SubmissionRow.status == SubmissionStatus.ACCEPTED,
            SubmissionRow.received_at < until,
        )
        .group_by(SubmissionRow.obligation_id)
        .subquery()
    )


def value_query(plan: Plan, plan_id: int, *columns: Any) -> Any:
    latest = latest_accepted(plan, plan_id)
    return (
        select(*columns)
        .select_from(latest)
        .join(
            SubmissionRow,
            and_(SubmissionRow.obligation_id == latest.c.obligation_id, SubmissionRow.version == latest.c.version),
        )
        .join(DataValueRow, DataValueRow.submission_id == SubmissionRow.id)
    )


def plan_id_of(engine: Engine, plan: Plan) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(PlanRow.id).where(PlanRow.code == plan.plan.code)).scalar_one())


def sql_sums(engine: Engine, plan: Plan, plan_id: int) -> dict[tuple[str, str, str], Decimal]:
    """(b): Σ of each cell (data elements of Phụ lục I, cells of the tables) over the latest
    accepted versions, in one GROUP BY: the values (a) adds up, without its rules."""
    indicator_forms = [form.code for form in plan.forms if form.kind == "indicators"]
    table_forms = [form.code for form in plan.forms if form.kind == "table"]
    query = (
        value_query(
            plan, plan_id, DataValueRow.form, DataValueRow.row, DataValueRow.column, func.sum(DataValueRow.number)
        )
        .where(
            or_(
                and_(DataValueRow.form.in_(indicator_forms), DataValueRow.column == "value"),
                DataValueRow.form.in_(table_forms),
            ),
            DataValueRow.number.is_not(None),
        )
        .group_by(DataValueRow.form, DataValueRow.row, DataValueRow.column)
    )
    with engine.connect() as connection:
        return {(form, row, column): Decimal(total) for form, row, column, total in connection.execute(query)}


def value_rows(engine: Engine, plan: Plan, plan_id: int) -> int:
    """Informative: every value row of those versions (all forms, as collect reads them), fetched
    as plain tuples through SQLAlchemy core: the cost of moving the rows, without the ORM or logic."""
    columns = (SubmissionRow.obligation_id, DataValueRow.form, DataValueRow.row, DataValueRow.column)
    query = value_query(plan, plan_id, *columns, DataValueRow.number, DataValueRow.text)
    with engine.connect() as connection:
        return len(connection.execute(query.order_by(SubmissionRow.obligation_id, DataValueRow.id)).all())


def compare(
    results: list[IndicatorResult], tables: dict[str, TableSum], plan: Plan, sums: dict[tuple[str, str, str], Decimal]
) -> list[str]:
    """Differences between (a) and the plain SQL sums (empty when they agree). In this data set
    every commune reports every figure and the indicators count every unit, so they must."""
    problems = []
    element = {row: total for (form, row, _), total in sums.items() if form == "PL1"}
    for result in results:
        indicator = next(i for i in plan.indicators if i.code == result.code)
        if result.numerator != element.get(indicator.numerator):
            problems.append(f"{result.code} numerator {result.numerator} != SQL {element.get(indicator.numerator)}")
        if indicator.denominator and result.denominator != element.get(indicator.denominator):
            problems.append(
                f"{result.code} denominator {result.denominator} != SQL {element.get(indicator.denominator)}"
            )
    cells = {
        (form, row, column): total for form, table in tables.items() for (row, column), total in table.cells.items()
    }
    plain = {key: total for key, total in sums.items() if key[0] != "PL1"}
    if {k: v.normalize() for k, v in cells.items()} != {k: v.normalize() for k, v in plain.items()}:
        problems.append(f"table totals differ: {len(cells)} cells against {len(plain)}")
    return problems


# --------------------------------------------------------------------------- (c) rendering


@contextmanager
def stage_timers(names: tuple[str, ...]) -> Iterator[dict[str, float]]:
    """Time the functions build_from_input calls, by wrapping them in its module for the duration."""
    spent: dict[str, float] = {}
    originals = {name: getattr(report_build, name) for name in names}

    def wrap(name: str, fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def timed_call(*args: Any, **kwargs: Any) -> T:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return timed_call

    for name, fn in originals.items():
        setattr(report_build, name, wrap(name, fn))
    try:
        yield spent
    finally:
        for name, fn in originals.items():
            setattr(report_build, name, fn)


STAGES = ("report_context", "draw_charts", "template_context", "render_docx", "render_html")


def where_it_failed(exc: BaseException) -> str:
    """The innermost frame of dutyflow's own code, and the exception."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/dutyflow/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} ({frame.name}): {type(exc).__name__}: {str(exc)[:300]}"


def page_count(pdf: Path) -> int | None:
    if shutil.which("pdfinfo") is None:
        return None
    done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def render(report_input: ReportInput, out_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """(c): build_from_input without PDF (timed per stage), then the PDF of its DOCX."""
    out: dict[str, Any] = {}
    profiler = cProfile.Profile() if args.profile else None
    rss_before = proc_status_kb("VmRSS")
    reset_peak_rss()
    with stage_timers(STAGES) as spent:
        start = time.perf_counter()
        try:
            call = functools.partial(report_build.build_from_input, report_input, out_dir, final=False, pdf=False)
            files = profiler.runcall(call) if profiler is not None else call()
        except Exception as exc:
            out["build_error"] = where_it_failed(exc)
            files = None
        out["build_s"] = round(time.perf_counter() - start, 2)
    out["build_stages_s"] = {name: round(value, 2) for name, value in spent.items()}
    out["build_rss_growth_mb"] = round((proc_status_kb("VmHWM") - rss_before) / 1024, 1)
    if profiler is not None:
        for order in ("cumulative", "tottime"):
            print(f"\n--- cProfile of build_from_input (no PDF), sorted by {order} ---")
            pstats.Stats(profiler).sort_stats(order).print_stats(30)
    if files is None:
        return out
    out["docx_mb"] = round(files.docx.stat().st_size / 1e6, 2)
    out["html_mb"] = round(files.html.stat().st_size / 1e6, 2)
    out["charts_kb"] = {name: round(path.stat().st_size / 1024) for name, path in files.charts.items()}
    if args.no_pdf:
        return out
    start = time.perf_counter()
    try:
        pdf = convert_to_pdf(files.docx, out_dir, timeout=args.pdf_timeout)
    except Exception as exc:
        out["pdf_error"] = where_it_failed(exc)
        out["pdf_s"] = round(time.perf_counter() - start, 1)
        return out
    out["pdf_s"] = round(time.perf_counter() - start, 1)
    out["pdf_mb"] = round(pdf.stat().st_size / 1e6, 2)
    out["pdf_pages"] = page_count(pdf)
    out["pdf_within_default_timeout"] = out["pdf_s"] <= DEFAULT_TIMEOUT
    return out


# --------------------------------------------------------------------------- one backend


def run_backend(backend: str, plan_path: Path, args: argparse.Namespace, *, render_report: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dutyflow-bench-report-") as tmp, fresh_store(backend, Path(tmp)) as engine:
        plan = load_plan(plan_path)

        def load() -> None:
            with session_scope(engine) as session:
                load_plan_into_store(session, plan, plan_path, now=at("2025-04-20", 8), actor="bench")

        _, load_s = timed(load)
        counts, insert_s = timed(lambda: insert_data_set(engine))
        plan_id = plan_id_of(engine, plan)
        with session_scope(engine) as session:
            src = value_source(session, None, AS_OF)  # the plan as the report reads it; not timed
        figures_s: list[float] = []
        sql_s: list[float] = []
        fetch_s: list[float] = []
        collect_s: list[float] = []
        for _ in range(args.repeat):  # interleaved: both see the same caches
            sums, seconds = timed_quiet(lambda: sql_sums(engine, plan, plan_id))
            sql_s.append(seconds)
            (results, tables, _), seconds = timed_quiet(lambda: figures_pass(engine, src))
            figures_s.append(seconds)
            fetched, seconds = timed(lambda: value_rows(engine, plan, plan_id))
            fetch_s.append(seconds)
            report_input, seconds = collect_pass(engine)
            collect_s.append(seconds)
        gc_on = {
            "sql": gc_running(lambda: sql_sums(engine, plan, plan_id), args.repeat),
            "figures": gc_running(lambda: figures_pass(engine, src), args.repeat),
        }
        gc.collect()
        tracemalloc.start()
        figures_pass(engine, src)
        traced_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        problems = compare(results, tables, plan, sums)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(collect_pass, engine)
            for order in ("cumulative", "tottime"):
                print(f"\n--- cProfile of collect ({backend}), sorted by {order} ---")
                pstats.Stats(profiler).sort_stats(order).print_stats(25)
        a_s = statistics.median(figures_s)
        b_s = statistics.median(sql_s)
        result: dict[str, Any] = {
            "bench": "report",
            "load_1m": round(os.getloadavg()[0], 2),  # other work on this machine skews the figures
            "backend": backend,
            "communes": args.communes,
            "districts": args.districts,
            "units": len(plan.units),
            "obligations": len(report_input.obligations),
            **counts,
            "plan_load_s": round(load_s, 2),
            "insert_s": round(insert_s, 2),
            "repeat": args.repeat,
            "figures_s": round(a_s, 3),
            "sql_s": round(b_s, 3),
            "ratio": round(a_s / b_s, 2),
            "gc_on_figures_s": round(gc_on["figures"], 3),
            "gc_on_sql_s": round(gc_on["sql"], 3),
            "gc_on_ratio": round(gc_on["figures"] / gc_on["sql"], 2),
            "collect_s": round(statistics.median(collect_s), 3),
            "value_rows": fetched,
            "fetch_rows_s": round(statistics.median(fetch_s), 3),
            "goal_ratio": GOAL_RATIO,
            "figures_tracemalloc_peak_mb": round(traced_peak_mb, 1),
            "same_sums": not problems,
            "differences": problems[:5],
            "reporting_units": len(report_input.reporting_units),
            "value_units": len(report_input.value_units),
            "indicators": {r.code: str(r.value) for r in results},
        }
        if render_report:
            result["render"] = render(report_input, args.out or Path(tmp) / "report", args)
    return result


def report(result: dict[str, Any]) -> None:
    ok = {True: "ok", False: "MISSED"}
    rows = [
        ("units / obligations (report inputs)", f"{result['units']} / {result['obligations']}"),
        ("submissions / data values inserted", f"{result['submissions']} / {result['data_values']}"),
        ("plan load / bulk insert", f"{result['plan_load_s']} s / {result['insert_s']} s"),
        ("(a) the figures (indicator sums, table totals)", f"{result['figures_s']:.3f} s"),
        ("(b) one SQL GROUP BY over the same values", f"{result['sql_s']:.3f} s"),
        ("    ratio a/b (goal <= 2)", f"{result['ratio']:.2f}x  {ok[result['ratio'] <= GOAL_RATIO]}"),
        (
            "    with the garbage collector running",
            f"a {result['gc_on_figures_s']:.3f} s, b {result['gc_on_sql_s']:.3f} s: {result['gc_on_ratio']:.2f}x",
        ),
        ("    same sums", "yes" if result["same_sums"] else f"NO: {result['differences']}"),
        ("    tracemalloc peak of (a)", f"{result['figures_tracemalloc_peak_mb']} MB"),
        (
            "informative: all of collect",
            f"{result['collect_s']:.3f} s (plan, completeness of {result['obligations']} obligations, "
            "narratives, figures)",
        ),
        (
            "informative: fetch the value rows (core)",
            f"{result['fetch_rows_s']:.3f} s for {result['value_rows']} rows (all forms)",
        ),
        ("indicators", ", ".join(f"{k} {v}" for k, v in result["indicators"].items())),
        ("load average, 1 min (2 cores; others' jobs count)", str(result["load_1m"])),
    ]
    rendered = result.get("render")
    if rendered:
        stages = ", ".join(f"{k} {v}" for k, v in rendered["build_stages_s"].items())
        rows.append(("(c) build_from_input, no PDF", f"{rendered['build_s']} s ({stages})"))
        rows.append(("    resident memory growth (VmHWM)", f"{rendered['build_rss_growth_mb']} MB"))
        if "build_error" in rendered:
            rows.append(("    FAILED", rendered["build_error"]))
        else:
            rows.append(("    DOCX / HTML size", f"{rendered['docx_mb']} MB / {rendered['html_mb']} MB"))
            rows.append(("    charts", ", ".join(f"{k} {v} KB" for k, v in rendered["charts_kb"].items())))
        if "pdf_error" in rendered:
            rows.append(("    PDF FAILED", f"after {rendered['pdf_s']} s: {rendered['pdf_error']}"))
        elif "pdf_s" in rendered:
            within = ok[rendered["pdf_within_default_timeout"]]
            rows.append(
                (
                    "    PDF (LibreOffice)",
                    f"{rendered['pdf_s']} s, {rendered['pdf_pages']} pages, {rendered['pdf_mb']} MB; "
                    f"within the default {DEFAULT_TIMEOUT:.0f} s timeout: {within}",
                )
            )
    print_table(f"district report on {result['backend']} ({result['communes']} communes, as of {AS_OF})", rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf-timeout", type=float, default=1800.0, help="seconds (the engine's default: 180)")
    parser.add_argument("--no-render", action="store_true", help="skip (c), the DOCX and the PDF")
    parser.add_argument("--no-pdf", action="store_true", help="render the DOCX but skip the PDF")
    parser.add_argument("--out", type=Path, help="keep the report's files (DOCX, PDF, HTML, charts) here")
    parser.add_argument("--profile", action="store_true", help="print cProfiles of (a) and of the DOCX build")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.jsonl")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="dutyflow-plan-") as tmp:
        plan_path = write_report_plan(Path(tmp) / "plan.yaml", args.communes, args.districts)
        for number, backend in enumerate(backends):
            result = run_backend(backend, plan_path, args, render_report=number == 0 and not args.no_render)
            report(result)
            if not args.no_record:
                append_result(result)


if __name__ == "__main__":
    main()
