"""What every console page reads from: the store, the plan being run, its calendar and the moment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from dutyflow.calendar import WorkingCalendar
from dutyflow.plan import Plan
from dutyflow.store.files import FileStore


@dataclass(frozen=True)
class Scope:
    engine: Engine
    files: FileStore
    plan: Plan
    plan_id: int
    calendar: WorkingCalendar
    now: dt.datetime

    @property
    def today(self) -> dt.date:
        return self.calendar.local_date(self.now)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.calendar.tz)
