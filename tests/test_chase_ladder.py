"""The ladder at every boundary: before, on and after each step; Tết; a missed week; extensions; pauses."""

from __future__ import annotations

import datetime as dt

import pytest

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import ChaseView, digest_due, due_step, next_action_day, plan_notices, step_day
from dutyflow.obligations import State
from dutyflow.plan import ChaseConfig, DigestConfig

D = dt.date.fromisoformat
LADDER = ChaseConfig()
VN = WorkingCalendar()
LAST_DAY = D("2025-05-19")  # Monday; the 6-month report "trước ngày 20/5/2025"
ALL_STEPS = frozenset(step.code for step in LADDER.steps)


def view(sent: set[str] = frozenset(), **changes) -> ChaseView:  # type: ignore[assignment]
    fields = {"obligation_id": 1, "unit": "tu-phap", "state": State.ANNOUNCED, "last_day": LAST_DAY}
    fields.update(changes)
    return ChaseView(sent=frozenset(sent), **fields)


def step_on(day: str, v: ChaseView | None = None) -> str | None:
    step = due_step(v or view(), LADDER, VN, D(day))
    return step.code if step else None


def test_the_default_ladder_falls_on_these_days() -> None:
    days = {step.code: step_day(step, LAST_DAY, VN).isoformat() for step in LADDER.steps}
    assert days == {
        "remind-5": "2025-05-12",
        "remind-2": "2025-05-15",
        "due-today": "2025-05-19",
        "overdue-1": "2025-05-20",
        "overdue-3": "2025-05-22",
        "escalate-5": "2025-05-26",
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-05-09", None),  # the working day before the first step
        ("2025-05-12", "remind-5"),
        ("2025-05-14", "remind-5"),  # still the latest due, if it was never sent
        ("2025-05-15", "remind-2"),
        ("2025-05-16", "remind-2"),
        ("2025-05-19", "due-today"),
        ("2025-05-20", "overdue-1"),
        ("2025-05-21", "overdue-1"),
        ("2025-05-22", "overdue-3"),
        ("2025-05-23", "overdue-3"),
        ("2025-05-26", "escalate-5"),
        ("2025-06-30", "escalate-5"),
    ],
)
def test_the_latest_due_step_is_sent_when_nothing_was(day: str, expected: str | None) -> None:
    assert step_on(day) == expected


def test_a_step_already_sent_is_not_sent_again() -> None:
    assert step_on("2025-05-13", view({"remind-5"})) is None
    assert step_on("2025-05-15", view({"remind-5"})) == "remind-2"
    assert step_on("2025-06-30", view(ALL_STEPS)) is None


def test_nothing_is_sent_on_a_weekend_or_holiday() -> None:
    assert step_on("2025-05-17") is None  # Saturday
    assert step_on("2025-05-18") is None  # Sunday
    assert step_on("2025-09-02", view(last_day=D("2025-08-29"))) is None  # National Day


def test_a_weekend_can_be_allowed_by_configuration() -> None:
    anytime = ChaseConfig(send_on_non_working_days=True)
    step = due_step(view({"remind-5", "remind-2"}), anytime, VN, D("2025-05-17"))
    assert step is None  # nothing new falls due on the weekend itself
    step = due_step(view({"remind-5"}), anytime, VN, D("2025-05-17"))
    assert step is not None and step.code == "remind-2"


def test_a_missed_week_catches_up_with_the_latest_step_once() -> None:
    v = view({"remind-5"})
    assert step_on("2025-05-22", v) == "overdue-3"  # remind-2, due-today and overdue-1 are skipped
    assert step_on("2025-05-23", view({"remind-5", "overdue-3"})) is None


def test_a_submitted_or_accepted_obligation_is_left_alone() -> None:
    for state in (State.SUBMITTED, State.ACCEPTED, State.PENDING):
        assert step_on("2025-05-20", view(state=state)) is None


def test_a_paused_unit_gets_nothing_until_resumed() -> None:
    assert step_on("2025-05-20", view(paused=True)) is None
    assert step_on("2025-05-20", view(paused=False)) == "overdue-1"


def test_an_extension_moves_the_whole_ladder() -> None:
    extended = {"extended_until": D("2025-05-26")}
    sent = {"remind-5", "remind-2", "due-today"}
    assert step_on("2025-05-20", view(sent, **extended)) is None  # no overdue notice inside the extension
    assert step_on("2025-05-22", view(sent, **extended)) is None
    assert step_on("2025-05-26", view(sent, **extended)) is None  # due-today already went out this round
    assert step_on("2025-05-27", view(sent, **extended)) == "overdue-1"


def test_a_returned_report_restarts_the_chase() -> None:
    # A new round has no steps sent: the latest due step goes out again.
    assert step_on("2025-05-22", view(state=State.RETURNED)) == "overdue-3"
    assert step_on("2025-05-13", view(state=State.RETURNED)) == "remind-5"


def test_the_ladder_skips_tet() -> None:
    last = D("2025-02-03")  # the Monday after the Tết break
    days = {step.code: step_day(step, last, VN) for step in LADDER.steps}
    assert days["remind-2"] == D("2025-01-23")
    assert days["remind-5"] == D("2025-01-20")
    assert days["overdue-1"] == D("2025-02-04")
    assert step_on("2025-01-29", view({"remind-5", "remind-2"}, last_day=last)) is None


def test_next_action_day_is_the_next_step_after_today() -> None:
    assert next_action_day(view(), LADDER, VN, D("2025-05-01")) == D("2025-05-12")
    assert next_action_day(view(), LADDER, VN, D("2025-05-12")) == D("2025-05-15")
    assert next_action_day(view(), LADDER, VN, D("2025-05-26")) is None
    assert next_action_day(view(state=State.ACCEPTED), LADDER, VN, D("2025-05-01")) is None


def test_one_message_per_unit_and_step_lists_every_obligation_at_that_step() -> None:
    views = [
        view(obligation_id=1, unit="xa-a"),
        view(obligation_id=2, unit="xa-a"),
        view(obligation_id=3, unit="xa-a", last_day=D("2025-05-26")),
        view(obligation_id=4, unit="xa-b"),
        view(obligation_id=5, unit="xa-c", state=State.ACCEPTED),
    ]
    notices = plan_notices(views, LADDER, VN, D("2025-05-19"))
    summary = [(n.unit, n.step.code, n.obligation_ids) for n in notices]
    assert summary == [
        ("xa-a", "remind-5", (3,)),
        ("xa-a", "due-today", (1, 2)),
        ("xa-b", "due-today", (4,)),
    ]


@pytest.mark.parametrize(
    ("day", "sent", "expected"),
    [
        ("2025-05-26", False, True),  # Monday
        ("2025-05-27", True, False),  # already sent this week
        ("2025-05-27", False, True),  # Monday's run was missed: catch up once
        ("2025-05-25", False, False),  # Sunday
    ],
)
def test_the_weekly_digest(day: str, sent: bool, expected: bool) -> None:
    overdue = [view()]
    assert digest_due(D(day), DigestConfig(), LADDER, VN, overdue, sent) is expected
    assert digest_due(D(day), DigestConfig(), LADDER, VN, [], sent) is False


def test_the_next_look_is_today_while_a_due_step_is_unsent() -> None:
    from dutyflow.chase import next_look

    assert next_look(view(), LADDER, VN, D("2025-05-17")) == D("2025-05-17")  # weekend: remind-2 waits
    assert next_look(view({"remind-5", "remind-2"}), LADDER, VN, D("2025-05-17")) == D("2025-05-19")
    assert next_look(view(ALL_STEPS), LADDER, VN, D("2025-05-27")) is None
