"""Shared fixtures: plans on disk, and a migrated store on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Before anything imports Prefect: offline, quiet.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect's own ephemeral server gets 20 s to start by default; on two busy cores (the flow tests
# share them with LibreOffice, Chromium and PostgreSQL) that is not always enough.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")

import pytest
from sqlalchemy import Engine, create_engine, event, text

from dutyflow.mail import Address, MailTransport
from dutyflow.notify import LinkProvider, Notifier
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.resources import Resources
from dutyflow.store.db import make_engine, upgrade
from tests.ci import in_ci, unavailable

pytest_plugins = ["tests.chasing", "tests.office_cli", "tests.reports", "tests.wheel_install"]  # shared fixtures: the chase tests', the office's CLI, the reports', the wheel

FIXTURES = Path(__file__).parent / "fixtures"
MINI_PLAN = FIXTURES / "mini-plan.yaml"
PG_URL = os.environ.get("DUTYFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ICT = dt.timezone(dt.timedelta(hours=7))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests (a demo year each) first, each followed by one other: with
    `--maxschedchunk 2` every worker starts with its own demo year beside the rest, instead of one
    worker running them one after the other or alone at the end (decisions.md, "The suite runs on
    every core")."""
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    rest = [item for item in items if item.get_closest_marker("slow") is None]
    ordered: list[pytest.Item] = []
    for item in slow:
        ordered.append(item)
        if rest:
            ordered.append(rest.pop(0))
    items[:] = [*ordered, *rest]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI nothing skips (tests/ci.py): a skip, whatever raised it, is reported as a failure."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    """In CI a module that skips itself when imported (`importorskip` at the top) fails as well."""
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    if report.skipped and in_ci():
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {reason}"


OFFICE = Address("Văn phòng HĐND&UBND huyện", "vanthu@vp.thunghiem.example")


def build_notifier(
    engine: Engine,
    transport: MailTransport | None = None,
    *,
    sender: Address = OFFICE,
    links: LinkProvider | None = None,
    lease_minutes: float = 15,
    clock: Callable[[], dt.datetime] | None = None,
    simulated_clock: bool = False,
    reply_secret: str | None = None,
) -> Notifier:
    """The one way tests build a notifier: `Resources.for_test` over `engine`, an in-memory
    transport unless one is given, a fixed office address as From and Reply-To, no portal links
    unless given, Reply-To tokens only with a `reply_secret`, and the outbox timed by `clock`
    (None: each run's `now`)."""
    resources = Resources.for_test(
        engine,
        Path(tempfile.gettempdir()) / "dutyflow-tests",  # nothing is written: links and secret are given
        transport=transport,
        clock=clock,
        sender=sender,
        links=links,
        reply_tokens=reply_secret is not None,
        claim_lease_minutes=lease_minutes,
        simulated_clock=simulated_clock,
        secret_key=reply_secret or "tests",
    )
    return resources.notifier()


@pytest.fixture
def make_notifier() -> Callable[..., Notifier]:
    """`build_notifier` as a fixture, for tests that take their parts as arguments."""
    return build_notifier


def at(day: str, hour: int = 8) -> dt.datetime:
    """A timezone-aware instant on `day` (ISO) at `hour` in Asia/Ho_Chi_Minh."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=ICT)


@pytest.fixture
def mini_plan_path(tmp_path: Path) -> Path:
    """A private copy of the mini plan that a test may edit."""
    target = tmp_path / "mini-plan.yaml"
    shutil.copy(MINI_PLAN, target)
    return target


@pytest.fixture
def bundled_plan_path() -> Path:
    return BUNDLED_PLAN


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server for the whole session, whichever modules run flows: defined here
    rather than in a test module, since a module that imports a session fixture gets its own copy
    of it, and so a second server."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


def _postgres_available() -> bool:
    try:
        with create_engine(PG_URL).connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated store; every store test runs once on each backend.

    The migrations run for real once a session per backend (`_migrated_sqlite`, `_migration_script`);
    each test then gets a copy of that SQLite file, or a new PostgreSQL schema in which the
    statements the migrations executed are executed again: the same schema, without alembic's
    work for every test (see decisions.md, "An expensive test run is made once and shared")."""
    if request.param == "sqlite":
        store = tmp_path / "store.db"
        shutil.copyfile(_migrated_sqlite(), store)
        eng = make_engine(f"sqlite:///{store}")
        yield eng
        eng.dispose()
        return
    if not _postgres_available():
        unavailable(f"PostgreSQL not reachable at {PG_URL}")
    script = _migration_script()
    with _new_schema() as eng:
        with eng.begin() as connection:
            for statement, parameters in script:
                connection.exec_driver_sql(statement, parameters)
        yield eng


@functools.cache
def _migrated_sqlite() -> Path:
    """A SQLite store migrated to the head, once a session; the engine fixture copies it."""
    path = Path(tempfile.mkdtemp(prefix="dutyflow-template-")) / "store.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@functools.cache
def _migration_script() -> tuple[tuple[str, Any], ...]:
    """The statements the migrations execute on an empty PostgreSQL schema, recorded once a session.
    They name no schema (the connection's search_path does), so they build the same tables in any."""
    recorded: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        recorded.append((statement, parameters))

    with _new_schema() as eng:
        event.listen(eng, "before_cursor_execute", record)
        upgrade(eng)
        event.remove(eng, "before_cursor_execute", record)
    return tuple(recorded)


@contextlib.contextmanager
def _new_schema() -> Iterator[Engine]:
    """An engine on a new, empty PostgreSQL schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
