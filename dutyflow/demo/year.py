"""The demo's year: its settings, the days one after another, and the summary of what happened.

The flows are passed in (`Flows`): this package never imports Prefect.
"""

from __future__ import annotations

import datetime as dt
import socket
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import httpx
from sqlalchemy import Engine, func, select

from dutyflow.calendar import WorkingCalendar
from dutyflow.demo.actions import email, latest_status, links_from_mailbox, upload
from dutyflow.demo.clock import SimClock
from dutyflow.demo.issue import DemoIssue, approve_sign_issue
from dutyflow.demo.plan import demo_span
from dutyflow.demo.units import PlannedSubmission, behaviour, cast
from dutyflow.flow_results import ReportRun
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ImapAccount
from dutyflow.obligations import State, expand_obligations
from dutyflow.plan import Plan
from dutyflow.resources import Resources
from dutyflow.settings import load_settings
from dutyflow.states import SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.models import NotificationRow, ObligationRow, SubmissionRow

Progress = Callable[[dt.date, str], None]


class Flows(Protocol):
    """The flows the year runs, each called with the day it is for."""

    def assign(self, as_of: dt.date) -> object: ...
    def chase(self, as_of: dt.date) -> object: ...
    def intake_mail(self, as_of: dt.date) -> object: ...
    def consolidate(self, as_of: dt.date, final: bool) -> ReportRun: ...


@dataclass
class DemoResult:
    out_dir: Path
    plan: Plan
    messages: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    uploads: Counter[str] = field(default_factory=Counter)
    files: dict[str, Path] = field(default_factory=dict)
    days: int = 0
    seconds: float = 0.0
    cast: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    issued: DemoIssue | None = None
    """The final report approved, numbered, signed, verified and sent (`demo.issue`)."""


def demo_resources(
    out_dir: Path, plan_path: Path, smtp_port: int, portal_port: int, clock: SimClock, imap: ImapAccount | None
) -> Resources:
    """The demo's resources: its folder, a SQLite store, the local sink, the portal on 127.0.0.1."""
    settings = load_settings(
        data_dir=out_dir,
        database_url=f"sqlite:///{out_dir / 'dutyflow.db'}",
        plan=plan_path,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_user="",
        mail_from="",
        portal_url=f"http://127.0.0.1:{portal_port}",
        retry_delay_seconds=0,
        batch_size=8,
        simulated_clock=True,
        imap_host=imap.host if imap else "",
        imap_port=imap.port if imap else 993,
        imap_security=imap.security if imap else "ssl",
        imap_user=imap.user if imap else "",
        imap_password=imap.password if imap else "",
    )
    return Resources.from_settings(settings, clock=clock)


@dataclass
class Stage:
    """Where the year is played: the plan, its resources, the clock, the mail sink, the portal's
    HTTP client and, when Dovecot is installed, the office's mailbox."""

    plan: Plan
    calendar: WorkingCalendar
    runtime: Resources
    clock: SimClock
    sink: MailSink
    http: httpx.Client
    account: ImapAccount | None = None


def run_year(stage: Stage, flows: Flows, seed: int, result: DemoResult, progress: Progress) -> None:
    """Every day on which something happens, from the assignment to the final report, which the
    vice-chair approves and the office signs and sends the same afternoon."""
    plan, calendar, runtime, clock, sink, http, account = (
        stage.plan,
        stage.calendar,
        stage.runtime,
        stage.clock,
        stage.sink,
        stage.http,
        stage.account,
    )
    specs = expand_obligations(plan, calendar)
    planned = behaviour(plan, specs, calendar, seed)
    if account is None:  # no IMAP server: every unit uses the portal
        planned = [replace(p, channel=SubmissionChannel.PORTAL) for p in planned]
    roles = cast(plan, seed)
    result.cast = {"never": plan.unit(roles.never).name, "corrects": plan.unit(roles.corrects).name}
    result.cast["email"] = ", ".join(sorted({plan.unit(p.unit).name for p in planned if p.channel == "email"}))
    assign_day, final_day = demo_span(plan)
    draft_day = calendar.add_working_days(final_day, -3)
    # A unit that opens (or a successor that takes over) during the year is assigned that day.
    openings = sorted({u.opens for u in plan.units if u.opens and assign_day < u.opens <= final_day})
    day = assign_day
    links: dict[str, str] = {}
    while day <= final_day:
        progress(day, "")
        clock.at(day, 8, calendar.tz)
        if day == assign_day or day in openings:
            flows.assign(as_of=day)
            links = links_from_mailbox(plan, sink)
        flows.chase(as_of=day)
        emailed: list[PlannedSubmission] = []
        for submission in [p for p in planned if p.day == day]:
            clock.at(day, submission.hour, calendar.tz)
            if submission.channel is SubmissionChannel.EMAIL and account is not None:
                if email(plan, runtime, sink, account, submission, seed, clock.now):
                    emailed.append(submission)
                continue
            outcome = upload(plan, runtime, http, links, submission, seed)
            result.uploads[outcome] += 1
        if emailed:  # the office's mailbox is read on its schedule; the units' replies are in it now
            flows.intake_mail(as_of=day)
            for submission in emailed:
                result.uploads[f"email-{latest_status(runtime, submission)}"] += 1
        if day == draft_day:
            flows.consolidate(as_of=day, final=False)
        if day == final_day:
            final = flows.consolidate(as_of=day, final=True)
            for path in final.files:
                result.files[Path(path).suffix.lstrip(".")] = Path(path)
            result.notes.extend(final.notes)
            if "pdf" in result.files:  # signing needs the PDF (LibreOffice)
                clock.at(day, 16, calendar.tz)
                result.issued = approve_sign_issue(runtime, plan, result.out_dir, clock.now)
        result.days += 1
        day = next_day(day, planned, runtime, calendar, (draft_day, final_day, *openings))


def next_day(
    day: dt.date,
    planned: list[PlannedSubmission],
    runtime: Resources,
    calendar: WorkingCalendar,
    fixed: tuple[dt.date, ...],
) -> dt.date:
    """The next day on which anything happens: an upload, a ladder step, a digest, a report."""
    candidates = [p.day for p in planned if p.day > day] + [d for d in fixed if d > day]
    with session_scope(runtime.engine) as session:
        chased = [State.ANNOUNCED.value, State.RETURNED.value]
        upcoming = session.scalars(
            select(ObligationRow.next_action_at).where(
                ObligationRow.state.in_(chased), ObligationRow.next_action_at.is_not(None)
            )
        ).all()
        overdue = session.scalars(
            select(ObligationRow.id).where(ObligationRow.state.in_(chased), ObligationRow.last_day < day)
        ).first()
    for instant in upcoming:
        if instant is None:
            continue
        local = calendar.local_date(instant)
        candidates.append(local if local > day else calendar.next_working_day(day + dt.timedelta(days=1)))
    if overdue is not None:  # the weekly digest goes out on Mondays while anything is overdue
        candidates.append(day + dt.timedelta(days=7 - day.weekday()))
    return min(candidates) if candidates else max(fixed) + dt.timedelta(days=1)


def messages_by_template(engine: Engine) -> Counter[str]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(NotificationRow.template, func.count(func.distinct(NotificationRow.message_id)))
            .where(NotificationRow.status == "sent")
            .group_by(NotificationRow.template)
        ).all()
    return Counter({template: int(count) for template, count in rows})


def states(engine: Engine) -> Counter[str]:
    with session_scope(engine) as session:
        rows = session.execute(select(ObligationRow.state, func.count()).group_by(ObligationRow.state)).all()
        returned = session.scalar(
            select(func.count()).select_from(SubmissionRow).where(SubmissionRow.status == "returned")
        )
    counts: Counter[str] = Counter({str(state): int(count) for state, count in rows})
    counts["submissions returned"] = int(returned or 0)
    return counts


def local(day: dt.date, hour: int, calendar: WorkingCalendar) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=calendar.tz)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
