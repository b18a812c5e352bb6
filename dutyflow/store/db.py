"""Engines, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ColumnElement, Engine, Select, any_, bindparam, create_engine, event, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

from dutyflow.messages import t

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreNotReady(Exception):
    """The database is missing or not at the latest migration."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> str:
    """Bring the schema to the latest migration; return its revision."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return str(script.get_current_head())


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_ready(engine: Engine) -> None:
    if current_revision(engine) != head_revision():
        raise StoreNotReady(t("db.not_migrated"))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session


@contextmanager
def rehearsal(engine: Engine) -> Iterator[Session]:
    """A transaction always rolled back: a service run to show what it would do, nothing kept
    (docs/decisions.md, "A console action is rehearsed by its own service before it is confirmed")."""
    with Session(engine) as session:
        try:
            yield session
        finally:
            session.rollback()


def insert_ignoring_conflicts(
    session: Session, model: Any, rows: list[dict[str, Any]], unique: str, *, by_column: bool = False
) -> list[Any]:
    """Insert the rows whose `unique` column is new (a conditional insert, safe against a concurrent
    writer); return the `unique` values this call inserted.

    `by_column`: on PostgreSQL, send each column as one array (`_unnested`), for many rows of short
    cells such as the outbox's claims. Not for long texts: psycopg escapes the quotes of a text
    array's items one by one in Python, which costs more than the VALUES list saves."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(model)
    elif dialect == "sqlite":
        statement = sqlite.insert(model)
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(dialect)
    table = statement.table
    connection = session.connection()
    if dialect == "postgresql" and by_column and all(row.keys() == rows[0].keys() for row in rows):
        arrays = statement.from_select(list(rows[0]), _unnested(table, rows))
        result = connection.execute(arrays.on_conflict_do_nothing(index_elements=[unique]).returning(table.c[unique]))
    else:
        # Core, not the ORM's bulk path: at 54,600 outbox rows its per-row bookkeeping cost seconds.
        conditional = statement.on_conflict_do_nothing(index_elements=[unique]).returning(table.c[unique])
        result = connection.execute(conditional, rows)
    return list(result.scalars())


def _unnested(table: Any, rows: list[dict[str, Any]]) -> Select[Any]:
    """PostgreSQL: `rows` as one array a column, unnested into rows again (`SELECT * FROM
    unnest(:a, :b, ...)`). A multi-row VALUES list has a parameter per cell, which SQLAlchemy
    renders and psycopg parses back, in Python, per statement: 8 ms of CPU for an assignment
    window's 245 outbox rows, uncached for being long. A parameter per column is one short
    statement, the same for every window. Each cell still goes through its column's type
    (decisions.md, "Bulk statements send arrays")."""
    names = list(rows[0])
    arrays = [
        bindparam(f"_{name}", [row[name] for row in rows], type_=postgresql.ARRAY(table.c[name].type, dimensions=1))
        for name in names
    ]
    source = func.unnest(*arrays).table_valued(*names).render_derived()
    return select(*source.c)


def among(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], values: Sequence[Any]
) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL `column = ANY(:values)`, one array parameter: an IN list
    has a parameter per value, which SQLAlchemy renders and psycopg parses back, in Python, for
    every statement (half the CPU of recording an assignment window's marks)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type, dimensions=1)))
    return column.in_(values)


BULK_ROWS = 1000
"""Rows written at once past which a table's planner statistics are refreshed (`refresh_statistics`)."""


def refresh_statistics(session: Session, table: str) -> None:
    """Refresh PostgreSQL's planner statistics of `table` inside the caller's transaction, after a
    bulk write (see decisions.md, "Statistics after a bulk load"). Until autovacuum's next pass
    the planner would take a freshly loaded table for nearly empty and, for `state = 'pending'
    AND id IN (...)`, walk the state index over every pending row instead of the primary key:
    the national assignment's statements then took 10-50 ms each. SQLite keeps no statistics
    unless asked (`ANALYZE`), and its plans are chosen without them: nothing to do there."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f'ANALYZE "{table}"'))
