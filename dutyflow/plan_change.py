"""A changed plan uploaded by the office: checked, its changes shown, then applied, with the CLI's
own loader (`store.sync.load_plan_into_store`, the service `dutyflow plan load` calls).

The uploaded bytes are kept in the file store under their sha256 (never overwritten), so the
confirmation carries only that hash and applies exactly the file that was shown. What would change is
the loader's own work, rehearsed in a transaction that is rolled back: the audit events it writes
(units, duties, deliverables, deadlines, obligations withdrawn or reinstated …, each with its values
before and after) and the obligations it inserts are read before the rollback, so the diff and the
load cannot disagree. A file that is not a valid plan is refused with every problem and its line, as
`dutyflow plan load` refuses it; the loader refuses nothing else (a reload withdraws, it never
deletes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dutyflow.messages import t
from dutyflow.plan import Plan, PlanError, PlanIssue, load_plan
from dutyflow.store.db import rehearsal, session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.sync import LoadReport, load_plan_into_store

MAX_LISTED = 200
"""Changes of one kind listed one by one on the page; beyond them they are counted."""

GROUPS = ("unit", "duty", "deliverable", "deadline", "obligation", "other")


@dataclass(frozen=True)
class Uploaded:
    """An uploaded plan file kept in the file store: its hash, its path, and the plan it holds or
    the problems that keep it from being one (each with its line)."""

    sha256: str
    path: Path
    plan: Plan | None
    issues: Sequence[PlanIssue] = ()
    more: int = 0


@dataclass(frozen=True)
class Change:
    """One change the load would make: its group (`GROUPS`), created/updated/deleted, the code of
    what changes, and its values before and after (an update)."""

    group: str
    action: str
    code: str
    before: str = ""
    after: str = ""


@dataclass
class PlanDiff:
    changes: dict[str, list[Change]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    contacts: list[str] = field(default_factory=list)
    """Contacts corrected in the console: kept by the load, or replaced by the file (`LoadReport.contact_texts`)."""

    def add(self, change: Change) -> None:
        self.counts[change.group] = self.counts.get(change.group, 0) + 1
        listed = self.changes.setdefault(change.group, [])
        if len(listed) < MAX_LISTED:
            listed.append(change)

    @property
    def empty(self) -> bool:
        return not self.counts


def keep_upload(files: FileStore, data: bytes) -> Uploaded:
    """Keep `data` and read it as a plan, with every problem found (the plan check's own messages)."""
    sha = files.put(data)
    return read_upload(files, sha)


def read_upload(files: FileStore, sha256: str) -> Uploaded:
    """An upload kept before, read again (the confirmation step names it by its hash); `ValueError`
    when no such upload is kept."""
    path = files.path_of(sha256)
    if not path.is_file():
        raise ValueError(sha256)
    try:
        return Uploaded(sha256, path, load_plan(path))
    except PlanError as exc:
        return Uploaded(sha256, path, None, exc.issues, exc.more)


def preview(engine: Engine, plan: Plan, source: Path, *, now: dt.datetime, actor: str) -> PlanDiff:
    """What loading `plan` would change, from the loader itself in a transaction rolled back."""
    with rehearsal(engine) as session:
        last_event = session.scalar(select(func.max(AuditEventRow.id))) or 0
        last_obligation = session.scalar(select(func.max(ObligationRow.id))) or 0
        report = load_plan_into_store(session, plan, source, now=now, actor=actor)
        diff = _diff(session, last_event, last_obligation)
        diff.contacts = report.contact_texts()
        return diff


def apply(engine: Engine, plan: Plan, source: Path, *, now: dt.datetime, actor: str) -> LoadReport:
    """Load `plan` for real, as `dutyflow plan load` does (all or nothing, audited with `actor`)."""
    with session_scope(engine) as session:
        return load_plan_into_store(session, plan, source, now=now, actor=actor)


def _diff(session: Session, last_event: int, last_obligation: int) -> PlanDiff:
    diff = PlanDiff()
    events = session.scalars(select(AuditEventRow).where(AuditEventRow.id > last_event).order_by(AuditEventRow.id))
    for event in events:
        detail = event.detail or {}
        if event.entity == "obligation" and event.action == "updated" and "last_day" in detail:
            moved = detail["last_day"]
            diff.add(
                Change("deadline", event.action, event.code, str(moved.get("before", "")), str(moved.get("after", "")))
            )
        elif event.entity == "obligation" and event.action == "withdrawn" and detail.get("successor"):
            # a closed unit's obligation passing to its successor: the diff says to whom
            diff.add(
                Change(
                    "obligation",
                    event.action,
                    event.code,
                    "",
                    t("console_plantools.passed_to", unit=detail["successor"]),
                )
            )
        elif event.entity in GROUPS:
            diff.add(Change(event.entity, event.action, event.code, *_before_after(event.action, detail)))
        else:
            diff.add(
                Change("other", event.action, f"{event.entity} {event.code}", *_before_after(event.action, detail))
            )
    added = session.execute(
        select(UnitRow.code, DeliverableRow.code, ObligationRow.period)
        .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
        .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
        .where(ObligationRow.id > last_obligation)
        .order_by(ObligationRow.id)
    )
    for unit, deliverable, period in added:
        diff.add(Change("obligation", "created", f"{unit}/{deliverable}/{period}"))
    return diff


def _before_after(action: str, detail: dict[str, object]) -> tuple[str, str]:
    """An update's fields as "field: before" and "field: after"; nothing for a creation or a deletion."""
    if action != "updated":
        return "", ""
    before: list[str] = []
    after: list[str] = []
    for name, values in detail.items():
        if isinstance(values, dict) and "before" in values:
            old, new = values["before"], values.get("after")
            if isinstance(old, dict) and isinstance(new, dict):  # a whole definition: only what differs in it
                keys = [key for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key)]
                before.extend(f"{key}: {_short(old.get(key, ''))}" for key in keys)
                after.extend(f"{key}: {_short(new.get(key, ''))}" for key in keys)
                continue
            before.append(f"{name}: {_short(old)}")
            after.append(f"{name}: {_short(new)}")
        elif name == "sections" and isinstance(values, list):
            after.append(", ".join(str(v) for v in values))
    return "; ".join(before), "; ".join(after)


def _short(value: object, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "GROUPS",
    "Change",
    "PlanDiff",
    "Uploaded",
    "apply",
    "keep_upload",
    "preview",
    "read_upload",
]
