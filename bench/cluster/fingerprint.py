"""Fingerprints of a store: per table, its row count and an md5 of all its rows, computed in PostgreSQL.

Two stores with equal fingerprints hold the same rows (ids included). Columns whose value comes
from the wall clock (`dutyflow plan load` stamps rows with the time of the load) can be left out,
so that a crashed load can be compared with a clean load made a minute earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

Fingerprint = dict[str, tuple[int, str]]
"""table -> (row count, md5 of its rows)"""


def dsn(base: str, database: str) -> str:
    return base.replace("dbname=postgres", f"dbname={database}")


def fingerprint(conninfo: str, *, skip_clock_columns: bool = False) -> Fingerprint:
    """Every table of the public schema (the Alembic version table too)."""
    out: Fingerprint = {}
    with psycopg.connect(conninfo) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        for table in tables:
            columns = [
                row[0]
                for row in connection.execute(
                    "SELECT column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
                if not (skip_clock_columns and row[1].startswith("timestamp"))
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            count, digest = connection.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))"
                f' FROM (SELECT ROW({listed})::text AS r FROM "{table}") AS rows'
            ).fetchone() or (0, "")
            out[table] = (int(count), str(digest))
    return out


@dataclass(frozen=True)
class Comparison:
    verdict: str
    """"before", "after", or "BETWEEN" (some tables as before, others not)."""
    differing: list[str]
    """Tables that match neither reference."""


def compare(found: Fingerprint, before: Fingerprint, after: Fingerprint) -> Comparison:
    if found == before:
        return Comparison("before", [])
    if found == after:
        return Comparison("after", [])
    differing = [t for t in found if found[t] != before.get(t) and found[t] != after.get(t)]
    return Comparison("BETWEEN", differing or sorted(t for t in found if found[t] != before.get(t)))


def counts(print_: Fingerprint, tables: list[str] | None = None) -> str:
    """ "table=count ..." for the tables that have rows (or the named ones)."""
    names = tables or [t for t, (n, _) in print_.items() if n]
    return " ".join(f"{t}={print_[t][0]}" for t in names if t in print_)
