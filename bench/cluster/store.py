"""The cluster's dutyflow store (PostgreSQL): reset, load, announce, and what the outbox holds.

Loading goes through the real command (`dutyflow db upgrade`, `dutyflow plan load`); the only
shortcut is the announcement (one UPDATE instead of the assignment emails, see `announce`).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine, delete, func, select, text, update

from bench.cluster import config
from dutyflow.mail import Address, MailRenderer, MemoryTransport
from dutyflow.notify import MailSetup, Notifier
from dutyflow.resources import link_provider
from dutyflow.settings import load_settings
from dutyflow.store.db import make_engine, session_scope
from dutyflow.store.models import NotificationRow, ObligationRow, UnitRow
from dutyflow.store.outbox import notification_key
from dutyflow.store.queries import current_plan, loaded_plan

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUTYFLOW = config.ROOT / ".venv" / "bin" / "dutyflow"


def morning(day: dt.date) -> dt.datetime:
    """What a flow run with `as_of=day` uses as its `now` (flows/_common.py `resolve_now`)."""
    return dt.datetime.combine(day, dt.time(8), tzinfo=TZ)


def engine_for(cluster: config.Cluster, database: str | None = None) -> Engine:
    return make_engine(cluster.pg_url(database or cluster.store_db))


def cli_env(cluster: config.Cluster, database: str | None = None, data_dir: Path | None = None) -> dict[str, str]:
    """The environment of a `dutyflow` command on the cluster store."""
    env = dict(os.environ)
    env["DUTYFLOW_DATABASE_URL"] = cluster.pg_url(database or cluster.store_db)
    env["DUTYFLOW_DATA_DIR"] = str(data_dir or cluster.data_dir)
    secret = cluster.state / "secret.key"
    if secret.exists():
        env["DUTYFLOW_SECRET_KEY"] = secret.read_text().strip()
    return env


def dutyflow(
    cluster: config.Cluster, *args: str, database: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the `dutyflow` command; raise with its output when it fails."""
    done = subprocess.run(
        [str(DUTYFLOW), *args],
        env=cli_env(cluster, database),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"dutyflow {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def reset_schema(cluster: config.Cluster, database: str | None = None) -> None:
    """An empty store: the public schema dropped and created again, then migrated."""
    with psycopg.connect(cluster.admin_dsn.replace("dbname=postgres", f"dbname={database or cluster.store_db}")) as c:
        c.execute("DROP SCHEMA IF EXISTS public CASCADE")
        c.execute("CREATE SCHEMA public")
    dutyflow(cluster, "db", "upgrade", database=database)


def announce(engine: Engine, at: dt.datetime) -> int:
    """The shortcut for `assign`: ONE UPDATE setting every pending obligation to 'announced' with
    its next action at `at` (so every obligation is looked at on the chase day, and the ladder then
    decides which step, if any, is due). No assignment emails, no outbox rows. Written with the
    ORM's column types, so the instant is stored as the engine stores it (UTC) on SQLite too."""
    with engine.begin() as connection:
        result = connection.execute(
            update(ObligationRow).where(ObligationRow.state == "pending").values(state="announced", next_action_at=at)
        )
    return int(result.rowcount)


def secret_of(cluster: config.Cluster) -> str:
    """The server secret every worker has (DUTYFLOW_SECRET_KEY, kept in the cluster's state folder)."""
    return (cluster.state / "secret.key").read_text().strip()


def issue_tokens(engine: Engine, at: dt.datetime, secret: str) -> int:
    """Every unit's portal token, issued as the assignment emails would have (they carry the links),
    since `announce` skips `assign`. (Before fe5c9a1, two chase runs creating a unit's first token
    at once failed on its unique hash; the two-runs fault scenario still covers that case.)"""
    settings = load_settings(secret_key=secret)
    with session_scope(engine) as session:
        plan = loaded_plan(session).plan
        links = link_provider(settings, plan)
        units = session.scalars(select(UnitRow).where(UnitRow.plan_id == current_plan(session).id)).all()
        for unit in units:
            links(session, unit, at)
    return len(units)


def reset_chase(engine: Engine, at: dt.datetime) -> None:
    """Back to "announced, nothing sent": the outbox emptied, every obligation due at `at`."""
    with engine.begin() as connection:
        connection.execute(delete(NotificationRow))
        connection.execute(update(ObligationRow).values(state="announced", next_action_at=at, chase_round=0))


def notifier(engine: Engine) -> Notifier:
    """A notifier that sends nothing: for the finding pass (what a chase on a day must send)."""
    office = Address("Văn phòng (cluster bench)", "vanthu@vp.dutyflow-bench.example")
    mail = MailSetup(transport=MemoryTransport(), renderer=MailRenderer(), sender=office, reply_to=office)
    return Notifier(engine, mail)


@dataclass(frozen=True)
class Expected:
    units: int
    messages: int
    """Messages due (one per unit and step)."""
    slots: frozenset[str]
    """Outbox keys those messages must fill: (obligation, round, step, recipient)."""


def expected_on(engine: Engine, day: dt.date) -> Expected:
    """What the chase on `day` must send, from the engine's own finding pass (it sends nothing).

    Only the notices (unit, step, obligations) come from the engine; each step's audience (`to`,
    `cc`: focal officer or head) is resolved to addresses from the units table here."""
    n = notifier(engine)
    now = morning(day)
    units = n.units_to_chase(now)
    notices = n.due_notices([u.code for u in units], day, now).notices
    with session_scope(engine) as session:
        people = {
            code: {"focal": focal, "head": head}
            for code, focal, head in session.execute(
                select(UnitRow.code, UnitRow.focal_email, UnitRow.head_email).where(UnitRow.plan_id == n.plan_id)
            )
        }
        rounds = dict(session.execute(select(ObligationRow.id, ObligationRow.chase_round)).all())
    slots: set[str] = set()
    for notice in notices:
        audience = [notice.step.to, *[who for who in notice.step.cc if who != notice.step.to]]
        for oid in notice.obligation_ids:
            for who in audience:
                slots.add(notification_key(oid, rounds[oid], notice.step.code, people[notice.unit][who]))
    return Expected(units=len(units), messages=len(notices), slots=frozenset(slots))


@dataclass(frozen=True)
class Outbox:
    rows: list[tuple[str, str, str, str, int | None]]
    """(key, status, message_id, recipient, obligation_id) of every notification row."""

    @property
    def by_status(self) -> Counter[str]:
        return Counter(status for _, status, _, _, _ in self.rows)

    def message_ids(self, *statuses: str) -> set[str]:
        return {mid for _, status, mid, _, _ in self.rows if not statuses or status in statuses}

    def keys(self, *statuses: str) -> set[str]:
        return {key for key, status, _, _, _ in self.rows if not statuses or status in statuses}


def outbox(engine: Engine) -> Outbox:
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                NotificationRow.key,
                NotificationRow.status,
                NotificationRow.message_id,
                NotificationRow.recipient,
                NotificationRow.obligation_id,
            )
        ).all()
    return Outbox([(k, s, m, r.lower(), o) for k, s, m, r, o in rows])


def pending_units(engine: Engine, day: dt.date) -> int:
    """Units the chase on `day` would still look at (0 once a run has done everything)."""
    return len(notifier(engine).units_to_chase(morning(day)))


def count_rows(engine: Engine, tables: Sequence[str]) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: int(connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in tables}


def notification_count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count(NotificationRow.id))) or 0)
