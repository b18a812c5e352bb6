"""Who reported, on time or late, and who did not: completeness and timeliness of reports.

Pure (docs/decisions.md, "District rates and completeness are DHIS2's"): completeness =
received / expected; timeliness = received by the deadline / expected; expected counts only
units open in the period, which the obligations already guarantee (what a closed unit still owes
passes to its successor on the day it closes, and withdrawn obligations are not collected).

An obligation counts as received when one of its submissions was accepted; a submission that
awaits the office or was returned does not. Values come from the latest accepted version, but
timeliness from the earliest: a unit that handed in an acceptable report on time and later sent
a correction was on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from dutyflow.obligations import effective_last_day
from dutyflow.states import SubmissionStatus


@dataclass(frozen=True)
class SubmissionFact:
    version: int
    status: SubmissionStatus
    received_at: dt.datetime


@dataclass(frozen=True)
class ObligationFact:
    unit: str
    unit_name: str
    deliverable: str
    deliverable_name: str
    period: str
    last_day: dt.date
    extended_until: dt.date | None = None
    submissions: tuple[SubmissionFact, ...] = ()

    @property
    def deadline(self) -> dt.date:
        """The last local day on which a report is on time (an extension only ever adds days)."""
        return effective_last_day(self.last_day, self.extended_until)


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    RETURNED = "returned"
    """The latest submission was returned and no version was ever accepted."""
    AWAITING = "awaiting"
    """The latest submission awaits the office; no version accepted yet."""
    MISSING = "missing"
    """Nothing handed in."""

    @property
    def received(self) -> bool:
        return self in (Outcome.ON_TIME, Outcome.LATE)


def outcome(fact: ObligationFact, tz: ZoneInfo) -> Outcome:
    """How one obligation stands. On time: accepted version received before local midnight
    after the deadline, in the plan's timezone."""
    accepted = [s for s in fact.submissions if s.status == SubmissionStatus.ACCEPTED]
    if accepted:
        first = min(accepted, key=lambda s: s.version)
        late_from = dt.datetime.combine(fact.deadline + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return Outcome.ON_TIME if first.received_at < late_from else Outcome.LATE
    if not fact.submissions:
        return Outcome.MISSING
    latest = max(fact.submissions, key=lambda s: s.version)
    if latest.status == SubmissionStatus.RETURNED:
        return Outcome.RETURNED
    if latest.status == SubmissionStatus.SUBMITTED:
        return Outcome.AWAITING
    return Outcome.MISSING


@dataclass(frozen=True)
class Tally:
    """Counts over a set of obligations (a deliverable's, or a unit's)."""

    expected: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    awaiting: int = 0
    missing_names: tuple[str, ...] = ()
    """Who or what is still owed (not received), each once, in the order of the obligations:
    unit names in a deliverable's tally, deliverable names in a unit's tally."""
    late_names: tuple[str, ...] = ()
    returned_names: tuple[str, ...] = ()
    awaiting_names: tuple[str, ...] = ()
    not_sent_names: tuple[str, ...] = ()

    @property
    def received(self) -> int:
        return self.on_time + self.late

    @property
    def missing(self) -> int:
        """Not received: nothing sent, returned and never corrected, or awaiting acceptance."""
        return self.expected - self.received

    @property
    def not_sent(self) -> int:
        """Nothing handed in at all."""
        return self.missing - self.returned - self.awaiting

    @property
    def completeness(self) -> Decimal | None:
        """received / expected; None when nothing is expected."""
        return _ratio(self.received, self.expected)

    @property
    def timeliness(self) -> Decimal | None:
        """on time / expected; None when nothing is expected."""
        return _ratio(self.on_time, self.expected)


@dataclass(frozen=True)
class Completeness:
    by_deliverable: dict[str, Tally]
    """Deliverable code → tally over its units (and periods), in order of first appearance."""
    by_unit: dict[str, Tally]
    """Unit code → tally over its deliverables, in order of first appearance."""
    outcomes: dict[tuple[str, str, str], Outcome]
    """(unit, deliverable, period) → outcome."""
    total: Tally


def completeness(facts: Iterable[ObligationFact], tz: ZoneInfo) -> Completeness:
    by_deliverable: dict[str, _Counter] = {}
    by_unit: dict[str, _Counter] = {}
    total = _Counter()
    outcomes: dict[tuple[str, str, str], Outcome] = {}
    for fact in facts:
        result = outcome(fact, tz)
        outcomes[(fact.unit, fact.deliverable, fact.period)] = result
        by_deliverable.setdefault(fact.deliverable, _Counter()).add(result, fact.unit_name)
        by_unit.setdefault(fact.unit, _Counter()).add(result, fact.deliverable_name)
        total.add(result, fact.unit_name)
    return Completeness(
        by_deliverable={code: counter.freeze() for code, counter in by_deliverable.items()},
        by_unit={code: counter.freeze() for code, counter in by_unit.items()},
        outcomes=outcomes,
        total=total.freeze(),
    )


class _Counter:
    def __init__(self) -> None:
        self.counts = dict.fromkeys(Outcome, 0)
        self.names: dict[Outcome, dict[str, None]] = {kind: {} for kind in Outcome}
        self.not_received: dict[str, None] = {}

    def add(self, result: Outcome, name: str) -> None:
        self.counts[result] += 1
        self.names[result][name] = None
        if not result.received:
            self.not_received[name] = None

    def freeze(self) -> Tally:
        return Tally(
            expected=sum(self.counts.values()),
            on_time=self.counts[Outcome.ON_TIME],
            late=self.counts[Outcome.LATE],
            returned=self.counts[Outcome.RETURNED],
            awaiting=self.counts[Outcome.AWAITING],
            missing_names=tuple(self.not_received),
            late_names=tuple(self.names[Outcome.LATE]),
            returned_names=tuple(self.names[Outcome.RETURNED]),
            awaiting_names=tuple(self.names[Outcome.AWAITING]),
            not_sent_names=tuple(self.names[Outcome.MISSING]),
        )


def _ratio(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None
