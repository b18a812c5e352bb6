"""Completeness (received / expected) and timeliness (on time / expected) of the units' reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from dutyflow.calendar import WorkingCalendar
from dutyflow.completeness import (
    ObligationFact,
    Outcome,
    SubmissionFact,
    Tally,
    completeness,
    outcome,
)
from dutyflow.obligations import expand_obligations
from dutyflow.plan import load_plan
from dutyflow.states import SubmissionStatus
from tests.conftest import at

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAST_DAY = dt.date(2025, 11, 14)  # "trước ngày 15/11/2025"


def fact(*submissions: SubmissionFact, unit: str = "xa-a", extended_until: dt.date | None = None) -> ObligationFact:
    return ObligationFact(
        unit=unit,
        unit_name=f"UBND {unit}",
        deliverable="bao-cao-nam",
        deliverable_name="Báo cáo năm",
        period="2025",
        last_day=LAST_DAY,
        extended_until=extended_until,
        submissions=submissions,
    )


def sub(version: int, status: SubmissionStatus, when: dt.datetime) -> SubmissionFact:
    return SubmissionFact(version=version, status=status, received_at=when)


def ict(day: str, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute, second), tzinfo=TZ)


def test_a_unit_closed_mid_year_is_not_expected_for_the_annual_report(mini_plan_path: Path) -> None:
    text = mini_plan_path.read_text(encoding="utf-8").replace(
        '    gso_code: "00002"\n', '    gso_code: "00002"\n    closes: 2025-07-01\n    successor: xa-a\n'
    )
    mini_plan_path.write_text(text, encoding="utf-8")
    plan = load_plan(mini_plan_path)
    specs = expand_obligations(plan, WorkingCalendar.from_config(plan.calendar))
    facts = [
        ObligationFact(s.unit, s.unit, s.deliverable, s.deliverable, s.period, s.last_day)
        for s in specs
        if s.deliverable in ("bao-cao-6-thang", "bao-cao-nam")
    ]
    result = completeness(facts, TZ)
    assert result.by_deliverable["bao-cao-6-thang"].expected == 3
    assert result.by_deliverable["bao-cao-nam"].expected == 2  # xa-b closed on 1/7; xa-a carries it
    assert "xa-b" not in result.by_deliverable["bao-cao-nam"].missing_names


def test_a_returned_report_is_not_received() -> None:
    returned = fact(sub(1, SubmissionStatus.RETURNED, ict("2025-11-10", 9)))
    assert outcome(returned, TZ) is Outcome.RETURNED
    tally = completeness([returned], TZ).by_deliverable["bao-cao-nam"]
    assert (tally.expected, tally.received, tally.missing, tally.returned) == (1, 0, 1, 1)
    assert tally.returned_names == ("UBND xa-a",)
    assert tally.missing_names == ("UBND xa-a",)
    assert tally.not_sent == 0


def test_a_report_awaiting_the_office_is_not_received_yet() -> None:
    awaiting = fact(sub(1, SubmissionStatus.RETURNED, ict("2025-11-10", 9)), sub(2, SubmissionStatus.SUBMITTED, ict("2025-11-11", 9)))
    assert outcome(awaiting, TZ) is Outcome.AWAITING
    assert completeness([awaiting], TZ).total.received == 0


def test_a_later_returned_version_does_not_undo_an_accepted_one() -> None:
    corrected = fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-10", 9)), sub(2, SubmissionStatus.RETURNED, ict("2025-11-20", 9)))
    assert outcome(corrected, TZ) is Outcome.ON_TIME


def test_a_report_returned_then_corrected_late_is_late() -> None:
    late = fact(sub(1, SubmissionStatus.RETURNED, ict("2025-11-10", 9)), sub(2, SubmissionStatus.ACCEPTED, ict("2025-11-17", 9)))
    assert outcome(late, TZ) is Outcome.LATE


def test_timeliness_counts_from_the_first_accepted_version() -> None:
    corrected = fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-10", 9)), sub(2, SubmissionStatus.ACCEPTED, ict("2025-11-20", 9)))
    assert outcome(corrected, TZ) is Outcome.ON_TIME


def test_on_time_until_local_midnight_after_the_last_day() -> None:
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-14", 23, 59, 59))), TZ) is Outcome.ON_TIME
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-15", 0))), TZ) is Outcome.LATE
    # 17:00 UTC on the last day is already midnight in Viet Nam.
    utc = dt.datetime(2025, 11, 14, 16, 59, 59, tzinfo=dt.UTC)
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, utc)), TZ) is Outcome.ON_TIME
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, utc + dt.timedelta(seconds=1))), TZ) is Outcome.LATE


def test_an_extension_moves_the_deadline() -> None:
    extended = dt.date(2025, 11, 20)
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-18", 9)), extended_until=extended), TZ) is Outcome.ON_TIME
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-20", 23, 59))), TZ) is Outcome.LATE
    assert outcome(fact(sub(1, SubmissionStatus.ACCEPTED, at("2025-11-21", 0)), extended_until=extended), TZ) is Outcome.LATE


def test_nothing_sent_is_missing() -> None:
    assert outcome(fact(), TZ) is Outcome.MISSING


def test_completeness_and_timeliness_per_deliverable_and_per_unit() -> None:
    facts = [
        fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-10", 9)), unit="xa-a"),
        fact(sub(1, SubmissionStatus.ACCEPTED, ict("2025-11-16", 9)), unit="xa-b"),
        fact(sub(1, SubmissionStatus.RETURNED, ict("2025-11-12", 9)), unit="xa-c"),
        fact(unit="xa-d"),
    ]
    result = completeness(facts, TZ)
    tally = result.by_deliverable["bao-cao-nam"]
    assert (tally.expected, tally.received, tally.on_time, tally.late, tally.missing) == (4, 2, 1, 1, 2)
    assert tally.completeness == Decimal("0.5")
    assert tally.timeliness == Decimal("0.25")
    assert tally.missing_names == ("UBND xa-c", "UBND xa-d")
    assert tally.not_sent_names == ("UBND xa-d",)
    assert tally.late_names == ("UBND xa-b",)
    assert result.by_unit["xa-b"].late == 1
    assert result.by_unit["xa-d"].missing_names == ("Báo cáo năm",)
    assert result.outcomes[("xa-c", "bao-cao-nam", "2025")] is Outcome.RETURNED


def test_nothing_expected_has_no_rate() -> None:
    empty = Tally()
    assert empty.completeness is None and empty.timeliness is None
    assert completeness([], TZ).total.completeness is None
