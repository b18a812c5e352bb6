"""Uploaded workbooks are parsed in worker processes, never in the portal's own.

A worker thread alone is not enough: openpyxl keeps an element per shared string while it reads
them, so a legal workbook with 700,000 of them makes the garbage collector walk millions of objects
many times, and every collection stops every thread of the process, the event loop included
(/healthz held for 0.4–0.9 s at a time). In another process the parse takes nothing from the
portal but a core; a parse that exhausts its worker (MemoryError, a kill) breaks the pool, not the
portal: the upload is then refused as unreadable and the next one gets a fresh pool
(docs/decisions.md, 28).
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from dutyflow.forms import FormResult, FormTarget, Problem, parse_workbook
from dutyflow.messages import t

WORKERS = 2
NICENESS = 10


class ParsePool:
    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None

    def parse(self, data: bytes, target: FormTarget, *, max_bytes: int) -> FormResult:
        """`parse_workbook` in a worker process; the calling thread waits without holding the GIL."""
        executor = self._get()
        try:
            return executor.submit(parse_workbook, data, target, max_bytes=max_bytes).result()
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
