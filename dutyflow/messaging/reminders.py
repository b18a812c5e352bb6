"""Reminders, overdue notices and escalations: the ladder's steps due today, then rescheduling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import Notice, due_thresholds, may_send_on, next_step_day
from dutyflow.messaging.contexts import ChaseContext, ChaseItem, base_context
from dutyflow.messaging.draft import MessageDraft, obligation_slots, routed
from dutyflow.messaging.records import Contact, MailSetup, Recipient, unit_contact
from dutyflow.obligations import effective_last_day
from dutyflow.plan import LadderStep, Plan
from dutyflow.states import CHASED_STATES, NotificationStatus
from dutyflow.store.chasing import Scope, find_due, reschedule
from dutyflow.store.models import DeliverableRow, NotificationRow, ObligationRow, UnitRow


@dataclass
class DuePlan:
    """What a chase pass found: the messages due, and the chase round of each obligation in them."""

    notices: list[Notice]
    rounds: dict[int, int]


Rows = dict[int, tuple[ObligationRow, DeliverableRow]]


class Reminders:
    def __init__(self, plan: Plan, calendar: WorkingCalendar, mail: MailSetup) -> None:
        self.plan = plan
        self.calendar = calendar
        self.mail = mail
        self._thresholds_of: dict[dt.date, tuple[tuple[LadderStep, dt.date], ...]] = {}
        self._names = {u.code: u.name for u in plan.units}

    def thresholds(self, today: dt.date) -> tuple[tuple[LadderStep, dt.date], ...]:
        """`due_thresholds` of `today`, worked out once per day: a national chase calls the
        finding and rescheduling passes once per batch of units."""
        if today not in self._thresholds_of:
            self._thresholds_of[today] = due_thresholds(self.plan.chase, self.calendar, today)
        return self._thresholds_of[today]

    def due_notices(self, session: Session, scope: Scope, today: dt.date) -> DuePlan:
        """The finding pass: every message due today in `scope`. Sends nothing.

        One query: the database applies the ladder (`store.chasing`) to the obligations whose next
        action has come (all chased ones when the scope has no `now`) and returns those that get a
        message.
        """
        if not may_send_on(today, self.plan.chase, self.calendar):
            return DuePlan(notices=[], rounds={})
        order = {step.code: (i, step) for i, step in enumerate(self.plan.chase.steps)}
        notices: list[Notice] = []
        rounds: dict[int, int] = {}
        unit_of_group, group = "", dict[str, list[int]]()

        def close_unit() -> None:  # one message per step due to the unit, in ladder order
            for code in sorted(group, key=lambda code: order[code][0]):
                notices.append(Notice(unit_of_group, order[code][1], tuple(group[code])))
            group.clear()

        for oid, unit, code, round_ in find_due(session, scope, self.thresholds(today)):  # by unit, then id
            if unit != unit_of_group:
                close_unit()
                unit_of_group = unit
            group.setdefault(code, []).append(oid)
            rounds[oid] = round_
        close_unit()
        notices.sort(key=lambda notice: notice.unit)  # the database's collation may order codes otherwise
        return DuePlan(notices=notices, rounds=rounds)

    def drafts(self, session: Session, plan_id: int, due: DuePlan, today: dt.date, now: dt.datetime) -> list[MessageDraft]:
        """One draft per notice, with the full rows and the units (and their links) read at once."""
        rows, contacts = self._details(session, plan_id, due, now)
        return [self._draft(notice, rows, contacts[notice.unit], today) for notice in due.notices]

    def refused(self, session: Session, plan_id: int, unit_code: str) -> DuePlan:
        """The ladder's messages of the current round that the mail server refused for an address
        the unit no longer has (the office corrected it), one notice per step: drafted again, they
        go to the unit's addresses now, and only the new address is written to (the others' slots
        are delivered already)."""
        unit = session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code == unit_code)).one()
        current = {unit.focal_email.lower(), unit.head_email.lower()}
        steps = {step.code: step for step in self.plan.chase.steps}
        found = session.execute(
            select(NotificationRow.obligation_id, NotificationRow.step, NotificationRow.recipient, ObligationRow.chase_round)
            .join(ObligationRow, NotificationRow.obligation_id == ObligationRow.id)
            .where(
                ObligationRow.unit_id == unit.id,
                NotificationRow.status == NotificationStatus.REFUSED,
                NotificationRow.round == ObligationRow.chase_round,
                ObligationRow.state.in_(CHASED_STATES),
            )
            .order_by(NotificationRow.obligation_id)
        )
        by_step: dict[str, list[int]] = {}
        rounds: dict[int, int] = {}
        for oid, step, recipient, round_ in found:
            if oid is not None and step in steps and recipient.lower() not in current:
                by_step.setdefault(step, []).append(oid)
                rounds[oid] = round_
        order = list(steps)
        notices = [
            Notice(unit_code, steps[code], tuple(dict.fromkeys(ids)))
            for code, ids in sorted(by_step.items(), key=lambda item: order.index(item[0]))
        ]
        return DuePlan(notices=notices, rounds=rounds)

    def _details(
        self, session: Session, plan_id: int, due: DuePlan, now: dt.datetime
    ) -> tuple[Rows, dict[str, Contact]]:
        wanted = sorted({oid for notice in due.notices for oid in notice.obligation_ids})
        codes = sorted({notice.unit for notice in due.notices})
        rows: Rows = {
            row.id: (row, deliverable)
            for row, deliverable in session.execute(
                select(ObligationRow, DeliverableRow)
                .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(ObligationRow.id.in_(wanted))
            )
        }
        contacts = {
            unit.code: unit_contact(unit, self.mail.links(session, unit, now) if self.mail.links else None)
            for unit in session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code.in_(codes)))
        }
        return rows, contacts

    def _draft(self, notice: Notice, rows: Rows, contact: Contact, today: dt.date) -> MessageDraft:
        ids = notice.obligation_ids
        items = [_item(*rows[oid], today, self._names, self.calendar) for oid in ids]
        recipients = routed(
            [
                Recipient(contact.person(notice.step.to), "to"),
                *(Recipient(contact.person(who), "cc") for who in notice.step.cc if who != notice.step.to),
            ]
        )
        rounds = {oid: rows[oid][0].chase_round for oid in ids}
        return MessageDraft(
            template=notice.step.template,
            context=ChaseContext(**base_context(self.plan, self.mail.reply_to, contact, today), items=items),
            step=notice.step.code,
            unit=contact.code,
            recipients=recipients,
            slots=obligation_slots(contact, ids, notice.step.code, recipients, rounds),
            deliverables=tuple(item["deliverable_name"] for item in items),
            obligation_ids=tuple(ids),
        )

    def reschedule(self, session: Session, scope: Scope, today: dt.date) -> None:
        """Move each chased obligation whose due step was taken to the day of its next step (or
        none); see `store.chasing.reschedule`."""

        def next_look(deadline: dt.date) -> dt.datetime | None:
            day = next_step_day(self.plan.chase, self.calendar, deadline, today)
            return self.calendar.start_of_day(day) if day else None

        reschedule(session, scope, self.thresholds(today), next_look)


def _item(
    row: ObligationRow, deliverable: DeliverableRow, today: dt.date, names: dict[str, str], calendar: WorkingCalendar
) -> ChaseItem:
    deadline = effective_last_day(row.last_day, row.extended_until)
    return ChaseItem(
        deliverable_name=deliverable.name,
        period_label=row.period_label,
        last_day=deadline,
        last_day_off=not calendar.is_working_day(deadline),
        days_left=max((deadline - today).days, 0),
        days_overdue=max((today - deadline).days, 0),
        extended_until=row.extended_until,
        reports_for=[names.get(code, code) for code in row.covers[1:]],
    )

