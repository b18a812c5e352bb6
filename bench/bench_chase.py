"""The chase's finding pass at national scale, against a bare scan of the obligations table.

    python -m bench.bench_chase [--db sqlite|postgresql|both] [--communes 10500] [--districts 700]
                                [--announce assign|update] [--repeat 5] [--profile]

Per backend, on a fresh store: generate the plan, load it, announce every obligation, then on
26/5/2025 (every unit's 6-month report is a week late: its escalation step is due) measure
(a) the finding pass, `units_to_chase(now)` + `due_notices(those unit codes, today, now)`; also,
    for information, `due_notices(None, today, now)` (every unit, no list of codes);
(b) `SELECT * FROM obligations` fetched into Python on the same store; the goal is a <= 2 b, each
    timed with the garbage collector paused (`bench.common.timed_quiet`), median of --repeat
    interleaved runs; then with it running, the mean of --repeat runs in a row of each;
(c) the finding pass's memory: tracemalloc peak and resident-set growth; the goal is < 300 MB.
Results are printed and appended to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.exc import OperationalError

from bench.common import (
    append_result,
    gc_running,
    print_table,
    proc_status_kb,
    reset_peak_rss,
    timed,
    timed_quiet,
    trim_heap,
)
from bench.generate_plan import write_plan
from dutyflow.chase import step_day
from dutyflow.mail import Address, MailRenderer, MemoryTransport
from dutyflow.notify import MailSetup, Notifier
from dutyflow.plan import load_plan
from dutyflow.states import ObligationState
from dutyflow.store.db import make_engine, session_scope, upgrade
from dutyflow.store.models import NotificationRow, ObligationRow
from dutyflow.store.sync import load_plan_into_store

PG_URL = os.environ.get("DUTYFLOW_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOAD_DAY = dt.date(2025, 4, 20)
ASSIGN_DAY = dt.date(2025, 4, 21)
CHASE_DAY = dt.date(2025, 5, 26)
"""A Monday a week after the 6-month report's last day (19/5): its escalation step falls today, and
the implementation plan (last day 9/5) is past the end of its ladder: every unit gets a step."""
GOAL_RATIO = 2.0
GOAL_MB = 300.0
Timer = Callable[[Callable[[], Any]], tuple[Any, float]]


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8), tzinfo=TZ)


# --------------------------------------------------------------------------- store


@contextmanager
def fresh_store(backend: str, folder: Path) -> Iterator[Engine]:
    """A migrated, empty store: a SQLite file in `folder`, or a throw-away PostgreSQL schema."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'store.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_schema(admin, schema)
        admin.dispose()


def drop_schema(admin: Engine, schema: str, attempts: int = 5) -> None:
    """Drop the throw-away schema, retrying while the server restarts (others share it)."""
    for attempt in range(attempts):
        try:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            return
        except OperationalError:
            admin.dispose()  # connections to a restarted server are dead
            time.sleep(2 * (attempt + 1))
    print(f"warning: could not drop schema {schema}; drop it by hand", file=sys.stderr)


def load_store(engine: Engine, plan_path: Path) -> dict[str, float]:
    """Parse and validate the plan file, then load it into the store; both timed."""
    plan, parse_s = timed(lambda: load_plan(plan_path))

    def store() -> None:
        with session_scope(engine) as session:
            load_plan_into_store(session, plan, plan_path, now=morning(LOAD_DAY), actor="bench")

    _, store_s = timed(store)
    return {"parse_s": parse_s, "store_s": store_s}


def make_notifier(engine: Engine) -> Notifier:
    office = Address("Văn phòng tổng hợp (thử tải)", "vanthu@vp.dutyflow-bench.example")
    mail = MailSetup(transport=MemoryTransport(), renderer=MailRenderer(), sender=office, reply_to=office)
    return Notifier(engine, mail)


def announce_by_assign(notifier: Notifier, chunk: int = 500) -> int:
    """The real path: one assignment email per unit (in memory), obligations announced, outbox rows kept."""
    codes = [unit.code for unit in notifier.units_to_assign(ASSIGN_DAY)]
    transport = notifier.mail.transport
    assert isinstance(transport, MemoryTransport)
    sent = 0
    for start in range(0, len(codes), chunk):
        outcome = notifier.assign(codes[start : start + chunk], ASSIGN_DAY, morning(ASSIGN_DAY))
        assert not outcome.failures and not outcome.unknown, outcome
        sent += len(outcome.sent)
        transport.sent.clear()  # keep memory flat; the messages themselves are not measured here
    return sent


def announce_by_update(engine: Engine, notifier: Notifier) -> int:
    """The shortcut: state='announced' and next_action_at = the first step's day (what assign would
    set), one UPDATE per distinct last day, in one transaction; no outbox rows."""
    first = notifier.plan.chase.steps[0]
    changed = 0
    with session_scope(engine) as session:
        days = session.scalars(select(ObligationRow.last_day).distinct()).all()
        for last_day in days:
            next_at = notifier.calendar.start_of_day(step_day(first, last_day, notifier.calendar))
            result = session.execute(
                update(ObligationRow)
                .where(ObligationRow.last_day == last_day, ObligationRow.state == ObligationState.PENDING)
                .values(state=ObligationState.ANNOUNCED, next_action_at=next_at)
            )
            changed += result.rowcount  # type: ignore[attr-defined]
    return changed


# --------------------------------------------------------------------------- the measured work


@dataclass
class Finding:
    units: int
    obligations: int
    notices: int
    units_s: float
    notices_s: float

    @property
    def total_s(self) -> float:
        return self.units_s + self.notices_s


def finding_pass(notifier: Notifier, timer: Timer = timed) -> Finding:
    """What the chase flow does before sending anything: who is due, and which messages."""
    now = morning(CHASE_DAY)
    units, units_s = timer(lambda: notifier.units_to_chase(now))
    due, notices_s = timer(lambda: notifier.due_notices([u.code for u in units], CHASE_DAY, now))
    return Finding(len(units), len(due.rounds), len(due.notices), units_s, notices_s)


def due_notices_for_all(notifier: Notifier, timer: Timer = timed) -> float:
    """Informative: due_notices(None, ...), every unit without naming them (no list of codes)."""
    now = morning(CHASE_DAY)
    return timer(lambda: notifier.due_notices(None, CHASE_DAY, now))[1]


def bare_scan(engine: Engine) -> int:
    """The floor: every obligation row fetched into Python tuples, no ORM, no logic."""
    with engine.connect() as connection:
        return len(connection.exec_driver_sql("SELECT * FROM obligations").fetchall())


def memory_of_finding(notifier: Notifier) -> dict[str, Any]:
    """Resident-set growth (VmHWM after - VmRSS before) and, in a second pass, the tracemalloc peak."""
    gc.collect()
    trim_heap()  # hand freed memory back first, or the pass may fit in what the process already holds
    hwm_reset = reset_peak_rss()
    rss_before = proc_status_kb("VmRSS")
    finding_pass(notifier)
    rss_peak = proc_status_kb("VmHWM" if hwm_reset else "VmRSS")
    gc.collect()
    tracemalloc.start()
    finding_pass(notifier)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rss_delta_mb": (rss_peak - rss_before) / 1024,
        "rss_method": "VmHWM-VmRSS" if hwm_reset else "VmRSS-VmRSS",
        "tracemalloc_peak_mb": traced_peak / 2**20,
    }


def profile_finding(notifier: Notifier, top: int = 30) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(finding_pass, notifier)
    for order in ("cumulative", "tottime"):
        print(f"\n--- cProfile of one finding pass, sorted by {order} ---")
        pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(top)


def store_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            "obligations": session.scalar(select(func.count(ObligationRow.id))) or 0,
            "notifications": session.scalar(select(func.count(NotificationRow.id))) or 0,
        }


# --------------------------------------------------------------------------- one backend


def run_backend(backend: str, plan_path: Path, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dutyflow-bench-") as tmp, fresh_store(backend, Path(tmp)) as engine:
        load = load_store(engine, plan_path)
        notifier = make_notifier(engine)
        if args.announce == "assign":
            announced, announce_s = timed(lambda: announce_by_assign(notifier))
        else:
            announced, announce_s = timed(lambda: announce_by_update(engine, notifier))
        counts = store_counts(engine)
        loadavg = os.getloadavg()[0]  # other work on the machine skews every figure: keep a trace of it
        memory = memory_of_finding(notifier)  # first: its RSS reading wants a process that has not yet grown
        scans: list[float] = []
        findings: list[Finding] = []
        for_all: list[float] = []
        for _ in range(args.repeat):  # interleaved, so all see the same cache and server state
            scans.append(timed_quiet(lambda: bare_scan(engine))[1])
            findings.append(finding_pass(notifier, timed_quiet))
            for_all.append(due_notices_for_all(notifier, timed_quiet))
        gc_on = {
            "scan": gc_running(lambda: bare_scan(engine), args.repeat),
            "finding": gc_running(lambda: finding_pass(notifier), args.repeat),
            "all": gc_running(lambda: due_notices_for_all(notifier), args.repeat),
        }
        if args.profile:
            profile_finding(notifier)
    finding = min(findings, key=lambda f: f.total_s)
    finding_s = statistics.median(f.total_s for f in findings)
    scan_s = statistics.median(scans)
    return {
        "bench": "chase",
        "backend": backend,
        "communes": args.communes,
        "districts": args.districts,
        "units": 1 + args.communes + args.districts,
        **counts,
        "announce": args.announce,
        "announced": announced,
        "announce_s": round(announce_s, 2),
        "plan_parse_s": round(load["parse_s"], 2),
        "plan_load_s": round(load["store_s"], 2),
        "chase_day": CHASE_DAY.isoformat(),
        "units_to_chase": finding.units,
        "obligations_found": finding.obligations,
        "notices": finding.notices,
        "repeat": args.repeat,
        "units_to_chase_s": round(statistics.median(f.units_s for f in findings), 3),
        "due_notices_s": round(statistics.median(f.notices_s for f in findings), 3),
        "due_notices_all_s": round(statistics.median(for_all), 3),
        "finding_s": round(finding_s, 3),
        "scan_s": round(scan_s, 3),
        "ratio": round(finding_s / scan_s, 2),
        "gc_on_finding_s": round(gc_on["finding"], 3),
        "gc_on_all_s": round(gc_on["all"], 3),
        "gc_on_scan_s": round(gc_on["scan"], 3),
        "gc_on_ratio": round(gc_on["finding"] / gc_on["scan"], 2),
        "gc_on_all_ratio": round(gc_on["all"] / gc_on["scan"], 2),
        "goal_ratio": GOAL_RATIO,
        "tracemalloc_peak_mb": round(memory["tracemalloc_peak_mb"], 1),
        "rss_delta_mb": round(memory["rss_delta_mb"], 1),
        "rss_method": memory["rss_method"],
        "goal_mb": GOAL_MB,
        "loadavg_before_1m": round(loadavg, 2),
    }


def report(result: dict[str, Any]) -> None:
    ok = {True: "ok", False: "MISSED"}
    ratio_ok = result["ratio"] <= GOAL_RATIO
    mb = max(result["tracemalloc_peak_mb"], result["rss_delta_mb"])
    rows = [
        (
            "units / obligations / outbox rows",
            f"{result['units']} / {result['obligations']} / {result['notifications']}",
        ),
        ("plan parse + validate", f"{result['plan_parse_s']:.2f} s"),
        ("plan load into store", f"{result['plan_load_s']:.2f} s"),
        (f"announce ({result['announce']})", f"{result['announce_s']:.2f} s, {result['announced']}"),
        (
            "units to chase / obligations / notices",
            f"{result['units_to_chase']} / {result['obligations_found']} / {result['notices']}",
        ),
        (
            "(a) finding pass",
            f"{result['finding_s']:.3f} s (units_to_chase {result['units_to_chase_s']:.3f} + due_notices {result['due_notices_s']:.3f})",
        ),
        ("    due_notices(None, ...) instead", f"{result['due_notices_all_s']:.3f} s (informative)"),
        ("(b) bare SELECT * FROM obligations", f"{result['scan_s']:.3f} s"),
        ("    ratio a/b (goal <= 2)", f"{result['ratio']:.2f}x  {ok[ratio_ok]}"),
        (
            "with the garbage collector running",
            f"a {result['gc_on_finding_s']:.3f} s, None {result['gc_on_all_s']:.3f} s, b {result['gc_on_scan_s']:.3f} s: "
            f"{result['gc_on_ratio']:.2f}x ({result['gc_on_all_ratio']:.2f}x with None)",
        ),
        ("(c) tracemalloc peak", f"{result['tracemalloc_peak_mb']:.1f} MB"),
        ("    RSS growth", f"{result['rss_delta_mb']:.1f} MB ({result['rss_method']})"),
        ("    memory (goal < 300 MB)", ok[mb < GOAL_MB]),
        ("load average before (2 cores)", f"{result['loadavg_before_1m']:.2f}"),
    ]
    print_table(
        f"chase finding pass on {result['backend']} ({result['chase_day']}, median of {result['repeat']})", rows
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--districts", type=int, default=700)
    parser.add_argument("--announce", choices=["assign", "update"], default="assign")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one finding pass")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/results.jsonl")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="dutyflow-plan-") as tmp:
        plan_path = write_plan(Path(tmp) / "plan.yaml", args.communes, args.districts)
        for backend in backends:
            result = run_backend(backend, plan_path, args)
            report(result)
            if not args.no_record:
                append_result(result)


if __name__ == "__main__":
    main()
