"""The unit's page reads its history in one query, however many obligations the unit has, and shows
each obligation's own submissions, newest first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, select

from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from tests.filling import filled_workbook
from tests.test_portal import Site, site, upload

__all__ = ["site"]  # the fixture, used below

FROM = re.compile(r"\bFROM\s+(\w+)", re.IGNORECASE)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def reads_of(table: str, seen: list[str]) -> int:
    """How many statements read `table` first (their main FROM)."""
    return sum(1 for sql in seen if (m := FROM.search(sql)) is not None and m.group(1) == table)


def test_the_unit_page_reads_every_submission_of_the_unit_in_one_query(site: Site) -> None:
    token = site.token("xa-a")
    with session_scope(site.engine) as session:
        unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == "xa-a")).one()
        count = len(session.scalars(select(ObligationRow.id).where(ObligationRow.unit_id == unit_id)).all())
    assert count >= 3, "the test needs a unit with several obligations"
    obligation = site.obligation("xa-a", "bao-cao-6-thang")
    workbook = filled_workbook(site.target("xa-a", "bao-cao-6-thang"))
    for _ in range(2):  # a report, then its correction
        assert upload(site, token, obligation.id, workbook).status_code == 200

    with statements(site.engine) as seen:
        page = site.client.get(f"/u/{token}")
    assert page.status_code == 200
    assert reads_of("submissions", seen) == 1, seen
    assert reads_of("obligations", seen) == 1, seen
    assert reads_of("deliverables", seen) <= 1, seen
    # Both versions are in the history of their obligation, the newest first, and only there.
    assert page.text.count("Lần 2 –") == 1 and page.text.count("Lần 1 –") == 1
    assert page.text.index("Lần 2 –") < page.text.index("Lần 1 –")
