"""A process that hands in submissions one after another, through `dutyflow.intake.submit_file`.

    python -m bench.cluster.submitter --database DB --data-dir DIR --count N [--fingerprints OUT.json]

Each submission is one transaction (as the portal and `dutyflow import` do it) and, once
committed, prints `committed <n>`. The fault test kills this process with SIGKILL at a random
point. The sequence is deterministic (same obligations, files and clock every time), so a clean run
with `--fingerprints` records the store's fingerprint before the first submission and after each
one: a crashed run must leave the store equal to one of them.

Three kinds of submission take turns, to exercise every write of the intake:
- a valid PDF for the implementation plan (accepted: submission, obligation state, audit event);
- a truncated PDF for the implementation plan of the next unit (returned: a new chase round);
- a filled workbook for the 6-month report (accepted with its data values: dozens of rows).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench.cluster import config
from bench.cluster.fingerprint import dsn, fingerprint
from dutyflow.intake import submit_file, target_of
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.queries import loaded_plan
from tests.filling import filled_workbook

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.datetime(2025, 5, 12, 10, tzinfo=TZ)
PLAN_DELIVERABLE = "ke-hoach-trien-khai"
REPORT_DELIVERABLE = "bao-cao-6-thang"
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def pdf(label: str, *, complete: bool = True) -> bytes:
    """A small PDF naming `label` (so every file is distinct); without its %%EOF it is refused."""
    body = f"%PDF-1.4\n% dutyflow cluster fault test: {label}\n1 0 obj << /Type /Catalog >> endobj\n".encode()
    return body + (b"trailer << /Root 1 0 R >>\n%%EOF\n" if complete else b"")


def deterministic(workbook: bytes) -> bytes:
    """The same bytes for the same workbook: openpyxl stamps the save time into docProps/core.xml
    and the zip members; both are fixed here, so a rerun stores the same sha256 and size."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "docProps/core.xml":
                data = MODIFIED.sub(rb"\g<1>2025-01-01T00:00:00Z\g<2>", data)
            copy.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def work_list(database_url: str, count: int) -> list[tuple[int, str]]:
    """(obligation id, kind) for the first `count` submissions, in a fixed order."""
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        rows = session.execute(
            select(ObligationRow.id, UnitRow.code, DeliverableRow.code)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(DeliverableRow.code.in_([PLAN_DELIVERABLE, REPORT_DELIVERABLE]))
            .order_by(UnitRow.id, DeliverableRow.code)
        ).all()
    engine.dispose()
    by_unit: dict[str, dict[str, int]] = {}
    for oid, unit, deliverable in rows:
        by_unit.setdefault(unit, {})[deliverable] = oid
    units = [u for u, d in by_unit.items() if len(d) == 2]
    kinds = ("pdf", "bad-pdf", "workbook")
    out = []
    for i in range(count):
        kind = kinds[i % 3]
        deliverable = REPORT_DELIVERABLE if kind == "workbook" else PLAN_DELIVERABLE
        out.append((by_unit[units[i]][deliverable], kind))
    return out


def run(database: str, data_dir: Path, count: int, fingerprints: Path | None) -> None:
    cluster = config.load()
    url = cluster.pg_url(database)
    conninfo = dsn(cluster.admin_dsn, database)
    engine = make_engine(url)
    files = FileStore(data_dir / "uploads")
    work = work_list(url, count)
    with session_scope(engine) as session:
        plan = loaded_plan(session).plan
    prints = [fingerprint(conninfo)] if fingerprints else []
    for number, (obligation_id, kind) in enumerate(work, start=1):
        now = START + dt.timedelta(minutes=number)
        with session_scope(engine) as session:  # one transaction per submission
            obligation = session.get(ObligationRow, obligation_id)
            assert obligation is not None
            label = f"{obligation.unit.code}-{obligation.deliverable.code}-{number}"
            if kind == "workbook":
                data, name = deterministic(filled_workbook(target_of(plan, obligation))), f"{label}.xlsx"
            else:
                data, name = pdf(label, complete=kind == "pdf"), f"{label}.pdf"
            submit_file(session, files, plan, obligation, data, name, channel="import", actor="cluster-fault", now=now)
        print(f"committed {number}", flush=True)
        if fingerprints:
            prints.append(fingerprint(conninfo))
    if fingerprints:
        fingerprints.write_text(json.dumps(prints), encoding="utf-8")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--fingerprints", type=Path, default=None)
    args = parser.parse_args(argv)
    run(args.database, args.data_dir, args.count, args.fingerprints)


if __name__ == "__main__":
    main()
