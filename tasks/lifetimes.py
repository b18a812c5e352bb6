"""Prefect task: pass what units closed by the run's day still owe to their successors."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

from dutyflow.audit import SYSTEM_ACTOR
from dutyflow.messaging import Notifier
from dutyflow.store.db import session_scope
from dutyflow.store.sync import sync_obligations


@task(name="hand-over", cache_policy=NO_CACHE)
def hand_over(notifier: Notifier, now: dt.datetime) -> str:
    """The store owes what the plan asks on `now`'s day (`store.sync.sync_obligations`); returns
    what changed, as the plan loading words it."""
    with session_scope(notifier.engine) as session:
        report = sync_obligations(session, notifier.plan_id, notifier.plan, now=now, actor=SYSTEM_ACTOR)
    return report.describe()
