"""The simulated clock: the portal and the runs act at it, the demo moves it from action to action."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class SimClock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, day: dt.date, hour: int, tz: dt.tzinfo) -> None:
        self.now = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
