"""The database adds up the report's figures as the rules say (SQLite and PostgreSQL).

Random stores: every unit's reports with several versions (accepted, returned, awaiting, some
after the report's date), values missing at random (a rate then counts only units with both
figures), on the bundled plan (one value period: the annual report) and on a variant whose
consolidated report is made of quarterly reports (three value periods: events add up, stocks
take the latest quarter). The expected figures are worked out here, from what was inserted, with
the pure `sums_from_values` and `combine_periods`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from dutyflow.indicators import combine_periods, sums_from_values
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Plan, load_plan
from dutyflow.report.collect import collect
from dutyflow.report.data import consolidated_deliverable, value_periods
from dutyflow.states import SubmissionChannel, SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import DataValueRow, DeliverableRow, ObligationRow, SubmissionRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

AS_OF = dt.date(2025, 11, 24)
UNTIL = at("2025-11-25", 0)


def quarterly_plan(tmp_path: Path) -> Path:
    """The bundled plan, its district report made of quarterly reports instead."""
    document = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    document["deliverables"].insert(
        0,
        {
            "code": "bao-cao-quy",
            "name": "Báo cáo quý",
            "kind": "report",
            "units": ["don-vi-bao-cao"],
            "forms": ["PL1", "PL2", "PL3", "PL4"],
            "recurrence": {"every": "quarter", "start": "2025-01-01", "end": "2025-09-30", "due_day": 10},
        },
    )
    for deliverable in document["deliverables"]:
        if deliverable["kind"] == "consolidated":
            deliverable["inputs"] = ["bao-cao-quy"]
    # A second indicators form: a data element may come on either, or on both.
    pl1 = next(form for form in document["forms"] if form["code"] == "PL1")
    document["forms"].append({**pl1, "code": "PL1B", "name": "Phụ lục I-B"})
    document["deliverables"][0]["forms"].append("PL1B")
    path = tmp_path / "quarterly.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def random_values(plan: Plan, rng: random.Random) -> list[tuple[str, str, str, Decimal | None, str | None]]:
    values: list[tuple[str, str, str, Decimal | None, str | None]] = []
    second = any(form.code == "PL1B" for form in plan.forms)
    for element in plan.data_elements:
        if rng.random() < 0.7:
            values.append(("PL1", element.code, "value", Decimal(rng.randint(0, 400)), None))
        if second and rng.random() < 0.3:
            values.append(("PL1B", element.code, "value", Decimal(rng.randint(0, 400)), None))
    for form in plan.forms:
        if form.kind != "table":
            continue
        for row in form.rows:
            for column in form.columns:
                if rng.random() < 0.5:
                    number = Decimal(rng.randint(0, 3000)) / (2 if form.value_type == "money" else 1)
                    values.append((form.code, row.code, column.code, number, None))
    for duty in rng.sample(list(plan.duties), 3):
        values.append(("PL2", duty.code, "status", None, rng.choice(["Đã hoàn thành", "Đang thực hiện"])))
        values.append(("PL2", duty.code, "narrative", None, f"Báo cáo số {rng.randint(1, 99)} & <ghi chú>"))
    return values


def fill(engine: Engine, plan: Plan, rng: random.Random) -> dict[str, Any]:
    """Insert random submissions for the value periods' obligations; return what should count."""
    periods = {(p.deliverable, p.period): p for p in value_periods(plan, consolidated_deliverable(plan))}
    counted: dict[tuple[str, str], list[tuple[str, str, str, Decimal | None, str | None]]] = {}
    owing: set[str] = set()
    with session_scope(engine) as session:
        rows = session.execute(
            select(ObligationRow, UnitRow.code, DeliverableRow.code)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .order_by(ObligationRow.id)
        ).all()
        for obligation, unit, deliverable in rows:
            if (deliverable, obligation.period) not in periods:
                continue
            owing.add(unit)
            latest = None
            for version in range(1, rng.randint(0, 3) + 1):
                status = rng.choice([*[SubmissionStatus.ACCEPTED] * 3, SubmissionStatus.RETURNED, SubmissionStatus.SUBMITTED])
                received = at(rng.choice(["2025-06-02", "2025-10-01", "2025-11-20", "2025-11-24", "2025-11-26"]), 9)
                values = random_values(plan, rng) if status is not SubmissionStatus.RETURNED else []
                submission = SubmissionRow(
                    obligation_id=obligation.id,
                    version=version,
                    channel=SubmissionChannel.PORTAL,
                    received_at=received,
                    status=status,
                    reasons=[],
                )
                session.add(submission)
                session.flush()
                session.add_all(
                    DataValueRow(submission_id=submission.id, form=f, row=r, column=c, number=n, text=t)
                    for f, r, c, n, t in values
                )
                if status is SubmissionStatus.ACCEPTED and received < UNTIL:
                    latest = values
            if latest is not None:
                counted[(unit, obligation.period)] = latest
    return {"counted": counted, "periods": periods, "owing": owing}


def expected_figures(plan: Plan, data: dict[str, Any]) -> dict[str, Any]:
    """Per unit, combine the counted values over the periods; then add up the units."""
    ends = {period: p.end for (_, period), p in data["periods"].items()}
    nature = {d.code: d.nature for d in plan.data_elements}
    kinds = {f.code: f.kind for f in plan.forms}
    figures: dict[str, dict[tuple[str, str, str], list[tuple[dt.date, Decimal]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    answers: dict[tuple[str, str], dict[str, tuple[dt.date, str]]] = defaultdict(dict)
    for (unit, period), values in data["counted"].items():
        for form, row, column, number, text in values:
            if number is not None:
                figures[unit][(form, row, column)].append((ends[period], number))
            elif text:
                held = answers[(unit, row)].get(column)
                if held is None or held[0] <= ends[period]:
                    answers[(unit, row)][column] = (ends[period], text)
    by_element: dict[str, dict[str, list[tuple[dt.date, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for (unit, period), values in data["counted"].items():  # a data element across the indicators forms
        for form, row, _, number, _ in values:
            if number is not None and kinds[form] == "indicators":
                by_element[unit][row].append((ends[period], number))
    per_unit = {
        unit: {row: combine_periods(nature[row], items) for row, items in rows.items()}
        for unit, rows in by_element.items()
    }
    tables: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    table_units: dict[str, set[str]] = defaultdict(set)
    for unit, cells in figures.items():
        for (form, row, column), items in cells.items():
            if kinds[form] != "table":
                continue
            value = combine_periods(nature.get(row, "event"), items)
            assert value is not None
            tables[form][(row, column)] = tables[form].get((row, column), Decimal(0)) + value
            table_units[form].add(unit)
    return {
        "sums": sums_from_values(plan, per_unit, expected=data["owing"]),  # type: ignore[arg-type]
        "tables": {form: (cells, len(table_units[form])) for form, cells in tables.items()},
        "duties": {key: {c: text for c, (_, text) in given.items()} for key, given in answers.items()},
    }


@pytest.mark.parametrize("variant", ["annual", "quarterly"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_adds_up_what_the_rules_say(engine: Engine, tmp_path: Path, variant: str, seed: int) -> None:
    path = BUNDLED_PLAN if variant == "annual" else quarterly_plan(tmp_path)
    plan = load_plan(path)
    assert len(value_periods(plan, consolidated_deliverable(plan))) == (1 if variant == "annual" else 3)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, path, now=at("2025-01-02"), actor="t")
    data = fill(engine, plan, random.Random(seed))
    expected = expected_figures(plan, data)

    with session_scope(engine) as session:
        report_input = collect(session, None, AS_OF)

    assert report_input.indicator_sums == expected["sums"]
    assert any(s.reported for s in expected["sums"].values()), "some indicator should have figures"
    assert {f: (t.cells, t.units) for f, t in report_input.tables.items()} == expected["tables"]
    assert {(r.unit, r.duty): {"status": r.status, "narrative": r.narrative} for r in report_input.duty_reports} == {
        key: {"status": given.get("status"), "narrative": given.get("narrative")}
        for key, given in expected["duties"].items()
    }
    assert report_input.value_units == frozenset(data["owing"])
