"""The messages a demo year sent, one line each, to hold a run to the one before it message by message.

A line is the message's simulated day, its template, its ladder step (or receipt, report…), the unit,
the obligations it is about (deliverable/period) and its recipients: what a unit or leader got and
when, without the Message-ID, the real time it was claimed at or the bytes of its body.

    .venv/bin/python -m tests.demo_messages DEMO_FOLDER > tests/fixtures/demo-short-messages.tsv

writes the list of a short demo year (`dutyflow demo --quick --seed 2025 --out DEMO_FOLDER`) that
tests/test_wheel.py holds the installed package's run to.
"""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from dutyflow.states import NotificationStatus
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.models import DeliverableRow, NotificationRow, ObligationRow, UnitRow

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def listing(demo: Path) -> list[str]:
    """The demo's sent messages, one tab-separated line each, sorted."""
    engine = make_engine(f"sqlite:///{demo / 'dutyflow.db'}")
    messages: dict[str, tuple[tuple[str, str, str, str], set[str], set[str]]] = {}
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(
                    NotificationRow.message_id,
                    NotificationRow.sent_at,
                    NotificationRow.template,
                    NotificationRow.step,
                    UnitRow.code,
                    DeliverableRow.code,
                    ObligationRow.period,
                    NotificationRow.recipient,
                )
                .outerjoin(UnitRow, NotificationRow.unit_id == UnitRow.id)
                .outerjoin(ObligationRow, NotificationRow.obligation_id == ObligationRow.id)
                .outerjoin(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(NotificationRow.status == NotificationStatus.SENT)
            )
            for message_id, sent_at, template, step, unit, deliverable, period, recipient in rows:
                assert sent_at is not None, message_id
                day = sent_at.replace(tzinfo=sent_at.tzinfo or ZoneInfo("UTC")).astimezone(LOCAL).date()
                head = (day.isoformat(), template, step, unit or "")
                _, about, to = messages.setdefault(message_id, (head, set(), set()))
                assert messages[message_id][0] == head, (message_id, head)
                if deliverable:
                    about.add(f"{deliverable}/{period}")
                to.add(recipient.lower())
    finally:
        engine.dispose()
    return sorted("\t".join([*head, ",".join(sorted(about)), ",".join(sorted(to))]) for head, about, to in messages.values())


if __name__ == "__main__":
    print("\n".join(listing(Path(sys.argv[1]))))
