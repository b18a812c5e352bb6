"""The demo's Prefect side: the year of `dutyflow.demo` played through the real flows, Prefect on a
store in the demo folder. What the units do and when, the clock and the summary are in `dutyflow/demo/`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import httpx

from dutyflow.calendar import WorkingCalendar
from dutyflow.demo.actions import add_demo_account, add_demo_approver, save_status_page
from dutyflow.demo.clock import SimClock
from dutyflow.demo.plan import demo_span, prepare
from dutyflow.demo.year import (
    DemoResult,
    Progress,
    Stage,
    demo_resources,
    free_port,
    local,
    messages_by_template,
    run_year,
    states,
)
from dutyflow.flow_results import ReportRun
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ThrowawayDovecot, dovecot_binary
from dutyflow.messages import t
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan
from dutyflow.portal.server import background_server
from dutyflow.store.db import session_scope, upgrade
from dutyflow.store.sync import load_plan_into_store
from flows._common import override

__all__ = ["DemoResult", "demo_span", "run_demo"]


class PrefectFlows:
    """The year's flows: the real Prefect flows, each a run in the demo's Prefect store."""

    def assign(self, as_of: dt.date) -> object:
        from flows.assign import assign

        return assign(as_of=as_of)

    def chase(self, as_of: dt.date) -> object:
        from flows.chase import chase

        return chase(as_of=as_of)

    def intake_mail(self, as_of: dt.date) -> object:
        from flows.intake_mail import intake_mail

        return intake_mail(as_of=as_of)

    def consolidate(self, as_of: dt.date, final: bool) -> ReportRun:
        from flows.consolidate import consolidate_flow

        return consolidate_flow(as_of=as_of, final=final)


def run_demo(
    out_dir: Path,
    *,
    plan_path: Path = BUNDLED_PLAN,
    seed: int = 2025,
    quick: bool = False,
    progress: Progress | None = None,
) -> DemoResult:
    """Run the year of the plan at `plan_path` (the bundled 2025 plan by default)."""
    started = time.monotonic()
    out_dir = out_dir.resolve()
    plan_path = prepare(out_dir, plan_path, quick=quick)
    plan = load_plan(plan_path)
    calendar = WorkingCalendar.from_config(plan.calendar)
    result = DemoResult(out_dir=out_dir, plan=plan)
    port = free_port()
    mailbox = ThrowawayDovecot() if dovecot_binary() else None
    if mailbox is None:
        result.notes.append(t("mailin.demo_no_dovecot"))
    clock = SimClock(local(dt.date(plan.plan.year, 4, 1), 8, calendar))
    with (
        MailSink(out_dir / "mail") as sink,
        mailbox or nullcontext() as account,
        _prefect(out_dir),
        override(demo_resources(out_dir, plan_path, sink.port, port, clock, account)) as runtime,
    ):
        upgrade(runtime.engine)
        with session_scope(runtime.engine) as session:
            load_plan_into_store(
                session, plan, plan_path, now=local(dt.date(plan.plan.year, 4, 1), 8, calendar), actor="demo"
            )
            add_demo_account(session, now=local(dt.date(plan.plan.year, 4, 1), 8, calendar))
            add_demo_approver(session, plan, now=local(dt.date(plan.plan.year, 4, 1), 8, calendar))
        with (
            background_server(runtime.portal_app(), port) as base,
            httpx.Client(base_url=base, timeout=30) as http,
        ):
            stage = Stage(plan, calendar, runtime, clock, sink, http, account)
            run_year(stage, PrefectFlows(), seed, result, progress or (lambda d, s: None))
            result.files["status"] = save_status_page(http, out_dir)
        result.messages = messages_by_template(runtime.engine)
        result.states = states(runtime.engine)
    result.files["mail"] = out_dir / "mail" / "index.html"
    result.seconds = time.monotonic() - started
    return result


STARTUP_TIMEOUT_SECONDS = 90
"""How long the demo waits for its ephemeral Prefect server: on a loaded machine 20 s is not enough."""


@contextmanager
def _prefect(out_dir: Path) -> Iterator[None]:
    """Prefect on a store in the demo folder, offline and quiet, with no flow heartbeats (they
    cost about a second per flow run) and a patient start of its ephemeral server."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    prefect_home = out_dir / "prefect"
    prefect_home.mkdir(parents=True, exist_ok=True)
    values = {
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(STARTUP_TIMEOUT_SECONDS),
    }
    saved = {key: os.environ.get(key) for key in [*values, "PREFECT_API_URL"]}
    os.environ.update(values)
    os.environ.pop("PREFECT_API_URL", None)
    updates = {
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: STARTUP_TIMEOUT_SECONDS,
    }
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
