"""Threads released together, for the tests of what a flow's task threads share."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable


def all_at_once(work: Callable[[int], None], threads: int = 8) -> None:
    """`work(i)` on `threads` threads released at the same moment, the interpreter switching between
    them as often as it can, so that a race in what they share shows; returns when all are done.
    An exception in a thread is the caller's to record (threads do not pass it on)."""
    start = threading.Barrier(threads)

    def run(i: int) -> None:
        start.wait()
        work(i)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        started = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
        for thread in started:
            thread.start()
        for thread in started:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
