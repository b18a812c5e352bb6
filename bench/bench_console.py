"""The console's pages at a province's scale: 3,321 units (3,200 communes, 121 district units).

    python -m bench.bench_console [--db sqlite|postgresql|both] [--repeat 5]

Loads a synthetic plan (`generate_plan`), announces every obligation, then times each page's
service (the work of a request but for rendering and HTTP): the overview, the units list, a unit's
page and the audit log. Goal: the overview under 1 s. Appends to bench/results.jsonl.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench.bench_chase import fresh_store, load_store
from bench.common import append_result, host_info, timed
from bench.generate_plan import write_plan
from dutyflow.calendar import WorkingCalendar
from dutyflow.console.audit_log import audit_view
from dutyflow.console.overview import overview
from dutyflow.console.scope import Scope
from dutyflow.console.tables import Query
from dutyflow.console.unit_page import unit_page
from dutyflow.console.units import unit_list
from dutyflow.states import ObligationState
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import ObligationRow
from dutyflow.store.queries import loaded_plan

COMMUNES, DISTRICTS = 3_200, 120  # with the office: 3,321 units
NOW = dt.datetime(2025, 8, 20, 3, tzinfo=dt.UTC)


def run(backend: str, folder: Path, repeat: int) -> dict[str, Any]:
    plan_path = write_plan(folder / "plan.yaml", communes=COMMUNES, districts=DISTRICTS)
    with fresh_store(backend, folder) as engine:
        load_store(engine, plan_path)
        with session_scope(engine) as session:
            session.execute(update(ObligationRow).values(state=ObligationState.ANNOUNCED))
            stored = loaded_plan(session)
        scope = Scope(
            engine,
            FileStore(folder / "files"),
            stored.plan,
            stored.id,
            WorkingCalendar.from_config(stored.plan.calendar),
            NOW,
        )
        some_unit = stored.plan.units[len(stored.plan.units) // 2].code
        pages = {
            "overview": lambda: overview(scope, Query("/", ())),
            "units": lambda: unit_list(scope, Query("/", (("q", "an"),))),
            "unit": lambda: unit_page(scope, some_unit, Query("/", ())),
            "audit": lambda: audit_view(scope, Query("/", (("action", "created"),))),
        }
        figures: dict[str, Any] = {"backend": backend, "units": len(stored.plan.units)}
        for name, call in pages.items():
            times = [timed(call)[1] for _ in range(repeat)]
            figures[f"{name}_median_s"] = round(statistics.median(times), 3)
            figures[f"{name}_max_s"] = round(max(times), 3)
        return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    for backend in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        with tempfile.TemporaryDirectory() as folder:
            figures = run(backend, Path(folder), args.repeat)
        append_result({"bench": "console", **figures, **host_info()})
        print(figures)


if __name__ == "__main__":
    main()
