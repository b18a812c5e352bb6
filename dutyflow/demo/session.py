"""The demo's set-up and tear-down around its year: the mail sink, the office's mailbox, the store,
the portal and its HTTP client; then the summary of what happened. No Prefect here: the flows see
the demo's resources through `install` (`flows._common.override`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import httpx

from dutyflow.calendar import WorkingCalendar
from dutyflow.demo.actions import add_demo_account, add_demo_approver, save_status_page
from dutyflow.demo.clock import SimClock
from dutyflow.demo.year import DemoResult, Stage, demo_resources, free_port, local, messages_by_template, states
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ThrowawayDovecot, dovecot_binary
from dutyflow.messages import t
from dutyflow.plan import load_plan
from dutyflow.portal.server import background_server
from dutyflow.resources import Resources
from dutyflow.store.db import session_scope, upgrade
from dutyflow.store.sync import load_plan_into_store

Install = Callable[[Resources], AbstractContextManager[Resources]]
"""Puts the demo's resources in place for the flows for the duration of the block."""


@contextmanager
def demo_stage(out_dir: Path, plan_path: Path, *, install: Install) -> Iterator[tuple[Stage, DemoResult]]:
    """The stage of the year of the plan at `plan_path` in `out_dir` (both made ready by
    `dutyflow.demo.plan.prepare`), and the result the year fills in; on leaving, the result also
    holds the messages, states and files."""
    plan = load_plan(plan_path)
    calendar = WorkingCalendar.from_config(plan.calendar)
    result = DemoResult(out_dir=out_dir, plan=plan)
    port = free_port()
    mailbox = ThrowawayDovecot() if dovecot_binary() else None
    if mailbox is None:
        result.notes.append(t("mailin.demo_no_dovecot"))
    start = local(dt.date(plan.plan.year, 4, 1), 8, calendar)
    clock = SimClock(start)
    with (
        MailSink(out_dir / "mail") as sink,
        mailbox or nullcontext() as account,
        install(demo_resources(out_dir, plan_path, sink.port, port, clock, account)) as runtime,
    ):
        upgrade(runtime.engine)
        with session_scope(runtime.engine) as session:
            load_plan_into_store(session, plan, plan_path, now=start, actor="demo")
            add_demo_account(session, now=start)
            add_demo_approver(session, plan, now=start)
        with (
            background_server(runtime.portal_app(), port) as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            yield Stage(plan, calendar, runtime, clock, sink, http, account), result
            result.files["status"] = save_status_page(http, out_dir)
        result.messages = messages_by_template(runtime.engine)
        result.states = states(runtime.engine)
    result.files["mail"] = out_dir / "mail" / "index.html"
