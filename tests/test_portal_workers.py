"""The workbook parser pool: a parse in a worker process is the parse in-process, and the plan is
sent to a worker once, not with every upload (decision "A parse worker keeps the plan")."""

from __future__ import annotations

from pathlib import Path

from dutyflow.forms import FormTarget, parse_workbook
from dutyflow.plan import load_plan
from dutyflow.portal.workers import ParsePool
from tests.filling import filled_workbook

MAX = 2 * 1024 * 1024


def test_a_worker_keeps_the_plan_and_parses_as_in_process(mini_plan_path: Path) -> None:
    plan = load_plan(mini_plan_path)
    target = FormTarget(plan, "xa-a", "bao-cao-6-thang", "2025", "Năm 2025")
    good = filled_workbook(target)
    broken = good[:-200]
    pool = ParsePool(workers=1)
    try:
        assert not pool.parse(good, target, max_bytes=MAX).problems
        assert pool.parse(broken, target, max_bytes=MAX).problems
        for data in [good, broken, good]:
            assert pool.parse(data, target, max_bytes=MAX) == parse_workbook(data, target, max_bytes=MAX)
        key = pool._plans.key(plan)
        assert pool._plans.key(plan) == key  # one key per plan object, one pickle for its worker
        assert list(pool._plans._pickled) == [key]
        # Another plan object (a reload) is another key: never parsed against the plan before it.
        again = load_plan(mini_plan_path)
        other = FormTarget(again, "xa-a", "bao-cao-6-thang", "2025", "Năm 2025")
        assert pool._plans.key(again) != key
        assert pool.parse(good, other, max_bytes=MAX) == parse_workbook(good, other, max_bytes=MAX)
        assert sorted(pool._plans._pickled) == sorted([key, pool._plans.key(again)])
    finally:
        pool.close()
