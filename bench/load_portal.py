"""Load test of the portal: a province's last-day rush, 3,321 units uploading their report within an
hour, while office staff browse the console; on PostgreSQL, with two server processes.

    python -m bench.load_portal [--districts 20 --communes 3300] [--compress 12] [--office-users 3]
                                [--workers 2] [--upload-users 40]

1. A synthetic plan (`bench.generate_plan`: 1 office, 20 districts, 3,300 communes = 3,321 units)
   is loaded into a throw-away PostgreSQL schema; every unit gets its link, one office account is
   made. Each unit's workbook of "Báo cáo 6 tháng" is filled (untimed, two processes).
2. The arrival pattern: the hour before the last day's closing, busier towards its end (the density
   of arrivals grows linearly: a unit arrives at 3600·√u seconds, u uniform, seeded); it is played
   `--compress` times faster (12: the hour in 5 minutes, the same shape).
3. `uvicorn bench.load_app:make --factory --workers 2` serves the portal; locust (a separate
   process, `bench/locustfile.py`, headless) plays the uploads and the office users.
4. Locust's figures per route (p50, p95, p99, errors) are printed against the goals and appended
   to bench/results.jsonl with the load average (the machine is shared).
Goals: 0 errors; p95 < 2 s for uploads, < 500 ms for pages, < 1 s for the console's overview.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from bench.bench_chase import PG_URL, fresh_store
from bench.bench_forms import varied
from bench.common import append_result, print_table
from bench.generate_plan import write_plan
from bench.load_app import SECRET
from dutyflow import accounts
from dutyflow.plan import load_plan
from dutyflow.states import AccountRole, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from dutyflow.tokens import current_token, expiry_for
from tests.filling import filled_workbook

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOADED = dt.datetime(2025, 4, 20, 8, tzinfo=TZ)
NOW = dt.datetime(2025, 5, 19, 16, tzinfo=TZ)
"""The last day of "Báo cáo 6 tháng", an hour before closing: the portal's clock for the whole run."""
DELIVERABLE = "bao-cao-6-thang"
OFFICE, PASSWORD = "taiphong", "mat-khau-thu-tai"
HOUR = 3600.0
GOALS_MS = {"upload": 2000.0, "overview": 1000.0, "page": 500.0}


def arrivals(count: int, compress: float, seed: int = 2025) -> list[float]:
    """Seconds after the start, sorted: busier towards the end of the hour, `compress` times faster."""
    rng = random.Random(seed)
    return sorted(HOUR * math.sqrt(rng.random()) / compress for _ in range(count))


_PLAN: Any = None

CACHE = Path(os.environ.get("DUTYFLOW_LOAD_CACHE", Path.home() / ".cache" / "dutyflow" / "load-workbooks"))
"""Filled workbooks are kept between runs, in a folder named by the hash of what makes them (`cache_key`)."""
_MAKERS = ("tests/filling.py", "bench/bench_forms.py", "bench/generate_plan.py")


def cache_key(plan_path: Path) -> str:
    """The plan's bytes and the code that fills a workbook: the same key, the same workbooks."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(Path(plan_path).read_bytes())
    for name in [*_MAKERS, *sorted(str(p.relative_to(root)) for p in (root / "dutyflow" / "forms").glob("*.py"))]:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:16]


def _workbook(job: tuple[str, int, str, str, str, int]) -> None:
    """Fill one unit's workbook (a pool worker; the plan is read once per worker)."""
    global _PLAN
    plan_path, _obligation, unit, period, label, number = job
    if _PLAN is None:
        _PLAN = load_plan(plan_path)
    from dutyflow.forms import FormTarget

    target = FormTarget(plan=_PLAN, unit_code=unit, deliverable_code=DELIVERABLE, period_code=period, period_label=label)
    path = Path(job_file(plan_path, unit, period))
    partial = path.with_suffix(".part")
    partial.write_bytes(filled_workbook(target, varied(target, number)))
    partial.replace(path)  # a run stopped midway leaves no half-written workbook in the cache


def job_file(plan_path: str, unit: str, period: str) -> str:
    return str(Path(plan_path).parent / "workbooks" / f"{unit}-{period}.xlsx")


Job = tuple[int, str, str, str, str, int]
"""(obligation id, unit code, period code, period label, the unit's token, its number)"""


def prepare_store(engine: Any, folder: Path, districts: int, communes: int) -> tuple[list[Job], str, Path]:
    """The province in the store, its office account and every unit's token; the jobs of the uploads."""
    plan_path = write_plan(folder / "plan.yaml", communes=communes, districts=districts)
    plan = load_plan(plan_path)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, plan_path, now=LOADED, actor="bench")
        accounts.add(session, OFFICE, AccountRole.OFFICE, PASSWORD, full_name="Cán bộ thử tải", title="Chuyên viên", now=LOADED, actor="bench")
        rows = session.scalars(
            select(ObligationRow)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(DeliverableRow.code == DELIVERABLE)
            .order_by(ObligationRow.id)
        ).all()
        work = []
        for number, row in enumerate(rows):
            token = current_token(session, SECRET, plan.plan.code, row.unit, now=NOW, expires_at=expiry_for(2025, TZ))
            work.append((row.id, row.unit.code, row.period, row.period_label, token, number))
        units = session.scalar(select(func.count(UnitRow.id)))
    print(f"{units} units in the plan", flush=True)
    return work, plan.plan.code, plan_path


def fill_workbooks(plan_path: Path, work: list[Job]) -> None:
    """Every upload's workbook in `plan_path`'s folder/workbooks: from the cache, the missing ones filled
    (two processes) and kept there."""
    cached = CACHE / cache_key(plan_path)
    cached.mkdir(parents=True, exist_ok=True)
    (plan_path.parent / "workbooks").symlink_to(cached, target_is_directory=True)
    missing = [(str(plan_path), o, u, p, label, n) for o, u, p, label, _, n in work if not Path(job_file(str(plan_path), u, p)).exists()]
    started = time.perf_counter()
    if missing:
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(_workbook, missing, chunksize=32))
    print(f"{len(work)} workbooks: {len(work) - len(missing)} from {cached}, {len(missing)} filled in {time.perf_counter() - started:.0f} s", flush=True)


def prepare(engine: Any, folder: Path, args: argparse.Namespace) -> tuple[list[dict[str, Any]], str]:
    work, plan_code, plan_path = prepare_store(engine, folder, args.districts, args.communes)
    fill_workbooks(plan_path, work)
    times = arrivals(len(work), args.compress)
    rng = random.Random(7)
    order = list(work)
    rng.shuffle(order)
    schedule = [
        {"at": round(at, 3), "token": token, "obligation": obligation, "file": job_file(str(plan_path), unit, period)}
        for at, (obligation, unit, period, _, token, _n) in zip(times, order, strict=True)
    ]
    return schedule, plan_code


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(folder: Path, schema: str, plan_code: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "LOAD_DB_URL": PG_URL,
        "LOAD_SCHEMA": schema,
        "LOAD_DIR": str(folder),
        "LOAD_NOW": NOW.isoformat(),
        "LOAD_PLAN_CODE": plan_code,
    }
    command = [sys.executable, "-m", "uvicorn", "bench.load_app:make", "--factory", "--workers", str(workers),
               "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the portal did not start")


def swarm(base: str, folder: Path, schedule: list[dict[str, Any]], args: argparse.Namespace) -> Path:
    (folder / "schedule.json").write_text(json.dumps(schedule), encoding="utf-8")
    run_time = int(schedule[-1]["at"] + 30)
    env = os.environ | {
        "LOAD_SCHEDULE": str(folder / "schedule.json"),
        "LOAD_OFFICE_USERS": str(args.office_users),
        "LOAD_OFFICE_NAME": OFFICE,
        "LOAD_OFFICE_PASSWORD": PASSWORD,
    }
    users = args.upload_users + args.office_users
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
               "-u", str(users), "-r", str(users), "--run-time", f"{run_time}s", "--host", base,
               "--csv", str(folder / "locust"), "--only-summary", "--stop-timeout", "30"]
    subprocess.run(command, env=env, check=False)
    return folder / "locust_stats.csv"


def figures(stats: Path) -> list[dict[str, Any]]:
    rows = []
    with stats.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            rows.append(
                {
                    "route": row["Name"],
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]),
                }
            )
    return rows


def goal_of(route: str) -> float:
    if "upload" in route:
        return GOALS_MS["upload"]
    if "tong-quan" in route:
        return GOALS_MS["overview"]
    return GOALS_MS["page"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=20)
    parser.add_argument("--communes", type=int, default=3300)
    parser.add_argument("--compress", type=float, default=12.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--upload-users", type=int, default=40)
    parser.add_argument("--office-users", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dutyflow-load-") as tmp, fresh_store("postgresql", Path(tmp)) as engine:
        folder = Path(tmp)
        schema_name = _schema_of(engine)
        schedule, plan_code = prepare(engine, folder, args)
        load_before = os.getloadavg()
        server, base = serve(folder, schema_name, plan_code, args.workers)
        try:
            started = time.perf_counter()
            stats = swarm(base, folder, schedule, args)
            elapsed = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=60)
        load_after = os.getloadavg()
        with session_scope(engine) as session:
            accepted = session.scalar(select(func.count(SubmissionRow.id)).where(SubmissionRow.status == SubmissionStatus.ACCEPTED))
        rows = figures(stats)
    result = {
        "bench": "load_portal",
        "units": 1 + args.districts + args.communes,
        "uploads": len(schedule),
        "accepted": accepted,
        "compress": args.compress,
        "played_s": round(elapsed, 1),
        "workers": args.workers,
        "upload_users": args.upload_users,
        "office_users": args.office_users,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "routes": rows,
    }
    append_result(result)
    print_table(
        f"load_portal: {result['uploads']} uploads in {elapsed:.0f} s (hour ÷ {args.compress:g}), {args.workers} workers",
        [
            (r["route"], f"n={r['requests']} err={r['errors']} p50={r['p50_ms']:.0f} p95={r['p95_ms']:.0f} p99={r['p99_ms']:.0f} ms "
             f"(goal p95 < {goal_of(r['route']):.0f}: {'ok' if r['p95_ms'] < goal_of(r['route']) and not r['errors'] else 'MISSED'})")
            for r in rows
        ]
        + [("accepted", str(accepted)), ("load average before/after", f"{load_before} / {load_after}")],
    )


def _schema_of(engine: Any) -> str:
    with engine.connect() as connection:
        return str(connection.exec_driver_sql("SELECT current_schema()").scalar())


if __name__ == "__main__":
    main()
