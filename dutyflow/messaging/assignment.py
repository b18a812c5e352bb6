"""The assignment: each unit's duties, the reports it owes with their last days, and a calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import ChaseView, first_action_day
from dutyflow.mail import Attachment, IcsEvent, build_ics
from dutyflow.messaging.contexts import AssignmentContext, AssignmentItem, DutyItem, FormItem, base_context
from dutyflow.messaging.draft import MessageDraft, obligation_slots
from dutyflow.messaging.records import Contact, MailSetup, Recipient, unit_contact
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import Plan
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow

STEP = "assign"
WINDOW = 50
"""Assignments claimed per commit (docs/decisions.md, "Dispatch windows")."""


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


class Assignments:
    """Drafts the assignment of a batch of units, and announces the obligations it covered."""

    def __init__(self, plan: Plan, calendar: WorkingCalendar, mail: MailSetup) -> None:
        self.plan = plan
        self.calendar = calendar
        self.mail = mail
        self.duties = duties_by_unit(plan)
        self._forms = {f.code: FormItem(code=f.code, name=f.name, title=f.title) for f in plan.forms}

    def drafts(
        self, session: Session, plan_id: int, unit_codes: Sequence[str], today: dt.date, now: dt.datetime
    ) -> list[MessageDraft]:
        """One draft per unit with a pending obligation, in the order of `unit_codes`; two queries
        for the whole batch (units, then their pending obligations)."""
        units = {
            unit.code: unit
            for unit in session.scalars(select(UnitRow).where(UnitRow.plan_id == plan_id, UnitRow.code.in_(unit_codes)))
        }
        pending = _pending_by_unit(session, [u.id for u in units.values()])
        drafts: list[MessageDraft] = []
        for code in dict.fromkeys(unit_codes):
            unit = units[code]
            rows = pending.get(unit.id)
            if rows:
                link = self.mail.links(session, unit, now) if self.mail.links is not None else None
                drafts.append(self._draft(unit_contact(unit, link), rows, today))
        return drafts

    def _draft(
        self, contact: Contact, rows: list[tuple[ObligationRow, DeliverableRow]], today: dt.date
    ) -> MessageDraft:
        items = [self._item(row, deliverable) for row, deliverable in rows]
        ids = tuple(row.id for row, _ in rows)
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
            attachments=(self._calendar(ids, items),),
            deliverables=tuple(item["deliverable_name"] for item in items),
            obligation_ids=ids,
        )

    def _calendar(self, ids: Sequence[int], items: Sequence[AssignmentItem]) -> Attachment:
        events = [
            IcsEvent(
                uid=f"dutyflow-{self.plan.plan.code}-o{oid}@{self.mail.message_domain}",
                day=item["last_day"],
                summary=f"{item['deliverable_name']} ({item['period_label']})",
                description=item["deliverable_name"],
            )
            for oid, item in zip(ids, items, strict=True)
        ]
        return Attachment("han-bao-cao.ics", build_ics(events), "text/calendar")

    def _item(self, row: ObligationRow, deliverable: DeliverableRow) -> AssignmentItem:
        definition = deliverable.definition
        wanted = set(definition.get("forms", []))
        return AssignmentItem(
            deliverable_name=deliverable.name,
            period_label=row.period_label,
            due=row.due,
            rule=row.rule,
            last_day=effective_last_day(row.last_day, row.extended_until),
            forms=[form for code, form in self._forms.items() if code in wanted],
            attachments_allowed=bool(definition.get("attachments")),
        )

    def announce(self, session: Session, drafts: Sequence[MessageDraft]) -> None:
        """The obligations whose assignment went out are announced, with the day of their first
        ladder step: in the transaction that marks the assignment sent."""
        ids = [oid for draft in drafts for oid in draft.obligation_ids]
        for chunk in _chunks(ids, 500):
            for row in session.scalars(select(ObligationRow).where(ObligationRow.id.in_(chunk))):
                if row.state != State.PENDING.value:
                    continue
                row.state = State.ANNOUNCED.value
                view = ChaseView(
                    obligation_id=row.id,
                    unit="",
                    state=State.ANNOUNCED,
                    last_day=row.last_day,
                    extended_until=row.extended_until,
                )
                first = first_action_day(view, self.plan.chase, self.calendar)
                row.next_action_at = self.calendar.start_of_day(first)


def _pending_by_unit(session: Session, unit_ids: list[int]) -> dict[int, list[tuple[ObligationRow, DeliverableRow]]]:
    pending: dict[int, list[tuple[ObligationRow, DeliverableRow]]] = {}
    for chunk in _chunks(unit_ids, 500):
        rows = session.execute(
            select(ObligationRow, DeliverableRow)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(ObligationRow.unit_id.in_(chunk), ObligationRow.state == State.PENDING.value)
            .order_by(ObligationRow.unit_id, ObligationRow.last_day, DeliverableRow.id, ObligationRow.period)
        )
        for row, deliverable in rows:
            pending.setdefault(row.unit_id, []).append((row, deliverable))
    return pending


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]

