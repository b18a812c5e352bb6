"""What each of the console's actions is: its form's fields, the typed request a filled form makes,
and what doing it means, through the same services as the CLI (`admin`, `office`).

Pure up to `apply`, which runs one request in the caller's transaction; the console rehearses a
request in a transaction it rolls back (`rehearse`) (the confirmation page shows what would change, checked by
the very service that will do it), then applies it for real. A problem with a field is a Vietnamese
sentence naming the field; a refusal of a service is the service's own message (`AdminError`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dutyflow import admin
from dutyflow.formatting import read_day
from dutyflow.messages import t
from dutyflow.office import ContactRole, correct_contact, reissue_token
from dutyflow.store.db import rehearsal, session_scope
from dutyflow.store.models import DeliverableRow, PlanRow, UnitRow

MAX_REASON = 2000
MAX_CODE = 64


class ActionKind(StrEnum):
    """The console's actions, named by their address."""

    EXTEND = "gia-han"
    PAUSE = "tam-dung"
    RESUME = "tiep-tuc"
    REISSUE = "cap-duong-dan-moi"
    CONTACT = "sua-lien-he"


@dataclass(frozen=True)
class Field:
    """A field of an action's form: its name, its kind (how the page shows it), whether it must be filled."""

    name: str
    kind: str  # "unit", "deliverable", "text", "date", "textarea", "choice"
    required: bool = True
    max_length: int = MAX_CODE
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return t(f"console_actions.fields.{self.name}")


FIELDS: dict[ActionKind, tuple[Field, ...]] = {
    ActionKind.EXTEND: (
        Field("unit", "unit"),
        Field("deliverable", "deliverable"),
        Field("period", "text", required=False),
        Field("until", "date"),
        Field("reason", "textarea", max_length=MAX_REASON),
    ),
    ActionKind.PAUSE: (Field("unit", "unit"), Field("reason", "textarea", max_length=MAX_REASON)),
    ActionKind.RESUME: (Field("unit", "unit"), Field("reason", "textarea", required=False, max_length=MAX_REASON)),
    ActionKind.REISSUE: (Field("unit", "unit"),),
    ActionKind.CONTACT: (
        Field("unit", "unit"),
        Field("contact", "choice", choices=tuple(ContactRole)),
        Field("email", "text", max_length=254),
        Field("contact_name", "text", required=False, max_length=150),
        Field("reason", "textarea", required=False, max_length=MAX_REASON),
    ),
}


FIELD_NAMES = tuple(dict.fromkeys(f.name for fields in FIELDS.values() for f in fields))
"""Every field any action's form has."""


@dataclass(frozen=True)
class ActionRequest:
    """A filled form, checked: `values` as typed (trimmed), `until` read as a day."""

    kind: ActionKind
    values: Mapping[str, str]
    until: dt.date | None = None

    def value(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Outcome:
    """What an action did (or, rehearsed, would do): the catalogue key's values, and the new link to
    email after the transaction commits (a reissue)."""

    values: dict[str, str] = field(default_factory=dict)
    new_token: str | None = None
    generation: int = 0
    resend_refused: bool = False
    """A contact was corrected: the messages refused for the old address are to go to the new one."""


def read(kind: ActionKind, form: Mapping[str, str]) -> ActionRequest | list[str]:
    """The request a form makes, or the problems with its fields (each naming its field)."""
    values = {f.name: " ".join(str(form.get(f.name, "")).split()) if f.kind != "textarea" else str(form.get(f.name, "")).strip() for f in FIELDS[kind]}
    problems: list[str] = []
    for f in FIELDS[kind]:
        value = values[f.name]
        if f.required and not value:
            problems.append(t("console_actions.field_missing", field=f.label))
        elif len(value) > f.max_length:
            problems.append(t("portal.errors.field.too_long", field=f.label, limit=f.max_length))
        elif f.choices and value not in f.choices:
            problems.append(t("console_actions.bad_choice", field=f.label))
    until = None
    if values.get("until"):
        until = parse_day(values["until"])
        if until is None:
            problems.append(t("console_actions.bad_date", value=values["until"]))
    if problems:
        return problems
    return ActionRequest(kind, values, until)


def parse_day(value: str) -> dt.date | None:
    """A day as a browser's date field sends it (2025-06-30) or as people write it (30/06/2025):
    `formatting.read_day`, as the command line reads it."""
    return read_day(value)


def apply(
    session: Session, plan: PlanRow, request: ActionRequest, *, now: dt.datetime, actor: str, link_secret: bytes | None
) -> Outcome:
    """Do `request` in the caller's transaction with the CLI's services; their refusals (`AdminError`)
    go to the caller."""
    unit = request.value("unit")
    match request.kind:
        case ActionKind.EXTEND:
            assert request.until is not None
            periods = admin.extend(
                session,
                plan.id,
                unit,
                request.value("deliverable"),
                request.until,
                request.value("reason"),
                now=now,
                actor=actor,
                period=request.value("period") or None,
            )
            deliverable = _name(session, DeliverableRow, plan.id, request.value("deliverable"))
            until = f"{request.until:%d/%m/%Y}"
            return Outcome({"unit": _name(session, UnitRow, plan.id, unit), "deliverable": deliverable, "until": until, "periods": ", ".join(periods)})
        case ActionKind.PAUSE:
            admin.pause(session, plan.id, unit, request.value("reason"), now=now, actor=actor)
            return Outcome({"unit": _name(session, UnitRow, plan.id, unit)})
        case ActionKind.RESUME:
            admin.resume(session, plan.id, unit, request.value("reason"), now=now, actor=actor)
            return Outcome({"unit": _name(session, UnitRow, plan.id, unit)})
        case ActionKind.REISSUE:
            if link_secret is None:
                raise admin.AdminError(t("console_actions.no_links"))
            reissued = reissue_token(session, link_secret, plan, unit, now=now, actor=actor)
            named = {"unit": _name(session, UnitRow, plan.id, unit)}
            return Outcome(named, new_token=reissued.token, generation=reissued.generation)
        case ActionKind.CONTACT:
            role = ContactRole(request.value("contact"))
            corrected = correct_contact(
                session,
                plan.id,
                unit,
                role,
                request.value("email"),
                name=request.value("contact_name"),
                reason=request.value("reason"),
                now=now,
                actor=actor,
            )
            values = {"contact": t(f"console_actions.contact_roles.{role}"), "before": corrected.before, "after": corrected.after}
            return Outcome({"unit": _name(session, UnitRow, plan.id, unit), **values}, resend_refused=True)


def rehearse(
    engine: Engine, plan_id: int, request: ActionRequest, *, now: dt.datetime, actor: str, link_secret: bytes | None
) -> Outcome:
    """What `request` would do, checked by the service itself, in a transaction rolled back: nothing
    is kept, nothing is sent."""
    with rehearsal(engine) as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        return apply(session, plan, request, now=now, actor=actor, link_secret=link_secret)


def perform(
    engine: Engine, plan_id: int, request: ActionRequest, *, now: dt.datetime, actor: str, link_secret: bytes | None
) -> Outcome:
    """Do `request` in a transaction of its own, committed when it returns."""
    with session_scope(engine) as session:
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        return apply(session, plan, request, now=now, actor=actor, link_secret=link_secret)


def _name(session: Session, row: type[UnitRow] | type[DeliverableRow], plan_id: int, code: str) -> str:
    """How a page names a unit or a deliverable: its name in the plan (its code if it has none)."""
    name = session.scalar(select(row.name).where(row.plan_id == plan_id, row.code == code))
    return name or code


__all__ = ["FIELDS", "FIELD_NAMES", "ActionKind", "ActionRequest", "Field", "Outcome", "apply", "parse_day", "perform", "read", "rehearse"]
