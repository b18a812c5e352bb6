"""The withdrawal notice: one message per unit saying which obligations it no longer owes and
why (the plan dropped them, or its unit closed and its successor owes them). Sent once per
obligation and recipient through the outbox (step `withdrawn`), and only to a unit that had been
told of the obligation (`store.withdrawals.untold`)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from dutyflow.messaging.contexts import WithdrawalContext, WithdrawnItem, base_context
from dutyflow.messaging.draft import MessageDraft, obligation_slots
from dutyflow.messaging.records import MailSetup, Recipient, unit_contact
from dutyflow.plan import Plan
from dutyflow.store.models import UnitRow
from dutyflow.store.withdrawals import NOTICE_STEP, Withdrawn, untold


class Withdrawals:
    def __init__(self, plan: Plan, mail: MailSetup) -> None:
        self.plan = plan
        self.mail = mail
        self._names = {u.code: u.name for u in plan.units}

    def drafts(self, session: Session, plan_id: int, today: dt.date) -> list[MessageDraft]:
        """One notice per unit with withdrawn obligations it has not been told of."""
        pending = untold(session, plan_id)
        units = {
            row.id: row for row in session.scalars(select(UnitRow).where(UnitRow.id.in_({w.unit_id for w in pending})))
        }
        return [
            self._draft(units[unit_id], list(items), today)
            for unit_id, items in groupby(pending, key=lambda w: w.unit_id)
        ]

    def _draft(self, unit: UnitRow, withdrawn: list[Withdrawn], today: dt.date) -> MessageDraft:
        contact = unit_contact(unit)
        items = [
            WithdrawnItem(
                deliverable_name=w.deliverable_name,
                period_label=w.period_label,
                last_day=w.last_day,
                why=w.why.value,
                successor_name=self._names.get(w.successor, w.successor) if w.successor else None,
            )
            for w in withdrawn
        ]
        recipients = (Recipient(contact.focal, "to"),)
        ids = tuple(w.obligation_id for w in withdrawn)
        return MessageDraft(
            template="withdrawn",
            context=WithdrawalContext(**base_context(self.plan, self.mail.reply_to, contact, today), items=items),
            step=NOTICE_STEP,
            unit=contact.code,
            recipients=recipients,
            slots=obligation_slots(contact, ids, NOTICE_STEP, recipients),
            deliverables=tuple(item["deliverable_name"] for item in items),
            obligation_ids=ids,
        )
