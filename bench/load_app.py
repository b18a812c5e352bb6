"""The portal as `bench.load_portal` serves it: `uvicorn bench.load_app:make --factory --workers 2`.

Each server process builds its app from the environment the driver sets: the store (a PostgreSQL
URL and schema), the folder of uploaded files, and the simulated moment (the last day's afternoon).
Receipts go to an in-memory outbox (no SMTP in a load test)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine

from dutyflow.intake import Limits
from dutyflow.mail import Address, MailRenderer, MemoryTransport
from dutyflow.notify import MailSetup, Notifier
from dutyflow.portal.app import create_app
from dutyflow.store.files import FileStore
from dutyflow.store.models import UnitRow
from dutyflow.tokens import current_token, expiry_for

SECRET = b"bench-load-secret"


def make() -> FastAPI:
    schema = os.environ["LOAD_SCHEMA"]
    engine = create_engine(
        os.environ["LOAD_DB_URL"], connect_args={"options": f"-csearch_path={schema}"}, pool_size=10, max_overflow=10
    )
    now = dt.datetime.fromisoformat(os.environ["LOAD_NOW"])
    office = Address("Văn phòng (thử tải)", "vanthu@vp.dutyflow-load.example")
    plan_code = os.environ["LOAD_PLAN_CODE"]

    def links(session: Any, unit: UnitRow, moment: dt.datetime) -> str:
        token = current_token(session, SECRET, plan_code, unit, now=moment, expires_at=expiry_for(2025, now.tzinfo or dt.UTC))
        return f"http://portal.dutyflow-load.example/u/{token}"

    notifier = Notifier(engine, MailSetup(MemoryTransport(), MailRenderer(), office, office, links=links))
    return create_app(
        engine,
        FileStore(Path(os.environ["LOAD_DIR"]) / "uploads"),
        notifier=notifier,
        clock=lambda: now,
        limits=Limits(max_per_day=100),
        link_secret=SECRET,
    )
