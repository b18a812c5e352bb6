"""Assign, chase and digest: decide (pure ladder), claim (outbox), compose (templates), send (transport).

Knows nothing of Prefect: the tasks in `tasks/` call one method each, per unit or per batch of
units. Every method takes `today` (the plan's local date) and `now` (an aware instant).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dutyflow.calendar import WorkingCalendar
from dutyflow.chase import (
    CHASED_STATES,
    ChaseView,
    Notice,
    digest_due,
    digest_week,
    due_thresholds,
    first_action_day,
    is_overdue,
    may_send_on,
    next_step_day,
)
from dutyflow.intake import timeliness
from dutyflow.mail import (
    Address,
    Attachment,
    DeliveryError,
    IcsEvent,
    MailRenderer,
    MailTransport,
    OutgoingMessage,
    build_ics,
    new_message_id,
)
from dutyflow.mailin.replyto import reply_address
from dutyflow.messages import t
from dutyflow.obligations import State, effective_last_day
from dutyflow.plan import LadderStep, Plan, Unit
from dutyflow.store.chasing import Scope, find_due, reschedule
from dutyflow.store.db import session_scope
from dutyflow.store.models import (
    DataValueRow,
    DeliverableRow,
    NotificationRow,
    ObligationRow,
    PlanRow,
    SubmissionRow,
    UnitRow,
)
from dutyflow.store.outbox import (
    DEFAULT_LEASE,
    FAILED,
    Claim,
    Slot,
    claim,
    mark_failed,
    mark_sent,
    notification_key,
)


class DeliveryFailed(Exception):
    """Some messages could not be handed to the mail server before sending began: safe to retry."""


LinkProvider = Callable[[Session, UnitRow, dt.datetime], str]
"""Gives a unit's personal portal link (creating its token on first use)."""

ReplyTokenProvider = Callable[[int, int | None], str]
"""Gives the Reply-To token of a message to a unit (about one obligation, or several: None)."""


@dataclass(frozen=True)
class MailReply:
    """An answer to a unit's own message: sent to its sender, in its thread."""

    to: Address
    in_reply_to: str | None
    references: tuple[str, ...]


@dataclass(frozen=True)
class MailSetup:
    transport: MailTransport
    renderer: MailRenderer
    sender: Address
    reply_to: Address
    links: LinkProvider | None = None
    simulated_clock: bool = False
    """The runs' `now` is a simulated instant (the demo): each message is dated at it, so the
    mailbox tells the simulated year. Otherwise its Date is the real moment it is sent."""
    reply_token: ReplyTokenProvider | None = None

    @property
    def message_domain(self) -> str:
        return self.sender.email.rpartition("@")[2] or "localhost"


@dataclass
class SentRecord:
    unit: str
    template: str
    step: str
    recipients: tuple[str, ...]
    message_id: str
    subject: str
    deliverables: tuple[str, ...]
    resent: bool = False
    refused: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What one call did, for the flow's artifact and the CLI."""

    sent: list[SentRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def merge(self, other: Outcome) -> Outcome:
        self.sent.extend(other.sent)
        self.failures.extend(other.failures)
        self.unknown.extend(other.unknown)
        return self


@dataclass
class DuePlan:
    """What a chase pass found: the messages due, and the chase round of each obligation in them."""

    notices: list[Notice]
    rounds: dict[int, int]


class UnitRef(NamedTuple):
    """A unit to run for. A tuple of strings: the garbage collector stops tracking it, which
    matters when a national run lists 11,200 of them."""

    code: str
    name: str


def sender_from(mail_from: str, plan: Plan) -> Address:
    """The From address: the configured one, else the office's focal officer."""
    if mail_from:
        name, email = parseaddr(mail_from)
        return Address(name or plan.unit(plan.plan.office).name, email)
    office = plan.unit(plan.plan.office)
    return Address(office.name, office.focal.email)


class Notifier:
    def __init__(
        self,
        engine: Engine,
        mail: MailSetup,
        *,
        plan_code: str | None = None,
        lease: dt.timedelta = DEFAULT_LEASE,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """`clock` times the outbox alone: when a message is claimed and when its claim's lease has
        passed. A run acts at its business `now` (08:00 of the day it is for, the same instant for
        every attempt and rerun of that day), so the lease must be measured on a real clock, or an
        unconfirmed claim would wait for the next day's run. Without one (tests, simulations that
        move `now` themselves), the outbox uses `now`."""
        self.engine = engine
        self.mail = mail
        self.lease = lease
        self.clock = clock
        with session_scope(engine) as session:
            query = select(PlanRow)
            query = query.where(PlanRow.code == plan_code) if plan_code else query.order_by(PlanRow.loaded_at.desc())
            row = session.scalars(query.limit(1)).one()
            self.plan_id = row.id
            self.plan = Plan.model_validate(row.document)
        self.calendar = WorkingCalendar.from_config(self.plan.calendar)
        self._thresholds_of: dict[dt.date, tuple[tuple[LadderStep, dt.date], ...]] = {}
        # Each duty's units, expanded once: per unit and duty it would walk every unit of the plan.
        # A unit also learns the duties it only cooperates on (partner, "Phối hợp"); in charge wins.
        self._duties_by_unit: dict[str, list[dict[str, Any]]] = {}
        for duty in self.plan.duties:
            in_charge = {unit.code for unit in self.plan.expand_units(duty.units)}
            partners = [u.code for u in self.plan.expand_units(duty.partners) if u.code not in in_charge]
            for code in [*(u.code for u in self.plan.expand_units(duty.units)), *partners]:
                self._duties_by_unit.setdefault(code, []).append(
                    {
                        "code": duty.code,
                        "section": duty.section,
                        "title": duty.title,
                        "text": duty.text,
                        "partner": code not in in_charge,
                    }
                )

    # ------------------------------------------------------------------ who needs a run

    def units_to_assign(self) -> list[UnitRef]:
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(UnitRow.code, UnitRow.name)
                .join(ObligationRow, ObligationRow.unit_id == UnitRow.id)
                .where(ObligationRow.plan_id == self.plan_id, ObligationRow.state == State.PENDING.value)
                .where(UnitRow.paused.is_(False))
                .group_by(UnitRow.id, UnitRow.code, UnitRow.name)
                .order_by(UnitRow.id)
            )
            return [UnitRef(code, name) for code, name in rows]

    def units_to_chase(self, now: dt.datetime) -> list[UnitRef]:
        """Units with an obligation whose next action has come: one indexed query."""
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(UnitRow.code, UnitRow.name)
                .join(ObligationRow, ObligationRow.unit_id == UnitRow.id)
                .where(
                    ObligationRow.plan_id == self.plan_id,
                    ObligationRow.state.in_([s.value for s in CHASED_STATES]),
                    ObligationRow.next_action_at <= now,
                    UnitRow.paused.is_(False),
                )
                .group_by(UnitRow.id, UnitRow.code, UnitRow.name)
                .order_by(UnitRow.id)
            )
            return [UnitRef(code, name) for code, name in rows]

    # ------------------------------------------------------------------ assign

    def assign(self, unit_codes: Sequence[str], today: dt.date, now: dt.datetime) -> Outcome:
        outcome = Outcome()
        with self.mail.transport.session() as connection:
            for code in unit_codes:
                outcome.merge(self._assign_unit(connection, code, today, now))
        return outcome

    def _assign_unit(self, connection: Any, code: str, today: dt.date, now: dt.datetime) -> Outcome:
        with session_scope(self.engine) as session:
            unit = self._unit(session, code)
            rows = self._obligations(session, unit.id, [State.PENDING])
            if not rows:
                return Outcome()
            items = [self._assignment_item(row, deliverable) for row, deliverable in rows]
            duties = self._duties_by_unit.get(unit.code, [])
            ids = [row.id for row, _ in rows]
            unit_info = self._unit_info(unit, session, now)
        context = self._context(unit_info, today) | {"duties": duties, "items": items}
        events = [
            IcsEvent(
                uid=f"dutyflow-{self.plan.plan.code}-o{oid}@{self.mail.message_domain}",
                day=item["last_day"],
                summary=f"{item['deliverable_name']} ({item['period_label']})",
                description=item["deliverable_name"],
            )
            for oid, item in zip(ids, items, strict=True)
        ]
        attachment = Attachment("han-bao-cao.ics", build_ics(events, made_at=now), "text/calendar", charset="utf-8")
        recipients = [(unit_info["focal"], "to")]
        outcome = self._deliver(
            connection,
            unit_info,
            ids,
            step_code="assign",
            template="assignment",
            recipients=recipients,
            context=context,
            attachments=(attachment,),
            deliverables=tuple(i["deliverable_name"] for i in items),
            now=now,
        )
        if outcome.sent:
            self._announce(ids, today)
        return outcome

    def _announce(self, ids: Sequence[int], today: dt.date) -> None:
        with session_scope(self.engine) as session:
            for row in session.scalars(select(ObligationRow).where(ObligationRow.id.in_(ids))):
                if row.state != State.PENDING.value:
                    continue
                row.state = State.ANNOUNCED.value
                view = _view(row, paused=False, sent=frozenset())
                first = first_action_day(view, self.plan.chase, self.calendar)
                row.next_action_at = self.calendar.start_of_day(first)

    # ------------------------------------------------------------------ chase

    def chase(self, unit_codes: Sequence[str], today: dt.date, now: dt.datetime) -> Outcome:
        """Send every step due today to these units (one connection), then reschedule them."""
        plan = self.due_notices(unit_codes, today, now)
        outcome = Outcome()
        if plan.notices:
            rows, units = self._notice_details(plan, now)
            with self.mail.transport.session() as connection:
                for notice in plan.notices:
                    unit_info = units[notice.unit]
                    items = [self._chase_item(*rows[oid], today) for oid in notice.obligation_ids]
                    context = self._context(unit_info, today) | {"items": items}
                    outcome.merge(
                        self._deliver(
                            connection,
                            unit_info,
                            notice.obligation_ids,
                            step_code=notice.step.code,
                            template=notice.step.template,
                            recipients=_audience(notice.step, unit_info),
                            context=context,
                            attachments=(),
                            deliverables=tuple(i["deliverable_name"] for i in items),
                            now=now,
                            rounds={oid: rows[oid][0].chase_round for oid in notice.obligation_ids},
                        )
                    )
        self._reschedule(unit_codes, today, now)
        return outcome

    def due_notices(self, unit_codes: Sequence[str] | None, today: dt.date, now: dt.datetime | None = None) -> DuePlan:
        """The finding pass: every message due today, for these units or (None) for all. Sends nothing.

        One query: the database applies the ladder (`store.chasing`) to the obligations whose next
        action has come (all chased ones when `now` is None) and returns those that get a message.
        """
        if not may_send_on(today, self.plan.chase, self.calendar):
            return DuePlan(notices=[], rounds={})
        scope = self._scope(unit_codes, now)
        order = {step.code: (i, step) for i, step in enumerate(self.plan.chase.steps)}
        notices: list[Notice] = []
        rounds: dict[int, int] = {}
        unit_of_group, group = "", dict[str, list[int]]()

        def close_unit() -> None:  # one message per step due to the unit, in ladder order
            for code in sorted(group, key=lambda code: order[code][0]):
                notices.append(Notice(unit_of_group, order[code][1], tuple(group[code])))
            group.clear()

        with session_scope(self.engine) as session:
            thresholds = self._thresholds(today)
            for oid, unit, code, round_ in find_due(session, scope, thresholds):  # by unit, then id
                if unit != unit_of_group:
                    close_unit()
                    unit_of_group = unit
                group.setdefault(code, []).append(oid)
                rounds[oid] = round_
            close_unit()
        notices.sort(key=lambda notice: notice.unit)  # the database's collation may order codes otherwise
        return DuePlan(notices=notices, rounds=rounds)

    def _thresholds(self, today: dt.date) -> tuple[tuple[LadderStep, dt.date], ...]:
        """`due_thresholds` of `today`, worked out once per day: a national chase calls the
        finding and rescheduling passes once per batch of units."""
        if today not in self._thresholds_of:
            self._thresholds_of[today] = due_thresholds(self.plan.chase, self.calendar, today)
        return self._thresholds_of[today]

    def _scope(self, unit_codes: Sequence[str] | None, now: dt.datetime | None) -> Scope:
        stale_before = self._outbox_time(now) - self.lease if now is not None else None
        return Scope(self.plan_id, now, unit_codes, stale_before)

    def _outbox_time(self, now: dt.datetime) -> dt.datetime:
        return self.clock() if self.clock is not None else now

    def _notice_details(
        self, plan: DuePlan, now: dt.datetime
    ) -> tuple[dict[int, tuple[ObligationRow, DeliverableRow]], dict[str, dict[str, Any]]]:
        """Full rows and unit details (with their links) for the obligations that get a message."""
        wanted = sorted({oid for notice in plan.notices for oid in notice.obligation_ids})
        codes = sorted({notice.unit for notice in plan.notices})
        with session_scope(self.engine) as session:
            rows = {
                row.id: (row, deliverable)
                for row, deliverable in session.execute(
                    select(ObligationRow, DeliverableRow)
                    .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                    .where(ObligationRow.id.in_(wanted))
                )
            }
            units = {
                unit.code: self._unit_info(unit, session, now)
                for unit in session.scalars(
                    select(UnitRow).where(UnitRow.plan_id == self.plan_id, UnitRow.code.in_(codes))
                )
            }
        return rows, units

    def _reschedule(self, unit_codes: Sequence[str] | None, today: dt.date, now: dt.datetime) -> None:
        """Move each chased obligation whose due step was taken to the day of its next step (or
        none); see `store.chasing.reschedule`."""
        thresholds = self._thresholds(today)

        def next_look(deadline: dt.date) -> dt.datetime | None:
            day = next_step_day(self.plan.chase, self.calendar, deadline, today)
            return self.calendar.start_of_day(day) if day else None

        with session_scope(self.engine) as session:
            reschedule(session, self._scope(unit_codes, now), thresholds, next_look)

    # ------------------------------------------------------------------ receipts

    def acknowledge(
        self, submission_id: int, today: dt.date, now: dt.datetime, *, reply: MailReply | None = None
    ) -> Outcome:
        """The receipt (or the "returned" message) for a submission, once per decision; with
        `reply`, to the sender of the unit's email, in its thread."""
        with session_scope(self.engine) as session:
            submission = session.get(SubmissionRow, submission_id)
            if submission is None:
                return Outcome()
            obligation = session.get(ObligationRow, submission.obligation_id)
            assert obligation is not None
            unit_info = self._unit_info(obligation.unit, session, now)
            on_time, late_days = timeliness(obligation, submission.received_at, self.calendar)
            deadline = effective_last_day(obligation.last_day, obligation.extended_until)
            received = _received_lines(session, self.plan, submission)
            details = {
                "deliverable_name": obligation.deliverable.name,
                "period_label": obligation.period_label,
                "version": submission.version,
                "status": submission.status,
                "status_text": t(f"intake.status.{submission.status}"),
                "channel_text": t(f"intake.channel.{submission.channel}"),
                "received_at_text": f"{submission.received_at.astimezone(self.calendar.tz):%H:%M} "
                f"ngày {submission.received_at.astimezone(self.calendar.tz):%d/%m/%Y}",
                "file_name": submission.file_name,
                "sha256": submission.file_sha256 or "",
                "received": received,
                "reasons": list(submission.reasons),
                "last_day": deadline if submission.status == "returned" and deadline >= today else None,
                "timeliness_text": t("intake.on_time", last_day=f"{deadline:%d/%m/%Y}")
                if on_time
                else t("intake.late", days=late_days, last_day=f"{deadline:%d/%m/%Y}"),
            }
            template = "returned" if submission.status == "returned" else "receipt"
            step = f"s{submission.id}-{submission.status}"
        context = self._context(unit_info, today) | {"submission": details}
        to = reply.to if reply is not None else unit_info["focal"]
        slots = [
            Slot(
                key=f"{step}:{to.email.lower()}",
                recipient=to.email,
                obligation_id=submission.obligation_id,
                unit_id=unit_info["id"],
            )
        ]
        with self.mail.transport.session() as connection:
            return self._send_claimed(
                connection,
                slots,
                {to.email.lower(): (to, "to")},
                step_code=step,
                template=template,
                context=context,
                attachments=(),
                unit=unit_info["code"],
                deliverables=(details["deliverable_name"],),
                now=now,
                reply=reply,
            )

    def answer_mail(
        self,
        key: str,
        unit_code: str | None,
        problems: Sequence[str],
        subject: str,
        reply: MailReply,
        today: dt.date,
        now: dt.datetime,
    ) -> Outcome:
        """Why files of a unit's email could not be taken (no submission to acknowledge), once."""
        with session_scope(self.engine) as session:
            unit_info = self._unit_info(self._unit(session, unit_code)) if unit_code else None
        info = unit_info or {"code": "", "name": "", "focal_name": reply.to.name, "head_name": "", "id": None}
        context = self._context(info, today) | {"problems": list(problems), "original_subject": subject}
        step = f"mail-{key}"[:32]
        slots = [Slot(key=f"mail:{key}:{reply.to.email.lower()}"[:255], recipient=reply.to.email,
                      obligation_id=None, unit_id=info["id"])]
        with self.mail.transport.session() as connection:
            return self._send_claimed(
                connection,
                slots,
                {reply.to.email.lower(): (reply.to, "to")},
                step_code=step,
                template="mail_refused",
                context=context,
                attachments=(),
                unit=info["code"],
                deliverables=(),
                now=now,
                reply=reply,
            )

    def send_link(self, unit_code: str, link: str, today: dt.date, now: dt.datetime, generation_key: str) -> Outcome:
        """A unit's new personal link, after `token reissue`."""
        with session_scope(self.engine) as session:
            unit_info = self._unit_info(self._unit(session, unit_code))
        unit_info["portal_url"] = link
        context = self._context(unit_info, today)
        email = unit_info["focal"].email
        slots = [
            Slot(
                key=f"link-{generation_key}:{email.lower()}",
                recipient=email,
                obligation_id=None,
                unit_id=unit_info["id"],
            )
        ]
        with self.mail.transport.session() as connection:
            return self._send_claimed(
                connection,
                slots,
                {email.lower(): (unit_info["focal"], "to")},
                step_code=f"link-{generation_key}",
                template="new_link",
                context=context,
                attachments=(),
                unit=unit_code,
                deliverables=(),
                now=now,
            )

    # ------------------------------------------------------------------ the district report

    def send_report(
        self, files: Sequence[Path], today: dt.date, now: dt.datetime, *, title: str, obligation_id: int
    ) -> Outcome:
        """The final district report, with its files, to the office's head and the leaders: once
        for its consolidated obligation, whatever day the run that sends it is for."""
        report_key = f"o{obligation_id}"
        office, unit_info = self._office_info()
        addresses = [Address(office.head.name, office.head.email), *self._leaders()]
        context = self._context(unit_info, today) | {
            "report": {"title": title, "files": [p.name for p in files]},
        }
        attachments = tuple(Attachment(p.name, p.read_bytes(), _mime_of(p)) for p in files)
        slots = [
            Slot(key=f"report:{report_key}:{a.email.lower()}", recipient=a.email, obligation_id=None, unit_id=None)
            for a in addresses
        ]
        with self.mail.transport.session() as connection:
            return self._send_claimed(
                connection,
                slots,
                {a.email.lower(): (a, "to") for a in addresses},
                step_code=f"report-{report_key}"[:32],
                template="report_final",
                context=context,
                attachments=attachments,
                unit=office.code,
                deliverables=(title,),
                now=now,
            )

    # ------------------------------------------------------------------ digest

    def digest(self, today: dt.date, now: dt.datetime) -> Outcome:
        week = digest_week(today)
        with session_scope(self.engine) as session:
            rows = session.execute(
                select(ObligationRow, UnitRow, DeliverableRow)
                .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
                .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(ObligationRow.plan_id == self.plan_id)
                .order_by(UnitRow.id, ObligationRow.last_day)
            ).all()
            expected = len(rows)
            received = sum(1 for row, _, _ in rows if row.state in {State.SUBMITTED.value, State.ACCEPTED.value})
            overdue = [
                (row, unit, deliverable)
                for row, unit, deliverable in rows
                if is_overdue(_view(row, unit.paused, frozenset()), today)
            ]
            already = session.scalar(
                select(func.count(NotificationRow.id)).where(
                    NotificationRow.key.like(f"digest:{self.plan_id}:{week}:%"), NotificationRow.status != FAILED
                )
            )
            reminders = dict(
                session.execute(
                    select(NotificationRow.obligation_id, func.count(func.distinct(NotificationRow.message_id)))
                    .where(NotificationRow.plan_id == self.plan_id, NotificationRow.obligation_id.is_not(None))
                    .where(NotificationRow.step != "assign")
                    .group_by(NotificationRow.obligation_id)
                ).all()
            )
            late = sorted(
                (
                    {
                        "unit_name": unit.name,
                        "deliverable_name": deliverable.name,
                        "period_label": row.period_label,
                        "last_day": effective_last_day(row.last_day, row.extended_until),
                        "days_overdue": (today - effective_last_day(row.last_day, row.extended_until)).days,
                        "reminders_sent": int(reminders.get(row.id, 0)),
                    }
                    for row, unit, deliverable in overdue
                ),
                key=lambda item: (-item["days_overdue"], item["unit_name"]),
            )
            views = [_view(row, unit.paused, frozenset()) for row, unit, _ in overdue]
        if not digest_due(today, self.plan.chase.digest, self.plan.chase, self.calendar, views, bool(already)):
            return Outcome()
        office, unit_info = self._office_info()
        addresses = [Address(office.focal.name, office.focal.email), *self._leaders()]
        context = self._context(unit_info, today) | {
            "late": late,
            "counts": {"expected": expected, "received": received, "overdue": len(late)},
        }
        slots = [
            Slot(
                key=f"digest:{self.plan_id}:{week}:{a.email.lower()}",
                recipient=a.email,
                obligation_id=None,
                unit_id=None,
            )
            for a in addresses
        ]
        with self.mail.transport.session() as connection:
            return self._send_claimed(
                connection,
                slots,
                {a.email.lower(): (a, "to") for a in addresses},
                step_code=f"digest-{week}",
                template="digest",
                context=context,
                attachments=(),
                unit=office.code,
                deliverables=(),
                now=now,
            )

    # ------------------------------------------------------------------ delivery

    def _deliver(
        self,
        connection: Any,
        unit_info: dict[str, Any],
        obligation_ids: Sequence[int],
        *,
        step_code: str,
        template: str,
        recipients: Iterable[tuple[Address, str]],
        context: dict[str, Any],
        attachments: tuple[Attachment, ...],
        deliverables: tuple[str, ...],
        now: dt.datetime,
        rounds: dict[int, int] | None = None,
    ) -> Outcome:
        rounds = rounds or {}
        routing = {address.email.lower(): (address, kind) for address, kind in recipients}
        slots = [
            Slot(
                key=notification_key(oid, rounds.get(oid, 0), step_code, email),
                recipient=email,
                obligation_id=oid,
                unit_id=unit_info["id"],
                round=rounds.get(oid, 0),
            )
            for oid in obligation_ids
            for email in routing
        ]
        return self._send_claimed(
            connection,
            slots,
            routing,
            step_code=step_code,
            template=template,
            context=context,
            attachments=attachments,
            unit=unit_info["code"],
            deliverables=deliverables,
            now=now,
        )

    def _send_claimed(
        self,
        connection: Any,
        slots: Sequence[Slot],
        routing: dict[str, tuple[Address, str]],
        *,
        step_code: str,
        template: str,
        context: dict[str, Any],
        attachments: tuple[Attachment, ...],
        unit: str,
        deliverables: tuple[str, ...],
        now: dt.datetime,
        reply: MailReply | None = None,
    ) -> Outcome:
        held: Claim | None = claim(
            self.engine,
            slots,
            plan_id=self.plan_id,
            step=step_code,
            template=template,
            new_message_id=lambda: new_message_id(self.mail.message_domain),
            now=self._outbox_time(now),
            lease=self.lease,
        )
        if held is None:
            return Outcome()
        subject, text, html = self.mail.renderer.render(template, context)
        wanted = {r.lower() for r in held.recipients}
        to = tuple(a for email, (a, kind) in routing.items() if email in wanted and kind == "to")
        cc = tuple(a for email, (a, kind) in routing.items() if email in wanted and kind == "cc")
        if not to:
            to, cc = cc, ()
        message = OutgoingMessage(
            message_id=held.message_id,
            sender=self.mail.sender,
            to=to,
            cc=cc,
            reply_to=self._reply_to(slots),
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
            date=now if self.mail.simulated_clock else None,
            in_reply_to=reply.in_reply_to if reply else None,
            references=reply.references if reply else (),
        )
        try:
            result = connection.send(message)
        except DeliveryError as exc:
            mark_failed(self.engine, held, error=str(exc), delivered_unknown=not exc.before_send)
            outcome = Outcome()
            (outcome.failures if exc.before_send else outcome.unknown).append(f"{unit} {step_code}: {exc}")
            return outcome
        mark_sent(self.engine, held, subject=subject, now=now, refused=result.refused)
        return Outcome(
            sent=[
                SentRecord(
                    unit=unit,
                    template=template,
                    step=step_code,
                    recipients=held.recipients,
                    message_id=held.message_id,
                    subject=subject,
                    deliverables=deliverables,
                    resent=held.resent,
                    refused=dict(result.refused),
                )
            ]
        )

    def _reply_to(self, slots: Sequence[Slot]) -> Address:
        """The office's address, plus a token naming the unit (and its one obligation) when the
        message is to one unit, so its answer is identified without guessing (decision 34)."""
        units = {slot.unit_id for slot in slots}
        unit_id = units.pop() if len(units) == 1 else None
        if self.mail.reply_token is None or unit_id is None:
            return self.mail.reply_to
        obligations = {slot.obligation_id for slot in slots}
        obligation = obligations.pop() if len(obligations) == 1 else None
        token = self.mail.reply_token(unit_id, obligation)
        return Address(self.mail.reply_to.name, reply_address(self.mail.reply_to.email, token))

    # ------------------------------------------------------------------ reading

    def _office_info(self) -> tuple[Unit, dict[str, Any]]:
        """The district office as the sender of the district-wide messages (digest, report)."""
        office = self.plan.unit(self.plan.plan.office)
        info = {
            "code": office.code,
            "name": office.name,
            "focal_name": office.focal.name,
            "head_name": office.head.name,
            "id": None,
        }
        return office, info

    def _leaders(self) -> list[Address]:
        return [Address(c.name, c.email) for c in self.plan.chase.digest.recipients]

    def _unit(self, session: Any, code: str) -> UnitRow:
        return session.scalars(select(UnitRow).where(UnitRow.plan_id == self.plan_id, UnitRow.code == code)).one()

    def _obligations(
        self, session: Any, unit_id: int, states: Sequence[State]
    ) -> list[tuple[ObligationRow, DeliverableRow]]:
        rows = session.execute(
            select(ObligationRow, DeliverableRow)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(ObligationRow.unit_id == unit_id, ObligationRow.state.in_([s.value for s in states]))
            .order_by(ObligationRow.last_day, DeliverableRow.id, ObligationRow.period)
        )
        return [(row, deliverable) for row, deliverable in rows]

    def _unit_info(
        self, unit: UnitRow, session: Session | None = None, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        link = self.mail.links(session, unit, now) if self.mail.links and session is not None and now else None
        return {
            "portal_url": link,
            "id": unit.id,
            "code": unit.code,
            "name": unit.name,
            "focal_name": unit.focal_name,
            "head_name": unit.head_name,
            "focal": Address(unit.focal_name, unit.focal_email),
            "head": Address(unit.head_name, unit.head_email),
        }

    def _context(self, unit_info: dict[str, Any], today: dt.date) -> dict[str, Any]:
        office = self.plan.unit(self.plan.plan.office)
        header = self.plan.plan
        return {
            "plan": {
                "title": header.title,
                "year": header.year,
                "issuer_short_name": header.issuer.short_name,
                "place": header.issuer.place,
            },
            "office": {"name": office.name, "email": self.mail.reply_to.email},
            "unit": {k: unit_info[k] for k in ("code", "name", "focal_name", "head_name")},
            "portal_url": unit_info.get("portal_url"),
            "today": today,
        }

    def _assignment_item(self, row: ObligationRow, deliverable: DeliverableRow) -> dict[str, Any]:
        definition = deliverable.definition
        forms = [
            {"code": f.code, "name": f.name, "title": f.title}
            for f in self.plan.forms
            if f.code in definition.get("forms", [])
        ]
        return {
            "deliverable_name": deliverable.name,
            "period_label": row.period_label,
            "due": row.due,
            "rule": row.rule,
            "last_day": effective_last_day(row.last_day, row.extended_until),
            "forms": forms,
            "attachments_allowed": bool(definition.get("attachments")),
        }

    def _chase_item(self, row: ObligationRow, deliverable: DeliverableRow, today: dt.date) -> dict[str, Any]:
        deadline = effective_last_day(row.last_day, row.extended_until)
        return {
            "deliverable_name": deliverable.name,
            "period_label": row.period_label,
            "last_day": deadline,
            "days_left": max((deadline - today).days, 0),
            "days_overdue": max((today - deadline).days, 0),
            "extended_until": row.extended_until,
        }


def _view(row: ObligationRow, paused: bool, sent: frozenset[str]) -> ChaseView:
    return ChaseView(
        obligation_id=row.id,
        unit="",
        state=State(row.state),
        last_day=row.last_day,
        extended_until=row.extended_until,
        paused=paused,
        sent=sent,
    )


def _mime_of(path: Path) -> str:
    return {
        ".pdf": "application/pdf",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".html": "text/html",
    }.get(path.suffix.lower(), "application/octet-stream")


def _received_lines(session: Session, plan: Plan, submission: SubmissionRow) -> list[str]:
    """What was received, for the receipt: cells per appendix, or the document."""
    if submission.status == "returned":
        return []
    counts = dict(
        session.execute(
            select(DataValueRow.form, func.count(DataValueRow.id))
            .where(DataValueRow.submission_id == submission.id)
            .group_by(DataValueRow.form)
        ).all()
    )
    names = {f.code: f.name for f in plan.forms}
    lines = [t("intake.received_form", form=names.get(code, code), count=n) for code, n in sorted(counts.items())]
    if not lines and submission.file_name:
        lines = [t("intake.received_document", name=submission.file_name, size=max(1, (submission.size or 0) // 1024))]
    return lines


def _audience(step: LadderStep, unit_info: dict[str, Any]) -> list[tuple[Address, str]]:
    chosen = [(unit_info[step.to], "to")]
    chosen += [(unit_info[who], "cc") for who in step.cc if who != step.to]
    return chosen


__all__ = ["DeliveryFailed", "MailReply", "MailSetup", "Notifier", "Outcome", "SentRecord", "UnitRef", "sender_from"]
