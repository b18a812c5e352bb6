"""Flow `chase`: pass what closed units still owe to their successors; remind, chase and escalate
every unit that owes something; tell units of what was withdrawn from them; the weekly digest and
the office's reminder of an unapproved consolidated report."""

from __future__ import annotations

import datetime as dt

from prefect import flow
from prefect.tasks import exponential_backoff

from dutyflow.flow_results import MailRun
from dutyflow.notify import Outcome
from flows._common import batches, hand_over, publish, resolve_now, resources, run_name
from tasks.notify import chase_units, send_office_notices


@flow(name="chase", flow_run_name=lambda: run_name("flows.chase_run"), log_prints=True)
def chase(as_of: dt.date | None = None) -> MailRun:
    runtime = resources()
    notifier = runtime.notifier()
    today, now = resolve_now(as_of, notifier.calendar.tz)
    hand_over(notifier, now)
    units = notifier.units_to_chase(now)
    delay = runtime.settings.retry_delay_seconds
    task = chase_units.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=delay))
    futures = [
        task.submit(notifier, label, codes, today, now) for label, codes in batches(units, runtime.settings.batch_size)
    ]
    outcome = Outcome()
    for future in futures:
        outcome.merge(future.result())
    backoff = exponential_backoff(backoff_factor=delay)
    outcome.merge(send_office_notices.with_options(retry_delay_seconds=backoff)(notifier, today, now))
    publish("chase", today, outcome, len(units), notifier)
    return MailRun(units=len(units), sent=len(outcome.sent))
