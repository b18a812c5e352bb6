"""Wiring: turns settings into the things the engine uses (store engine, calendar, plan)."""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from dutyflow.settings import Settings, load_settings
from dutyflow.store.db import make_engine


@dataclass
class Runtime:
    settings: Settings

    @classmethod
    def from_environment(cls, **overrides: object) -> Runtime:
        return cls(load_settings(**overrides))

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.effective_database_url)


def actor() -> str:
    """Who is acting, for the audit log, when a person runs a command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def utcnow() -> dt.datetime:
    """The real clock; only entry points call it, everything below takes `now`."""
    return dt.datetime.now(dt.UTC)
