"""Load a validated plan into the store: idempotent, audited, all or nothing.

Loading the same plan twice changes nothing. A changed plan updates what changed and writes one
audit event per change. Removing something that already has submissions is refused, and then
nothing at all is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from dutyflow import audit, lifecycle
from dutyflow.calendar import WorkingCalendar
from dutyflow.messages import t
from dutyflow.obligations import ObligationSpec, expand_obligations
from dutyflow.plan import Plan
from dutyflow.store.db import BULK_ROWS, refresh_statistics
from dutyflow.store.models import (
    Base,
    DataElementRow,
    DeliverableRow,
    DutyRow,
    FormRow,
    IndicatorRow,
    NotificationRow,
    ObligationRow,
    PlanRow,
    SubmissionRow,
    UnitRow,
)


class PlanLoadRefused(Exception):
    """The plan would delete things that already hold submissions; nothing was written."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("\n".join(reasons))


@dataclass
class LoadReport:
    plan_code: str
    title: str
    changes: Counter[str] = field(default_factory=Counter)

    def _ordered_changes(self) -> list[tuple[tuple[str, str], int]]:
        entities = ["plan", "unit", "duty", "data_element", "indicator", "form", "deliverable", "obligation"]
        actions = ["created", "updated", "deleted"]
        pairs = [(tuple(key.split(" ", 1)), count) for key, count in self.changes.items()]
        return sorted(pairs, key=lambda p: (entities.index(p[0][0]), actions.index(p[0][1])))  # type: ignore[arg-type]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def describe(self) -> str:
        if not self.changed:
            return t("load.unchanged", title=self.title)
        parts = ", ".join(
            t("load.change", count=count, entity=t(f"load.entity.{entity}"), action=t(f"load.action.{action}"))
            for (entity, action), count in self._ordered_changes()
        )
        return t("load.loaded", title=self.title, changes=parts)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_plan_into_store(session: Session, plan: Plan, source: Path, *, now: dt.datetime, actor: str) -> LoadReport:
    """Make the store hold exactly `plan`. Call inside a transaction (see `session_scope`)."""
    loader = _Loader(session, plan, now=now, actor=actor)
    return loader.run(source)


class _Loader:
    def __init__(self, session: Session, plan: Plan, *, now: dt.datetime, actor: str) -> None:
        self.session = session
        self.plan = plan
        self.now = now
        self.actor = actor
        self.report = LoadReport(plan.plan.code, plan.plan.title)
        self.refusals: list[str] = []
        self.deletes: list[tuple[str, Any]] = []

    def run(self, source: Path) -> LoadReport:
        plan_row = self._plan_row(source)
        pid = plan_row.id
        units = self._sync(
            UnitRow,
            pid,
            "unit",
            {u.code: _unit_fields(u) for u in self.plan.units},
            guard=self._submissions_of_unit,
        )
        self._sync(DutyRow, pid, "duty", {d.code: self._duty_fields(d) for d in self.plan.duties})
        self._sync(
            DataElementRow,
            pid,
            "data_element",
            {d.code: {"name": d.name, "nature": d.nature} for d in self.plan.data_elements},
        )
        self._sync(IndicatorRow, pid, "indicator", {i.code: self._indicator_fields(i) for i in self.plan.indicators})
        self._sync(
            FormRow,
            pid,
            "form",
            {
                f.code: {"name": f.name, "kind": f.kind, "version": f.version, "definition": f.model_dump(mode="json")}
                for f in self.plan.forms
            },
        )
        deliverables = self._sync(
            DeliverableRow,
            pid,
            "deliverable",
            {
                d.code: {"name": d.name, "kind": d.kind, "definition": d.model_dump(mode="json")}
                for d in self.plan.deliverables
            },
            guard=self._deliverable_guard,
        )
        calendar = WorkingCalendar.from_config(self.plan.calendar)
        self._sync_obligations(pid, expand_obligations(self.plan, calendar), units, deliverables)
        self._delete_pending()
        if self.refusals:
            raise PlanLoadRefused(self.refusals)
        for entity, row in (("unit", UnitRow), ("obligation", ObligationRow)):
            if self.report.changes[f"{entity} created"] >= BULK_ROWS:
                refresh_statistics(self.session, row.__tablename__)
        return self.report

    # ------------------------------------------------------------------ plan row

    def _plan_row(self, source: Path) -> PlanRow:
        document = self.plan.model_dump(mode="json")
        fields = {
            "title": self.plan.plan.title,
            "year": self.plan.plan.year,
            "source_path": str(source),
            "sha256": file_sha256(source),
            "document": document,
        }
        row = self.session.scalar(select(PlanRow).where(PlanRow.code == self.plan.plan.code))
        if row is None:
            row = PlanRow(code=self.plan.plan.code, loaded_at=self.now, **fields)
            self.session.add(row)
            self.session.flush()
            self._audit("created", "plan", row.code, {"title": row.title})
        elif row.document != document:
            changed = [key for key in document if document[key] != row.document.get(key)]
            for key, value in fields.items():
                setattr(row, key, value)
            row.loaded_at = self.now
            self._audit("updated", "plan", row.code, {"sections": changed})
        return row

    # ------------------------------------------------------------------ generic sync

    def _sync(
        self,
        model: type[Base],
        plan_id: int,
        entity: str,
        desired: Mapping[str, dict[str, Any]],
        guard: Callable[[Any], int] | None = None,
    ) -> dict[str, Any]:
        """Create, update and (later) delete rows of `model` so they match `desired`."""
        rows: list[Any] = list(self.session.scalars(select(model).filter_by(plan_id=plan_id)))
        existing: dict[str, Any] = {row.code: row for row in rows}
        for code, values in desired.items():
            row = existing.get(code)
            if row is None:
                row = model(plan_id=plan_id, code=code, **values)
                self.session.add(row)
                existing[code] = row
                self._audit("created", entity, code, _jsonable(values))
                continue
            self._update(row, entity, code, values)
        self.session.flush()
        removed = [row for code, row in existing.items() if code not in desired]
        for row in removed:
            held = guard(row) if guard else 0
            if held:
                self.refusals.append(
                    t("load.refused_removal", what=t(f"load.entity.{entity}"), code=row.code, count=held)
                )
            else:
                self.deletes.append((entity, row))
        return {code: row for code, row in existing.items() if code in desired}

    def _update(self, row: Any, entity: str, code: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Give `row` the `values` that differ, auditing each change with its value before and after;
        returns the changes."""
        changes = {
            key: {"before": _jsonable(getattr(row, key)), "after": _jsonable(value)}
            for key, value in values.items()
            if getattr(row, key) != value
        }
        if changes:
            for key, value in values.items():
                setattr(row, key, value)
            self._audit("updated", entity, code, changes)
        return changes

    def _delete_pending(self) -> None:
        if self.refusals:
            return
        for entity, row in self.deletes:
            if entity == "unit":
                self._delete_obligations(ObligationRow.unit_id == row.id)
            elif entity == "deliverable":
                self._delete_obligations(ObligationRow.deliverable_id == row.id)
            self.session.delete(row)
            self._audit("deleted", entity, row.code, {})
        self.session.flush()

    def _delete_obligations(self, condition: Any) -> None:
        ids = list(self.session.scalars(select(ObligationRow.id).where(condition)))
        if ids:
            self.session.execute(delete(NotificationRow).where(NotificationRow.obligation_id.in_(ids)))
            self.session.execute(delete(ObligationRow).where(ObligationRow.id.in_(ids)))

    def _submissions_of_unit(self, row: UnitRow) -> int:
        return int(
            self.session.scalar(
                select(func.count(SubmissionRow.id))
                .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
                .where(ObligationRow.unit_id == row.id)
            )
            or 0
        )

    def _deliverable_guard(self, row: DeliverableRow) -> int:
        return int(
            self.session.scalar(
                select(func.count(SubmissionRow.id))
                .join(ObligationRow, SubmissionRow.obligation_id == ObligationRow.id)
                .where(ObligationRow.deliverable_id == row.id)
            )
            or 0
        )

    # ------------------------------------------------------------------ obligations

    def _sync_obligations(
        self,
        plan_id: int,
        specs: list[ObligationSpec],
        units: dict[str, UnitRow],
        deliverables: dict[str, DeliverableRow],
    ) -> None:
        unit_code = {row.id: code for code, row in units.items()}
        deliverable_code = {row.id: code for code, row in deliverables.items()}
        existing: dict[tuple[str, str, str], ObligationRow] = {}
        orphans: list[ObligationRow] = []
        rows = self.session.scalars(select(ObligationRow).where(ObligationRow.plan_id == plan_id))
        for row in rows:
            key = (unit_code.get(row.unit_id), deliverable_code.get(row.deliverable_id), row.period)
            if key[0] is None or key[1] is None:
                continue  # its unit or deliverable is being deleted; handled there
            existing[key] = row  # type: ignore[index]
        wanted = {(s.unit, s.deliverable, s.period): s for s in specs}
        created: list[dict[str, Any]] = []  # inserted in bulk: 54,600 at national scale
        for key, spec in wanted.items():
            values = _obligation_fields(spec)
            code = "/".join(key)
            current = existing.get(key)
            if current is None:
                created.append(
                    {
                        "plan_id": plan_id,
                        "unit_id": units[spec.unit].id,
                        "deliverable_id": deliverables[spec.deliverable].id,
                        "period": spec.period,
                        "state": lifecycle.initial_state(),
                        **values,
                    }
                )
                continue
            if "last_day" in self._update(current, "obligation", code, values):
                lifecycle.deadline_moved(current, now=self.now)
        for key, row in existing.items():
            if key in wanted:
                continue
            held = self.session.scalar(
                select(func.count(SubmissionRow.id)).where(SubmissionRow.obligation_id == row.id)
            )
            if held:
                self.refusals.append(
                    t("load.refused_removal", what=t("load.entity.obligation"), code="/".join(key), count=held)
                )
            else:
                orphans.append(row)
                self._audit("deleted", "obligation", "/".join(key), {})
        for row in orphans:
            self._delete_obligations(ObligationRow.id == row.id)
        if created:
            self.session.execute(insert(ObligationRow), created)
            self.report.changes["obligation created"] += len(created)
        self.session.flush()

    # ------------------------------------------------------------------ helpers

    def _duty_fields(self, duty: Any) -> dict[str, Any]:
        return {
            "section": duty.section,
            "title": duty.title,
            "text": duty.text,
            "units": [u.code for u in self.plan.expand_units(duty.units)],
            "partners": [u.code for u in self.plan.expand_units(duty.partners)],
        }

    def _indicator_fields(self, ind: Any) -> dict[str, Any]:
        return {
            "group": ind.group,
            "name": ind.name,
            "measure": ind.measure.value,
            "numerator": ind.numerator,
            "denominator": ind.denominator,
            "factor": ind.effective_factor,
            "direction": ind.direction.value,
            "strict": ind.strict,
            "target": ind.target,
            "baseline": ind.baseline,
            "reported_by": [u.code for u in self.plan.expand_units(ind.reported_by)],
        }

    def _audit(self, action: str, entity: str, code: str, detail: dict[str, Any]) -> None:
        if entity != "obligation" or action != "created":
            self.report.changes[f"{entity} {action}"] += 1
        audit.write(self.session, audit.AuditEvent(action, entity, code, detail), actor=self.actor, at=self.now)


def _unit_fields(unit: Any) -> dict[str, Any]:
    return {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind.value,
        "gso_code": unit.gso_code,
        "parent_code": unit.parent,
        "focal_name": unit.focal.name,
        "focal_email": unit.focal.email,
        "head_name": unit.head.name,
        "head_email": unit.head.email,
        "opens": unit.opens,
        "closes": unit.closes,
        "successor_code": unit.successor,
    }


def _obligation_fields(spec: ObligationSpec) -> dict[str, Any]:
    """What the plan decides of an obligation (its state is the lifecycle's)."""
    copied = {key: getattr(spec, key) for key in ("period_label", "due", "last_day", "cutoff")}
    return copied | {"rule": spec.rule.value, "covers": list(spec.covers)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
