"""A schedule's cron said in Vietnamese words, and its next runs in the plan's timezone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dutyflow.cron_words import BadCron, check, describe, next_runs

ICT = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 8 * * 1-5", "8 giờ sáng các ngày làm việc"),
        ("0 17 * * 1-5", "5 giờ chiều các ngày làm việc"),
        ("*/10 * * * 1-5", "mỗi 10 phút các ngày làm việc"),
        ("30 7 * * 1-6", "7 giờ 30 phút sáng vào thứ Hai, thứ Ba, thứ Tư, thứ Năm, thứ Sáu, thứ Bảy"),
        ("0 7,12 * * *", "7 giờ sáng và 12 giờ trưa hằng ngày"),
        ("*/15 7-17 * * 1,3,5", "mỗi 15 phút từ 7 giờ đến 17 giờ vào thứ Hai, thứ Tư, thứ Sáu"),
        ("0 23 * * 0,6", "11 giờ đêm vào thứ Bảy, Chủ nhật"),
        ("0 20 * * 7", "8 giờ tối vào Chủ nhật"),
        ("30 8 1 * *", "8 giờ 30 phút sáng ngày 1 hằng tháng"),
        ("5 * * * *", "phút thứ 5 của mỗi giờ hằng ngày"),
        ("0 0 L * *", "theo biểu thức cron «0 0 L * *»"),
        ("0 8 * 6 1-5", "theo biểu thức cron «0 8 * 6 1-5»"),
    ],
)
def test_a_schedule_is_said_in_words_or_quoted_as_it_is(cron: str, words: str) -> None:
    assert describe(cron) == words


def test_the_next_five_runs_skip_the_weekend_in_the_plans_timezone() -> None:
    friday_noon_utc = dt.datetime(2025, 5, 16, 5, 0, tzinfo=dt.UTC)  # 12:00 in Hà Nội, after 08:00
    runs = next_runs("0 8 * * 1-5", "Asia/Ho_Chi_Minh", friday_noon_utc)
    assert [r.strftime("%a %d/%m %H:%M") for r in runs] == [
        "Mon 19/05 08:00",
        "Tue 20/05 08:00",
        "Wed 21/05 08:00",
        "Thu 22/05 08:00",
        "Fri 23/05 08:00",
    ]
    assert all(r.tzinfo is not None and r.utcoffset() == dt.timedelta(hours=7) for r in runs)


def test_a_run_exactly_at_the_moment_counted_from_is_not_next() -> None:
    at_eight = dt.datetime(2025, 5, 19, 8, 0, tzinfo=ICT)
    assert next_runs("0 8 * * 1-5", "Asia/Ho_Chi_Minh", at_eight, 1)[0].day == 20


@pytest.mark.parametrize("cron", ["61 8 * * *", "0 8 * *", "0 25 * * *", "x y z w v"])
def test_an_expression_the_scheduler_cannot_read_is_refused(cron: str) -> None:
    with pytest.raises(BadCron):
        check(cron)
