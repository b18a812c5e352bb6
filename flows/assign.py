"""Flow `assign`: send every unit open on the day its duties, deliverables and last days (once per
obligation); a unit that opens later gets its assignment on the day it opens, and a successor the
obligations its predecessors passed to it."""

from __future__ import annotations

import datetime as dt

from prefect import flow
from prefect.tasks import exponential_backoff

from dutyflow.flow_results import MailRun
from dutyflow.notify import Outcome
from flows._common import batches, hand_over, publish, resolve_now, resources, run_name
from tasks.notify import assign_units


@flow(name="assign", flow_run_name=lambda: run_name("flows.assign_run"), log_prints=True)
def assign(as_of: dt.date | None = None) -> MailRun:
    runtime = resources()
    notifier = runtime.notifier()
    today, now = resolve_now(as_of, notifier.calendar.tz)
    hand_over(notifier, now)
    units = notifier.units_to_assign(today)
    task = assign_units.with_options(
        retry_delay_seconds=exponential_backoff(backoff_factor=runtime.settings.retry_delay_seconds)
    )
    futures = [
        task.submit(notifier, label, codes, today, now) for label, codes in batches(units, runtime.settings.batch_size)
    ]
    outcome = Outcome()
    for future in futures:
        outcome.merge(future.result())
    publish("assign", today, outcome, len(units), notifier)
    return MailRun(units=len(units), sent=len(outcome.sent))
