"""A plan becomes obligations; closed units pass theirs to successors; each has a standing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dutyflow.calendar import WorkingCalendar
from dutyflow.obligations import Standing, State, expand_obligations, standing
from dutyflow.plan import load_plan

D = dt.date.fromisoformat


def specs_of(path: Path):
    plan = load_plan(path)
    return expand_obligations(plan, WorkingCalendar.from_config(plan.calendar))


def test_it_expands_units_groups_and_periods(mini_plan_path: Path) -> None:
    specs = specs_of(mini_plan_path)
    keys = {(s.unit, s.deliverable, s.period) for s in specs}
    assert ("tu-phap", "bao-cao-6-thang", "2025") in keys
    assert ("xa-a", "danh-sach-thang", "2025-06") in keys
    assert ("vp", "tong-hop", "2025") in keys
    assert ("tu-phap", "danh-sach-thang", "2025-04") not in keys
    assert len(specs) == 3 + 6 + 3 + 1


def test_a_monthly_list_is_due_on_its_day_of_the_next_month(mini_plan_path: Path) -> None:
    june = next(s for s in specs_of(mini_plan_path) if s.period == "2025-06" and s.unit == "xa-a")
    assert june.due == D("2025-07-05")  # a Saturday
    assert june.last_day == D("2025-07-07")
    assert june.period_label == "tháng 6/2025"


def test_a_closed_unit_passes_its_later_obligations_to_its_successor(mini_plan_path: Path) -> None:
    text = mini_plan_path.read_text(encoding="utf-8")
    text = text.replace(
        '    gso_code: "00001"\n', '    gso_code: "00001"\n    closes: 2025-07-01\n    successor: xa-b\n'
    )
    mini_plan_path.write_text(text, encoding="utf-8")
    specs = specs_of(mini_plan_path)
    by_key = {(s.unit, s.deliverable, s.period): s for s in specs}
    # Before the merge xa-a still owes its own reports.
    assert ("xa-a", "bao-cao-6-thang", "2025") in by_key
    assert ("xa-a", "danh-sach-thang", "2025-05") in by_key
    # From 1/7 on, xa-b owes one report covering both communes.
    assert ("xa-a", "bao-cao-nam", "2025") not in by_key
    assert by_key[("xa-b", "bao-cao-nam", "2025")].covers == ("xa-b", "xa-a")
    assert ("xa-a", "danh-sach-thang", "2025-06") not in by_key  # due 7/7, after the merge


def test_a_unit_closed_without_successor_is_not_expected(mini_plan_path: Path) -> None:
    text = mini_plan_path.read_text(encoding="utf-8")
    text = text.replace('    gso_code: "00001"\n', '    gso_code: "00001"\n    closes: 2025-07-01\n')
    mini_plan_path.write_text(text, encoding="utf-8")
    units = {s.unit for s in specs_of(mini_plan_path) if s.deliverable == "bao-cao-nam"}
    assert units == {"tu-phap", "xa-b"}


def test_a_unit_opened_after_a_deadline_owes_nothing_for_it(mini_plan_path: Path) -> None:
    text = mini_plan_path.read_text(encoding="utf-8")
    text = text.replace('    gso_code: "00002"\n', '    gso_code: "00002"\n    opens: 2025-06-01\n')
    mini_plan_path.write_text(text, encoding="utf-8")
    keys = {(s.unit, s.deliverable) for s in specs_of(mini_plan_path)}
    assert ("xa-b", "bao-cao-6-thang") not in keys
    assert ("xa-b", "bao-cao-nam") in keys


def test_standing_around_the_last_day() -> None:
    last = D("2025-05-19")
    assert standing(State.ANNOUNCED, last, D("2025-05-10")) == (Standing.ON_TRACK, 9)
    assert standing(State.ANNOUNCED, last, D("2025-05-14")) == (Standing.DUE_SOON, 5)
    assert standing(State.ANNOUNCED, last, D("2025-05-18")) == (Standing.DUE_SOON, 1)
    assert standing(State.ANNOUNCED, last, D("2025-05-19")) == (Standing.DUE_TODAY, 0)
    assert standing(State.ANNOUNCED, last, D("2025-05-20")) == (Standing.OVERDUE, -1)


def test_submitted_accepted_returned_paused_and_extended() -> None:
    last = D("2025-05-19")
    after = D("2025-05-25")
    assert standing(State.ACCEPTED, last, after)[0] is Standing.ACCEPTED
    assert standing(State.SUBMITTED, last, after)[0] is Standing.SUBMITTED
    assert standing(State.RETURNED, last, D("2025-05-15"))[0] is Standing.RETURNED
    assert standing(State.RETURNED, last, after)[0] is Standing.OVERDUE
    assert standing(State.ANNOUNCED, last, after, paused=True)[0] is Standing.PAUSED
    assert standing(State.ANNOUNCED, last, after, extended_until=D("2025-05-30")) == (Standing.DUE_SOON, 5)
