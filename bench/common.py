"""Small helpers shared by the benchmarks: memory readings, timing, the results file."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

RESULTS = Path(__file__).parent / "results.jsonl"
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """(fn(), wall seconds)."""
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def timed_quiet(fn: Callable[[], T]) -> tuple[T, float]:
    """(fn(), wall seconds) with the cyclic garbage collector paused, as `timeit` does.

    A full collection walks every object the process holds (here the national plan's model): it
    costs 0.13 s and falls at random in one measured call or another, whichever allocates when
    the threshold is crossed. Pausing it compares the work itself; the callers also report the
    figures with it running.
    """
    gc.collect()
    gc.disable()
    try:
        return timed(fn)
    finally:
        gc.enable()


def gc_running(fn: Callable[[], object], times: int) -> float:
    """Mean seconds of `times` calls in a row with the garbage collector running: each call then
    pays for the collections its own allocations bring on (interleaved, a full collection falls
    in whichever call crosses the threshold, whoever allocated)."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(times):
        fn()
    return (time.perf_counter() - start) / times


def proc_status_kb(field: str) -> int:
    """A field of /proc/self/status in kB (VmRSS: resident now, VmHWM: resident high-water mark)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def trim_heap() -> None:
    """Return free heap memory to the system (glibc malloc_trim), so RSS growth shows new memory."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: RSS growth is then an underestimate
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def host_info() -> dict[str, Any]:
    """The machine, and its 1-minute load when the line is written (other work skews figures)."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def engine_version() -> str:
    """The commit the engine was at, with "+dirty" when dutyflow/ has uncommitted changes."""
    root = Path(__file__).parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "dutyflow") else "")


_STARTED_AT: dict[str, str] = {}


def engine_at_start() -> str:
    """`engine_version()` when the benchmark started (first call, made at import): a long run
    measures the code it imported, whatever is committed while it runs."""
    if "engine" not in _STARTED_AT:
        _STARTED_AT["engine"] = engine_version()
    return _STARTED_AT["engine"]


engine_at_start()


def append_result(record: dict[str, Any]) -> None:
    """One JSON line per measurement in bench/results.jsonl."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    line = {"date": now, "host": host_info(), "engine": engine_at_start(), **record}
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")


def print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 24))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
