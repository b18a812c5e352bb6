"""The next scheduled runs of each flow, from the schedules the store holds (the ones `serve`
gives its deployments), else the defaults. Pure: the schedules and the moment in, instants out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from dutyflow import cron_words
from dutyflow.admin import DEFAULT_SCHEDULES


@dataclass(frozen=True)
class NextRuns:
    flow: str
    cron: str
    active: bool
    runs: tuple[dt.datetime, ...]
    """The next runs, local to the schedule's timezone; empty when paused or unreadable."""


def next_runs(
    stored: Mapping[str, tuple[str, str, bool]], now: dt.datetime, default_timezone: str, count: int = 3
) -> list[NextRuns]:
    """Each flow's next `count` runs after `now`; a flow with no stored schedule runs on its default."""
    out = []
    for flow, default_cron in DEFAULT_SCHEDULES.items():
        cron, timezone, active = stored.get(flow, (default_cron, default_timezone, True))
        runs: tuple[dt.datetime, ...] = ()
        if active:
            try:
                runs = tuple(cron_words.next_runs(cron, timezone, now, count))
            except (cron_words.BadCron, KeyError, ValueError):  # KeyError: an unknown timezone
                runs = ()
        out.append(NextRuns(flow, cron, active, runs))
    return sorted(out, key=lambda item: (not item.runs, item.runs[0] if item.runs else now))
