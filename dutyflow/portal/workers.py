"""Uploaded workbooks are parsed in worker processes, never in the portal's own.

A worker thread alone is not enough: openpyxl keeps an element per shared string while it reads
them, so a legal workbook with 700,000 of them makes the garbage collector walk millions of objects
many times, and every collection stops every thread of the process, the event loop included
(/healthz held for 0.4–0.9 s at a time). In another process the parse takes nothing from the
portal but a core; a parse that exhausts its worker (MemoryError, a kill) breaks the pool, not the
portal: the upload is then refused as unreadable and the next one gets a fresh pool
(docs/decisions.md, 28).

The plan stays in the workers (decision "A parse worker keeps the plan"): a task names its plan by a
key, and a worker that does not hold it asks for it once; the plan of a province (3,321 units, 1 MB
pickled) is not sent with every upload.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import os
import pickle
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from dutyflow.forms import FormResult, FormTarget, Problem, parse_workbook
from dutyflow.messages import t
from dutyflow.plan import Plan

WORKERS = 2
NICENESS = 10
PLANS_KEPT = 4
"""Plans a portal process names, and a worker keeps, at once (tests build apps of many plans)."""


class _PlanKeys:
    """A key per plan object (plans are frozen), and its pickle, made only when a worker asks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        self._keys: OrderedDict[int, tuple[Plan, str]] = OrderedDict()  # holds the plan: its id stays its own
        self._pickled: dict[str, bytes] = {}

    def key(self, plan: Plan) -> str:
        with self._lock:
            known = self._keys.get(id(plan))
            if known is not None and known[0] is plan:
                self._keys.move_to_end(id(plan))
                return known[1]
            key = f"{os.getpid()}-{next(self._serial)}"
            self._keys[id(plan)] = (plan, key)
            while len(self._keys) > PLANS_KEPT:
                _, (_, old) = self._keys.popitem(last=False)
                self._pickled.pop(old, None)
            return key

    def pickled(self, plan: Plan, key: str) -> bytes:
        with self._lock:
            blob = self._pickled.get(key)
        if blob is None:
            blob = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                if any(known == key for _, known in self._keys.values()):
                    self._pickled[key] = blob
        return blob


class ParsePool:
    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._plans = _PlanKeys()

    def parse(self, data: bytes, target: FormTarget, *, max_bytes: int) -> FormResult:
        """`parse_workbook` in a worker process; the calling thread waits without holding the GIL."""
        executor = self._get()
        key = self._plans.key(target.plan)
        where = (target.unit_code, target.deliverable_code, target.period_code, target.period_label)
        try:
            result = executor.submit(_parse, data, key, None, where, max_bytes).result()
            if result is None:  # that worker does not hold the plan yet
                blob = self._plans.pickled(target.plan, key)
                result = executor.submit(_parse, data, key, blob, where, max_bytes).result()
            assert result is not None
            return result
        except BrokenProcessPool:
            self._discard(executor)
            return FormResult((), (Problem("", None, t("forms.unreadable")),))

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn: a fresh interpreter, never a fork of a process that runs threads
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_background)
            return self._executor

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is executor:
                self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)


_held: OrderedDict[str, Plan] = OrderedDict()
"""In a worker: the plans it was sent, by key, the latest last."""


def _parse(
    data: bytes, key: str, blob: bytes | None, where: tuple[str, str, str, str], max_bytes: int
) -> FormResult | None:
    """In a worker: `parse_workbook` against the plan named `key`; None when it is not held and not sent."""
    plan = _held.get(key)
    if plan is None:
        if blob is None:
            return None
        plan = pickle.loads(blob)
        _held[key] = plan
        while len(_held) > PLANS_KEPT:
            _held.popitem(last=False)
    else:
        _held.move_to_end(key)
    unit, deliverable, period, label = where
    target = FormTarget(plan=plan, unit_code=unit, deliverable_code=deliverable, period_code=period, period_label=label)
    return parse_workbook(data, target, max_bytes=max_bytes)


def _background() -> None:
    """A worker yields the processor to the portal itself: a long parse must not slow its pages."""
    os.nice(NICENESS)


_shared: ParsePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ParsePool:
    """One pool per process, whatever the number of portal apps in it (tests build many)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ParsePool()
            atexit.register(_shared.close)
        return _shared
