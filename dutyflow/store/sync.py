"""Load a validated plan into the store: idempotent, audited, all or nothing.

Loading the same plan twice changes nothing. A changed plan updates what changed and writes one
audit event per change. Nothing that happened is deleted (see decisions.md, "A reload withdraws,
it never deletes"): an obligation the plan no longer asks for is withdrawn, with its messages and
submissions; a unit or deliverable the plan no longer names stays as history while obligations
refer to it. What a closed unit still owes passes to its successor on the day it closes
(`obligations.owners_on`): `sync_obligations` is the same step, run by the daily flows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dutyflow import audit, lifecycle
from dutyflow.calendar import WorkingCalendar
from dutyflow.messages import t
from dutyflow.obligations import Key, ObligationSpec, expand_obligations, owners_on
from dutyflow.plan import Plan
from dutyflow.states import HANDED_IN_STATES, NotificationStatus, ObligationState, Withdrawal
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
    UnitTokenRow,
)

ASSIGN_STEP = "assign"
"""The outbox step of the assignment (`messaging.assignment.STEP`; the store does not import messaging)."""


CONTACT_FIELDS = ("focal_name", "focal_email", "head_name", "head_email")
"""A unit's contact fields the console corrects (`office.correct_contact`)."""


class ContactOutcome(StrEnum):
    """What a reload did with a contact corrected in the console since the last load."""

    KEPT = "kept"
    """The file still holds the value the correction replaced: the correction stays."""
    REPLACED = "replaced"
    """The file itself changes the contact: its new value replaces the correction."""


@dataclass(frozen=True)
class ContactNote:
    """A contact field of a unit corrected in the console, and what the load did with it."""

    unit: str
    unit_name: str
    field: str
    outcome: ContactOutcome
    value: str
    """The value the store holds after the load."""
    file_before: str
    """What the previously loaded file said (what the correction replaced)."""
    corrected: str
    """The value the console's correction had set."""

    def text(self) -> str:
        contact = t(f"console_import.load.fields.{self.field}")
        values = {"unit": self.unit_name, "contact": contact, "value": self.value, "corrected": self.corrected}
        if self.outcome is ContactOutcome.KEPT:
            return t("console_import.load.kept", file=self.file_before, **values)
        return t("console_import.load.replaced", file_before=self.file_before, **values)


@dataclass
class LoadReport:
    plan_code: str
    title: str
    changes: Counter[str] = field(default_factory=Counter)
    contacts: list[ContactNote] = field(default_factory=list)
    """Contacts corrected in the console since the last load: kept, or replaced by the file."""

    def contact_texts(self) -> list[str]:
        """A sentence for each contact corrected in the console: kept, or replaced by the file."""
        return [note.text() for note in self.contacts]

    def contact_lines(self) -> list[str]:
        """What the command line prints about them after the load's summary (none: no line)."""
        texts = self.contact_texts()
        return [t("console_import.load.heading"), *(f"- {text}" for text in texts)] if texts else []

    def _ordered_changes(self) -> list[tuple[tuple[str, str], int]]:
        entities = ["plan", "unit", "duty", "data_element", "indicator", "form", "deliverable", "obligation"]
        pairs = [(tuple(key.split(" ", 1)), count) for key, count in self.changes.items()]
        return sorted(pairs, key=lambda p: (entities.index(p[0][0]), list(_ACTION_WORDS).index(p[0][1])))  # type: ignore[arg-type]

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def describe(self) -> str:
        if not self.changed:
            return t("load.unchanged", title=self.title)
        parts = ", ".join(
            t("load.change", count=count, entity=t(f"load.entity.{entity}"), action=t(_ACTION_WORDS[action]))
            for (entity, action), count in self._ordered_changes()
        )
        return t("load.loaded", title=self.title, changes=parts)


_ACTION_WORDS = {
    "created": "load.action.created",
    "updated": "load.action.updated",
    "deleted": "load.action.deleted",
    "removed": "lifetimes.load.removed",
    "withdrawn": "lifetimes.load.withdrawn",
    "reinstated": "lifetimes.load.reinstated",
}
"""How the load's summary words each action, in the order it lists them."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_plan_into_store(session: Session, plan: Plan, source: Path, *, now: dt.datetime, actor: str) -> LoadReport:
    """Make the store hold exactly `plan`. Call inside a transaction (see `session_scope`)."""
    loader = _Loader(session, plan, now=now, actor=actor)
    return loader.run(source)


def sync_obligations(session: Session, plan_id: int, plan: Plan, *, now: dt.datetime, actor: str) -> LoadReport:
    """Give the stored obligations of the loaded `plan` their owners on `now`'s day: what a unit
    closed by then still owes passes to its successor. The daily flows run it (a unit closes on
    a day, not when the plan is loaded); it does nothing when no unit of the plan has closed."""
    loader = _Loader(session, plan, now=now, actor=actor)
    today = WorkingCalendar.from_config(plan.calendar).local_date(now)
    if any(u.is_closed_on(today) for u in plan.units):
        units = {row.code: row for row in session.scalars(select(UnitRow).filter_by(plan_id=plan_id))}
        deliverables = {row.code: row for row in session.scalars(select(DeliverableRow).filter_by(plan_id=plan_id))}
        loader.sync_obligations(plan_id, units, deliverables)
    return loader.report


class _Loader:
    def __init__(self, session: Session, plan: Plan, *, now: dt.datetime, actor: str) -> None:
        self.session = session
        self.plan = plan
        self.now = now
        self.actor = actor
        self.report = LoadReport(plan.plan.code, plan.plan.title)
        self.calendar = WorkingCalendar.from_config(plan.calendar)
        self.previous: dict[str, set[str]] = {}
        """Codes of the units and deliverables the previously loaded version named."""
        self.removed: dict[str, list[Any]] = {}
        """Rows of each entity that the plan no longer names."""
        self.file_contacts: dict[str, dict[str, str]] = {}
        """Each unit's contact fields as the previously loaded file gave them."""
        self.reasons: dict[tuple[str, str], str] = {}
        """Why an entity's update is made, when the load has something to say (entity, code)."""

    def run(self, source: Path) -> LoadReport:
        plan_row = self._plan_row(source)
        pid = plan_row.id
        desired_units = {u.code: _unit_fields(u) for u in self.plan.units}
        self._keep_corrections(pid, desired_units)
        units = self._sync(UnitRow, pid, "unit", desired_units)
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
        )
        self.sync_obligations(pid, units, deliverables)
        self._delete_unreferenced()
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
        if row is not None:
            self.file_contacts = _contacts_of(row.document)
        if row is None:
            row = PlanRow(code=self.plan.plan.code, loaded_at=self.now, **fields)
            self.session.add(row)
            self.session.flush()
            self._audit("created", "plan", row.code, {"title": row.title})
        elif row.document != document:
            self.previous = {
                section: {item["code"] for item in row.document.get(f"{section}s", [])}
                for section in ("unit", "deliverable")
            }
            changed = [key for key in document if document[key] != row.document.get(key)]
            for key, value in fields.items():
                setattr(row, key, value)
            row.loaded_at = self.now
            self._audit("updated", "plan", row.code, {"sections": changed})
        return row

    # ------------------------------------------------------------------ contacts corrected in the console

    def _keep_corrections(self, plan_id: int, desired: Mapping[str, dict[str, Any]]) -> None:
        """Keep in `desired` the contact fields corrected in the console since the last load, unless
        the file itself changes them (docs/decisions.md, "A console correction survives a reload").
        A stored value that differs from what the last loaded file said was corrected in the console:
        the loader is the only other writer of these fields."""
        if not self.file_contacts:
            return
        rows = {row.code: row for row in self.session.scalars(select(UnitRow).filter_by(plan_id=plan_id))}
        for code, values in desired.items():
            row, before = rows.get(code), self.file_contacts.get(code)
            if row is None or before is None:
                continue
            for name in CONTACT_FIELDS:
                stored, file_before, file_now = getattr(row, name), before.get(name), values[name]
                if file_before is None or stored in (file_before, file_now):
                    continue  # never corrected, or the file now says what the correction said
                outcome = ContactOutcome.KEPT if file_now == file_before else ContactOutcome.REPLACED
                if outcome is ContactOutcome.KEPT:
                    values[name] = stored
                else:
                    self.reasons[("unit", code)] = t("console_import.load.replaced_reason")
                note = ContactNote(code, values["name"], name, outcome, values[name], file_before, stored)
                self.report.contacts.append(note)

    # ------------------------------------------------------------------ generic sync

    def _sync(
        self, model: type[Base], plan_id: int, entity: str, desired: Mapping[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """Create and update rows of `model` so they match `desired`; every row, `desired` or not
        (units and deliverables the plan no longer names stay while obligations refer to them)."""
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
            self._update(row, entity, code, values, self.reasons.get((entity, code)))
        self.session.flush()
        self.removed[entity] = [row for code, row in existing.items() if code not in desired]
        return existing

    def _update(
        self, row: Any, entity: str, code: str, values: Mapping[str, Any], reason: str | None = None
    ) -> dict[str, Any]:
        """Give `row` the `values` that differ, auditing each change with its value before and after
        (and `reason`, when the load has one); returns the changes."""
        changes = {
            key: {"before": _jsonable(getattr(row, key)), "after": _jsonable(value)}
            for key, value in values.items()
            if getattr(row, key) != value
        }
        if changes:
            for key, value in values.items():
                setattr(row, key, value)
            self._audit("updated", entity, code, changes, reason)
        return changes

    def _delete_unreferenced(self) -> None:
        """Rows the plan no longer names: deleted if nothing ever referred to them, else kept as
        history (audited once, on the load that removed them)."""
        for entity, rows in self.removed.items():
            for row in rows:
                if entity in ("unit", "deliverable") and self._referenced(entity, row):
                    if row.code in self.previous.get(entity, set()):
                        self._audit("removed", entity, row.code, {})
                    continue
                self.session.delete(row)
                self._audit("deleted", entity, row.code, {})
        self.session.flush()

    def _referenced(self, entity: str, row: Any) -> bool:
        column = ObligationRow.unit_id if entity == "unit" else ObligationRow.deliverable_id
        held = self.session.scalar(select(func.count(ObligationRow.id)).where(column == row.id))
        if held or entity == "deliverable":
            return bool(held)
        for model, ref in ((NotificationRow, NotificationRow.unit_id), (UnitTokenRow, UnitTokenRow.unit_id)):
            if self.session.scalar(select(func.count(model.id)).where(ref == row.id)):
                return True
        return False

    # ------------------------------------------------------------------ obligations

    def sync_obligations(
        self, plan_id: int, units: Mapping[str, UnitRow], deliverables: Mapping[str, DeliverableRow]
    ) -> None:
        """Create, update, withdraw and reinstate obligations so the store owes what the plan asks
        on today's date; nothing is deleted."""
        unit_code = {row.id: code for code, row in units.items()}
        deliverable_code = {row.id: code for code, row in deliverables.items()}
        existing: dict[Key, ObligationRow] = {}
        for row in self.session.scalars(select(ObligationRow).where(ObligationRow.plan_id == plan_id)):
            existing[(unit_code[row.unit_id], deliverable_code[row.deliverable_id], row.period)] = row
        handed_in = {key for key, row in existing.items() if row.state in HANDED_IN_STATES}
        today = self.calendar.local_date(self.now)
        specs = owners_on(self.plan, expand_obligations(self.plan, self.calendar), today, handed_in)
        wanted = {(s.unit, s.deliverable, s.period): s for s in specs}
        created: list[dict[str, Any]] = []  # inserted in bulk: 54,600 at national scale
        for key, spec in wanted.items():
            values = _obligation_fields(spec)
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
            if "last_day" in self._update(current, "obligation", "/".join(key), values):
                lifecycle.deadline_moved(current, now=self.now)
            if current.state is ObligationState.WITHDRAWN:
                self._reinstate(current)
        carriers = {(code, s.deliverable, s.period): s.unit for s in specs for code in s.covers[1:]}
        for key, row in existing.items():
            if key in wanted:
                continue
            successor = carriers.get(key)
            why = Withdrawal.PASSED if successor is not None else self._why_not_owed(key[0], today)
            event = lifecycle.withdraw(row, why, successor=successor, now=self.now)
            if event is not None:
                self._write(event)
        if created:
            self.session.execute(insert(ObligationRow), created)
            self.report.changes["obligation created"] += len(created)
        self.session.flush()

    def _why_not_owed(self, unit_code: str, today: dt.date) -> Withdrawal:
        unit = self.plan.units_by_code.get(unit_code)
        return Withdrawal.CLOSED if unit is not None and unit.is_closed_on(today) else Withdrawal.REMOVED

    def _reinstate(self, row: ObligationRow) -> None:
        statuses = self.session.scalars(select(SubmissionRow.status).where(SubmissionRow.obligation_id == row.id))
        announced = self.session.scalar(
            select(func.count(NotificationRow.id)).where(
                NotificationRow.obligation_id == row.id,
                NotificationRow.step == ASSIGN_STEP,
                NotificationRow.status == NotificationStatus.SENT,
            )
        )
        self._write(lifecycle.reinstate(row, list(statuses), announced=bool(announced), now=self.now))

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

    def _audit(self, action: str, entity: str, code: str, detail: dict[str, Any], reason: str | None = None) -> None:
        self._write(audit.AuditEvent(action, entity, code, detail, reason))

    def _write(self, event: audit.AuditEvent) -> None:
        if event.entity != "obligation" or event.action != "created":
            self.report.changes[f"{event.entity} {event.action}"] += 1
        audit.write(self.session, event, actor=self.actor, at=self.now)


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


def _contacts_of(document: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Each unit's contact fields as a stored plan document gives them."""
    contacts: dict[str, dict[str, str]] = {}
    for unit in document.get("units", []):
        focal, head = unit.get("focal") or {}, unit.get("head") or {}
        fields = {
            "focal_name": focal.get("name"),
            "focal_email": focal.get("email"),
            "head_name": head.get("name"),
            "head_email": head.get("email"),
        }
        contacts[unit["code"]] = {key: value for key, value in fields.items() if isinstance(value, str)}
    return contacts


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
