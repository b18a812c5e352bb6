"""What a mail run shows in the Prefect UI, as plain rows and text (no Prefect here): the flows only
hand these to Prefect's artifact calls (`flows/_common.publish`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dutyflow.messages import t
from dutyflow.messaging.records import Outcome
from dutyflow.obligations import effective_last_day
from dutyflow.store.queries import StatusLine

ARTIFACT_ROWS = 1000
"""A table artifact shows at most this many rows (a national run sends 11,200 messages); the
status CLI and page have them all."""

Row = dict[str, Any]


@dataclass(frozen=True)
class RunArtifacts:
    """A mail run's three artifacts: what was sent, a short summary, who stands where."""

    title: str
    sent: list[Row]
    summary: str
    status: list[Row]


def capped(rows: list[Row]) -> list[Row]:
    """At most `ARTIFACT_ROWS` rows, then one saying how many more; a dash when there are none."""
    if not rows:
        return [{t("flows.col_unit"): "—"}]
    if len(rows) <= ARTIFACT_ROWS:
        return rows
    return [*rows[:ARTIFACT_ROWS], {t("flows.col_unit"): t("flows.more_rows", count=len(rows) - ARTIFACT_ROWS)}]


def run_artifacts(kind: str, today: dt.date, outcome: Outcome, units: int, standing: Sequence[StatusLine]) -> RunArtifacts:
    """The artifacts of an `assign` or `chase` run (`kind`) for `today`, tables capped."""
    title = t(f"flows.{kind}_title")
    return RunArtifacts(
        title=title,
        sent=capped(sent_rows(outcome)),
        summary=summary(title, today, outcome, units),
        status=capped(status_rows(standing)),
    )


def sent_rows(outcome: Outcome) -> list[Row]:
    return [
        {
            t("flows.col_unit"): record.unit,
            t("flows.col_deliverable"): "; ".join(record.deliverables),
            t("flows.col_template"): record.template,
            t("flows.col_recipients"): ", ".join(record.recipients),
            "Message-ID": record.message_id,
        }
        for record in outcome.sent
    ]


def summary(title: str, today: dt.date, outcome: Outcome, units: int) -> str:
    """Markdown: the run's counts, one a line."""
    refused = sum(len(record.refused) for record in outcome.sent)
    lines = [
        t("flows.summary_title", title=title, day=today.strftime("%d/%m/%Y")),
        t("flows.summary_units", count=units),
        t("flows.summary_sent", count=len(outcome.sent)),
        t("flows.summary_resent", count=sum(1 for r in outcome.sent if r.resent)),
        t("flows.summary_failed", count=len(outcome.failures)),
        t("flows.summary_unknown", count=len(outcome.unknown)),
        t("flows.summary_refused", count=refused),
    ]
    return "\n".join(lines)


def status_rows(standing: Sequence[StatusLine]) -> list[Row]:
    return [
        {
            t("flows.col_unit"): line.unit_name,
            t("flows.col_deliverable"): f"{line.deliverable_name} ({line.period_label})",
            t("flows.col_last_day"): effective_last_day(line.last_day, line.extended_until).strftime("%d/%m/%Y"),
            t("flows.col_state"): t(f"standing.{line.standing.value}"),
            t("flows.col_last_notice"): line.last_notice or "",
            t("flows.col_problem"): line.problem or "",
        }
        for line in standing
    ]
