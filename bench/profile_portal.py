"""Single requests of the load test, timed and profiled in-process (not a load test: one at a time).

    python -m bench.profile_portal setup [--schema S] [--uploads 30]    # a store filled like bench.load_portal's
    python -m bench.profile_portal time [--schema S] [--repeat 5] [--profile PATH] [--uploads 10]
    python -m bench.profile_portal drop [--schema S]

`setup` makes a PostgreSQL schema (kept between runs, so code can be changed and timed again) with
the load test's province (3,321 units), its office account and a few filled workbooks. `time` builds
the app as `bench.load_app` does (its workbook parser pool included), signs in through HTTP and times
each console page and `--uploads` uploads (median and max of `--repeat`); `--profile` prints a
cProfile of one request of each (sorted by cumulative time, then own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from bench.bench_chase import PG_URL, drop_schema
from bench.load_app import make
from bench.load_portal import NOW, fill_workbooks, job_file, prepare_store
from dutyflow.store.db import upgrade

FOLDER = Path(os.environ.get("DUTYFLOW_PROFILE_DIR", "/tmp/dutyflow-profile"))
PAGES = ["/van-phong/tong-quan", "/van-phong", "/van-phong/don-vi", "/van-phong/bao-cao", "/van-phong/lich-chay"]


def setup(schema: str, uploads: int) -> None:
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    if FOLDER.exists():
        shutil.rmtree(FOLDER)
    FOLDER.mkdir(parents=True, exist_ok=True)
    work, plan_code, plan_path = prepare_store(engine, FOLDER, 20, 3300)
    chosen = work[:: max(1, len(work) // uploads)][:uploads]
    fill_workbooks(plan_path, chosen)
    (FOLDER / "setup.json").write_text(
        json.dumps(
            {
                "schema": schema,
                "plan_code": plan_code,
                "uploads": [
                    {"token": w[4], "obligation": w[0], "file": job_file(str(plan_path), w[1], w[2])} for w in chosen
                ],
            }
        ),
        encoding="utf-8",
    )
    engine.dispose()
    admin.dispose()


def _app(info: dict[str, Any]) -> Any:
    os.environ |= {
        "LOAD_DB_URL": PG_URL,
        "LOAD_SCHEMA": info["schema"],
        "LOAD_DIR": str(FOLDER),
        "LOAD_NOW": NOW.isoformat(),
        "LOAD_PLAN_CODE": info["plan_code"],
    }
    return make()


_PROFILES: list[cProfile.Profile] | None = None
_CLOCK = [time.thread_time]
"""The profiler's clock: the thread's processor time (a shared machine's waits are not the code's),
or the wall clock (`--clock wall`: waits on the store and the parser pool shown)."""


def _install_profiler() -> None:
    """The app's sync work (endpoints, dependencies) runs in worker threads: each call there is
    profiled while `_PROFILES` is a list, and the profiles of one request are added together."""
    import fastapi.dependencies.utils
    import fastapi.routing
    import starlette.background
    from starlette.concurrency import run_in_threadpool

    import dutyflow.portal.unit_routes

    async def profiled(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _PROFILES is None:
            return await run_in_threadpool(func, *args, **kwargs)

        def call() -> Any:
            profile = cProfile.Profile(_CLOCK[0])
            profile.enable()
            try:
                return func(*args, **kwargs)
            finally:
                profile.disable()
                assert _PROFILES is not None
                _PROFILES.append(profile)

        return await run_in_threadpool(call)

    fastapi.routing.run_in_threadpool = profiled  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = profiled  # type: ignore[assignment]
    starlette.background.run_in_threadpool = profiled  # type: ignore[assignment]
    dutyflow.portal.unit_routes.run_in_threadpool = profiled  # type: ignore[assignment]


def _profiled(call: Callable[[], Any], label: str, out: io.StringIO) -> None:
    global _PROFILES
    _PROFILES = []
    started = time.perf_counter()
    call()
    elapsed = time.perf_counter() - started
    profiles, _PROFILES = _PROFILES, None
    if not profiles:
        return
    for order in ("cumulative", "tottime"):
        out.write(f"\n===== {label} ({order}; {1000 * elapsed:.0f} ms with the profiler) =====\n")
        stats = pstats.Stats(profiles[0], stream=out)
        for more in profiles[1:]:
            stats.add(more)
        stats.sort_stats(order).print_stats(30)


def run(args: argparse.Namespace) -> None:
    from bench.load_portal import OFFICE, PASSWORD

    info = json.loads((FOLDER / "setup.json").read_text(encoding="utf-8"))
    app = _app(info)
    if args.profile:
        _CLOCK[0] = time.perf_counter if args.clock == "wall" else time.thread_time
        _install_profiler()
    out = io.StringIO()
    with TestClient(app, base_url="http://testserver") as client:
        started = time.perf_counter()
        answer = client.post(
            "/van-phong/dang-nhap", data={"name": OFFICE, "password": PASSWORD}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text[:300]
        print(f"{'POST /van-phong/dang-nhap':40s} {1000 * (time.perf_counter() - started):8.0f} ms")
        uploads = info["uploads"][: args.uploads]
        times = []
        for number, item in enumerate(uploads):
            data = Path(item["file"]).read_bytes()
            path = f"/u/{item['token']}/nop/{item['obligation']}"

            def post(data: bytes = data, path: str = path) -> None:
                answer = client.post(path, files={"file": ("bao-cao.xlsx", data, "application/octet-stream")})
                assert answer.status_code == 200 and "Biên nhận" in answer.text, answer.text[:500]

            if args.profile and number == len(uploads) - 1:
                _profiled(post, "upload", out)
            else:
                started = time.perf_counter()
                post()
                times.append(time.perf_counter() - started)
        if times:
            print(
                f"{'POST upload':40s} {1000 * statistics.median(times):8.0f} ms median, {1000 * max(times):.0f} max, n={len(times)}"
            )
        for path in args.pages or PAGES:

            def get(path: str = path) -> int:
                answer = client.get(path, follow_redirects=False)
                assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                return len(answer.content)

            size = get()
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                get()
                times.append(time.perf_counter() - started)
            print(
                f"{'GET ' + path:40s} {1000 * statistics.median(times):8.0f} ms median, {1000 * max(times):.0f} max, {size // 1024} KiB"
            )
            if args.profile:
                _profiled(get, f"GET {path}", out)
    if args.profile:
        Path(args.profile).write_text(out.getvalue(), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["setup", "time", "drop"])
    parser.add_argument("--schema", default="bench_profile_portal")
    parser.add_argument("--uploads", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", default="")
    parser.add_argument("--pages", nargs="*", default=[])
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu")
    args = parser.parse_args(argv)
    if args.action == "setup":
        setup(args.schema, args.uploads)
    elif args.action == "drop":
        drop_schema(create_engine(PG_URL), args.schema)
    else:
        run(args)


if __name__ == "__main__":
    main()
