"""The assignment: each unit's duties, the reports it owes with their last days, and a calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Date, Table, case, func, literal, select, update
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import ChaseView, first_action_day
from dutyflow.mail import Attachment, IcsEvent, build_ics
from dutyflow.messaging.contexts import AssignmentContext, AssignmentItem, DutyItem, FormItem, base_context
from dutyflow.messaging.draft import MessageDraft, obligation_slots
from dutyflow.messaging.records import Contact, MailSetup, Recipient, unit_contact
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import Plan
from dutyflow.plan.model import open_on
from dutyflow.store.db import among
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow

STEP = "assign"
WINDOW = 50
"""Assignments claimed per commit (docs/decisions.md 36, "Dispatch windows")."""


def duties_by_unit(plan: Plan) -> dict[str, list[DutyItem]]:
    """Each unit's duties, expanded once: per unit and duty it would walk every unit of the plan.
    A unit also learns the duties it only cooperates on (partner, "Phối hợp"); in charge wins."""
    duties: dict[str, list[DutyItem]] = {}
    for duty in plan.duties:
        in_charge = [u.code for u in plan.expand_units(duty.units)]
        charged = set(in_charge)
        partners = [u.code for u in plan.expand_units(duty.partners) if u.code not in charged]
        for code in [*in_charge, *partners]:
            duties.setdefault(code, []).append(
                DutyItem(
                    code=duty.code,
                    section=duty.section,
                    title=duty.title,
                    text=duty.text,
                    partner=code not in charged,
                )
            )
    return duties


@dataclass(frozen=True)
class _Pending:
    """A pending obligation, as its assignment shows it (columns, not ORM objects)."""

    id: int
    unit_id: int
    deliverable_id: int
    period_label: str
    due: dt.date
    rule: str
    last_day: dt.date
    extended_until: dt.date | None
    covers: list[str]


@dataclass(frozen=True)
class _Deliverable:
    name: str
    forms: list[FormItem]
    attachments_allowed: bool


class Assignments:
    """Drafts the assignment of a batch of units, and announces the obligations it covered."""

    def __init__(self, plan: Plan, calendar: WorkingCalendar, mail: MailSetup) -> None:
        self.plan = plan
        self.calendar = calendar
        self.mail = mail
        self.duties = duties_by_unit(plan)
        self._forms = {f.code: FormItem(code=f.code, name=f.name, title=f.title) for f in plan.forms}
        self._names = {u.code: u.name for u in plan.units}

    def drafts(
        self, session: Session, plan_id: int, unit_codes: Sequence[str], today: dt.date, now: dt.datetime
    ) -> list[MessageDraft]:
        """One draft per unit open on `today` with a pending obligation, in the order of `unit_codes`; three queries
        for the whole batch (units, their pending obligations, the plan's deliverables)."""
        units = {
            unit.code: unit
            for unit in session.scalars(
                select(UnitRow).where(UnitRow.plan_id == plan_id, among(session, UnitRow.code, unit_codes))
            )
        }
        pending = _pending_by_unit(session, [u.id for u in units.values()])
        deliverables = self._deliverables(session, plan_id)
        drafts: list[MessageDraft] = []
        for code in dict.fromkeys(unit_codes):
            unit = units[code]
            rows = pending.get(unit.id)
            if rows and open_on(unit.opens, unit.closes, today):  # told of its duties only while it exists
                link = self.mail.links(session, unit, now) if self.mail.links is not None else None
                drafts.append(self._draft(unit_contact(unit, link), rows, deliverables, today, now))
        return drafts

    def _deliverables(self, session: Session, plan_id: int) -> dict[int, _Deliverable]:
        out: dict[int, _Deliverable] = {}
        query = select(DeliverableRow.id, DeliverableRow.name, DeliverableRow.definition)
        for id_, name, definition in session.execute(query.where(DeliverableRow.plan_id == plan_id)):
            wanted = set(definition.get("forms", []))
            forms = [form for code, form in self._forms.items() if code in wanted]
            out[id_] = _Deliverable(name, forms, bool(definition.get("attachments")))
        return out

    def _draft(
        self,
        contact: Contact,
        rows: list[_Pending],
        deliverables: dict[int, _Deliverable],
        today: dt.date,
        now: dt.datetime,
    ) -> MessageDraft:
        items = [_item(row, deliverables[row.deliverable_id], self._names, self.calendar) for row in rows]
        ids = tuple(row.id for row in rows)
        context = AssignmentContext(
            **base_context(self.plan, self.mail.reply_to, contact, today),
            duties=self.duties.get(contact.code, []),
            items=items,
        )
        recipients = (Recipient(contact.focal, "to"),)
        return MessageDraft(
            template="assignment",
            context=context,
            step=STEP,
            unit=contact.code,
            recipients=recipients,
            slots=obligation_slots(contact, ids, STEP, recipients),
            attachments=(self._calendar(ids, items, now),),
            deliverables=tuple(item["deliverable_name"] for item in items),
            obligation_ids=ids,
        )

    def _calendar(self, ids: Sequence[int], items: Sequence[AssignmentItem], now: dt.datetime) -> Attachment:
        events = [
            IcsEvent(
                uid=f"dutyflow-{self.plan.plan.code}-o{oid}@{self.mail.message_domain}",
                day=item["last_day"],
                summary=f"{item['deliverable_name']} ({item['period_label']})",
                description=item["deliverable_name"],
            )
            for oid, item in zip(ids, items, strict=True)
        ]
        return Attachment("han-bao-cao.ics", build_ics(events, made_at=now), "text/calendar", charset="utf-8")

    def announce(self, session: Session, drafts: Sequence[MessageDraft]) -> None:
        """The obligations whose assignment went out are announced, with the day of their first
        ladder step, in the transaction that marks the assignment sent.

        One statement for the whole window: the drafts know the deadlines they announced, so the
        first step of each is worked out here and the database picks it by the obligation's
        deadline (a CASE), without reading the obligations first. An obligation whose deadline
        moved since it was drafted, or that was already announced, is not matched; if any stayed
        pending, they are read and announced by their stored deadline (`_announce_read`)."""
        told = {oid: deadline for draft in drafts for oid, deadline in _deadlines(draft)}
        if not told:
            return
        looks = {deadline: self._first_look(deadline) for deadline in set(told.values())}
        table = cast(Table, ObligationRow.__table__)
        deadline = func.coalesce(table.c.extended_until, table.c.last_day)
        look_type = table.c.next_action_at.type
        by_deadline = case(
            *((deadline == literal(day, Date), literal(look, look_type)) for day, look in looks.items()),
            else_=table.c.next_action_at,
        )
        ids = list(told)
        matched = 0
        for chunk in _chunks(ids, 500):
            result = session.connection().execute(
                update(table)
                .where(among(session, table.c.id, chunk), table.c.state == State.PENDING, deadline.in_(list(looks)))
                .values(state=State.ANNOUNCED, next_action_at=by_deadline)
            )
            matched += result.rowcount
        if matched < len(ids):
            self._announce_read(session, ids)

    def _first_look(self, deadline: dt.date) -> dt.datetime:
        view = ChaseView(obligation_id=0, unit="", state=State.ANNOUNCED, last_day=deadline)
        return self.calendar.start_of_day(first_action_day(view, self.plan.chase, self.calendar))

    def _announce_read(self, session: Session, ids: Sequence[int]) -> None:
        """Announce those of `ids` still pending by the deadline stored now: one statement per
        first-step day."""
        by_look: dict[dt.datetime, list[int]] = {}
        for chunk in _chunks(ids, 500):
            query = select(ObligationRow.id, ObligationRow.last_day, ObligationRow.extended_until).where(
                ObligationRow.id.in_(chunk), ObligationRow.state == State.PENDING
            )
            for oid, last_day, extended_until in session.execute(query):
                look = self._first_look(effective_last_day(last_day, extended_until))
                by_look.setdefault(look, []).append(oid)
        table = cast(Table, ObligationRow.__table__)
        for look, chosen in by_look.items():
            session.connection().execute(
                update(table)
                .where(table.c.id.in_(chosen), table.c.state == State.PENDING)
                .values(state=State.ANNOUNCED, next_action_at=look)
            )


def _deadlines(draft: MessageDraft) -> Iterator[tuple[int, dt.date]]:
    """(obligation id, the last day the assignment told) of each obligation a draft announces."""
    context = cast(AssignmentContext, draft.context)
    for oid, item in zip(draft.obligation_ids, context["items"], strict=True):
        yield oid, item["last_day"]


def _item(row: _Pending, deliverable: _Deliverable, names: dict[str, str], calendar: WorkingCalendar) -> AssignmentItem:
    last_day = effective_last_day(row.last_day, row.extended_until)
    return AssignmentItem(
        deliverable_name=deliverable.name,
        period_label=row.period_label,
        due=row.due,
        rule=row.rule,
        last_day=last_day,
        last_day_off=not calendar.is_working_day(last_day),
        forms=deliverable.forms,
        attachments_allowed=deliverable.attachments_allowed,
        reports_for=[names.get(code, code) for code in row.covers[1:]],
    )


def _pending_by_unit(session: Session, unit_ids: list[int]) -> dict[int, list[_Pending]]:
    pending: dict[int, list[_Pending]] = {}
    columns = (
        ObligationRow.id,
        ObligationRow.unit_id,
        ObligationRow.deliverable_id,
        ObligationRow.period_label,
        ObligationRow.due,
        ObligationRow.rule,
        ObligationRow.last_day,
        ObligationRow.extended_until,
        ObligationRow.covers,
    )
    for chunk in _chunks(unit_ids, 500):
        rows = session.execute(
            select(*columns)
            .where(among(session, ObligationRow.unit_id, chunk), ObligationRow.state == State.PENDING)
            .order_by(ObligationRow.unit_id, ObligationRow.last_day, ObligationRow.deliverable_id, ObligationRow.period)
        )
        for row in rows:
            pending.setdefault(row.unit_id, []).append(_Pending(*row))
    return pending


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
