"""Prefect tasks: each calls one Notifier method for one unit or one batch of units.

Retries only the failures that happened before a message was handed to the server
(`DeliveryFailed`); a send whose outcome is unknown is never retried here: the outbox re-sends it
with the same Message-ID once its claim's lease has passed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff
from sqlalchemy.exc import OperationalError

from dutyflow.messaging import DeliveryFailed, Notifier, Outcome


def _only_safe_failures(task: Any, task_run: Any, state: Any) -> bool:
    """Retry what cannot duplicate a message: a send refused before it began, or a lost database
    connection (the outbox skips what was sent and leaves live claims alone)."""
    try:
        state.result()
    except (DeliveryFailed, OperationalError):
        return True
    except Exception:
        return False
    return False


SAFE_RETRIES: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=10),
    "retry_condition_fn": _only_safe_failures,
    "cache_policy": NO_CACHE,
}
"""Every sending task retries the same way: only failures that cannot duplicate a message."""


def _raise_if_retryable(outcome: Outcome) -> Outcome:
    if outcome.failures:
        raise DeliveryFailed("; ".join(outcome.failures))
    return outcome


@task(name="assign-units", task_run_name="{label}", **SAFE_RETRIES)
def assign_units(notifier: Notifier, label: str, units: list[str], today: dt.date, now: dt.datetime) -> Outcome:
    return _raise_if_retryable(notifier.assign(units, today, now))


@task(name="chase-units", task_run_name="{label}", **SAFE_RETRIES)
def chase_units(notifier: Notifier, label: str, units: list[str], today: dt.date, now: dt.datetime) -> Outcome:
    return _raise_if_retryable(notifier.chase(units, today, now))


@task(name="office-notices", **SAFE_RETRIES)
def send_office_notices(notifier: Notifier, today: dt.date, now: dt.datetime) -> Outcome:
    """After a chase: the withdrawal notices, the weekly digest and the approval reminder, each once
    (the outbox), in one task run: each task run is several writes to Prefect's store, and a
    separate run for each of three steps that most days send nothing made the day's flow run
    seconds slower (docs/decisions.md, "A chase is two kinds of task runs")."""
    outcome = Outcome()
    outcome.merge(notifier.withdrawal_notices(today, now))
    outcome.merge(notifier.digest(today, now))
    outcome.merge(notifier.approval_reminder(today, now))
    return _raise_if_retryable(outcome)


@task(name="email-report", **SAFE_RETRIES)
def send_report(
    notifier: Notifier, files: list[Path], today: dt.date, now: dt.datetime, title: str, obligation_id: int
) -> Outcome:
    return _raise_if_retryable(notifier.send_report(files, today, now, title=title, obligation_id=obligation_id))
