"""The rows and summary a mail run shows in the Prefect UI, built without Prefect."""

from __future__ import annotations

import datetime as dt

from dutyflow.messages import t
from dutyflow.messaging.records import Outcome, SentRecord
from dutyflow.obligations import Standing, State
from dutyflow.run_artifacts import ARTIFACT_ROWS, run_artifacts
from dutyflow.store.queries import StatusLine


def _record(unit: str, *, resent: bool = False, refused: dict[str, str] | None = None) -> SentRecord:
    return SentRecord(
        unit=unit,
        template="assignment",
        step="assign",
        recipients=(f"vhxh@{unit}.example", f"ct@{unit}.example"),
        message_id=f"<{unit}@vp.example>",
        subject="Giao nhiệm vụ",
        deliverables=("Báo cáo 6 tháng", "Báo cáo năm"),
        resent=resent,
        refused=refused or {},
    )


def test_a_run_shows_what_it_sent_its_counts_and_who_stands_where() -> None:
    outcome = Outcome(
        sent=[_record("xa-a"), _record("xa-b", resent=True, refused={"ct@xa-b.example": "550 không có hộp thư"})],
        failures=["xa-c assign: 421"],
    )
    late = StatusLine(
        unit="xa-a",
        unit_name="Xã Phú Mỹ",
        deliverable="bc6",
        deliverable_name="Báo cáo 6 tháng",
        period="2025-H1",
        period_label="6 tháng đầu năm 2025",
        last_day=dt.date(2025, 5, 19),
        extended_until=dt.date(2025, 5, 30),
        state=State.ANNOUNCED,
        standing=Standing.OVERDUE,
        days_left=-3,
        last_notice="overdue 02/06/2025",
    )
    shown = run_artifacts("assign", dt.date(2025, 6, 2), outcome, 3, [late])

    assert shown.title == t("flows.assign_title")
    assert [row[t("flows.col_unit")] for row in shown.sent] == ["xa-a", "xa-b"]
    first = shown.sent[0]
    assert first[t("flows.col_deliverable")] == "Báo cáo 6 tháng; Báo cáo năm"
    assert first[t("flows.col_recipients")] == "vhxh@xa-a.example, ct@xa-a.example"
    assert first["Message-ID"] == "<xa-a@vp.example>"
    assert shown.summary.splitlines() == [
        t("flows.summary_title", title=shown.title, day="02/06/2025"),
        t("flows.summary_units", count=3),
        t("flows.summary_sent", count=2),
        t("flows.summary_resent", count=1),
        t("flows.summary_failed", count=1),
        t("flows.summary_unknown", count=0),
        t("flows.summary_refused", count=1),
    ]
    [status] = shown.status
    assert status[t("flows.col_last_day")] == "30/05/2025"  # the extended day, not the original
    assert status[t("flows.col_deliverable")] == "Báo cáo 6 tháng (6 tháng đầu năm 2025)"
    assert status[t("flows.col_state")] == t("standing.overdue")
    assert status[t("flows.col_problem")] == ""


def test_a_national_run_shows_at_most_the_cap_and_says_how_many_more() -> None:
    outcome = Outcome(sent=[_record(f"xa-{i:05d}") for i in range(ARTIFACT_ROWS + 7)])
    shown = run_artifacts("chase", dt.date(2025, 6, 2), outcome, ARTIFACT_ROWS + 7, [])
    assert len(shown.sent) == ARTIFACT_ROWS + 1
    assert shown.sent[-1] == {t("flows.col_unit"): t("flows.more_rows", count=7)}
    assert shown.status == [{t("flows.col_unit"): "—"}]
