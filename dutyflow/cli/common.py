"""What every command group shares: the output streams, the one mapping from the core's refusals to a
clean failure, the settings, days typed on the command line, and running an action on the current plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.text import Text
from sqlalchemy.orm import Session

from dutyflow import accounts
from dutyflow.accounts import AccountError
from dutyflow.admin import AdminError
from dutyflow.admin import acting_moment as moment_of
from dutyflow.approval import ApprovalError
from dutyflow.calendar import WorkingCalendar
from dutyflow.cli.output import Output
from dutyflow.formatting import read_day
from dutyflow.intake import IntakeRefused
from dutyflow.messages import t
from dutyflow.plan import Plan, PlanError, load_plan
from dutyflow.reform import ReformError
from dutyflow.register import RegisterError
from dutyflow.report.narrative import NarrativeError
from dutyflow.report.pdf import PdfError
from dutyflow.report_lifecycle import ReportStepRefused
from dutyflow.resources import Resources, actor, utcnow
from dutyflow.settings import SettingsError
from dutyflow.signing import SigningError
from dutyflow.store.db import StoreNotReady, ensure_ready, session_scope
from dutyflow.store.models import PlanRow
from dutyflow.store.queries import NoPlanLoaded, current_plan, plan_calendar
from dutyflow.store.register_numbers import RegisterBusy

T = TypeVar("T")

console = Output()
errors = Output(stderr=True)

PathArg = Annotated[Path | None, typer.Argument(help=t("help.path"), show_default=False)]
DAY = t("help_frame.day")  # what a date option shows as its type in the help
AsOf = Annotated[str | None, typer.Option("--as-of", metavar=DAY, help=t("help.as_of"), show_default=False)]
JsonFlag = Annotated[bool, typer.Option("--json", help=t("help.json"))]

_PLAIN_REFUSALS = (
    StoreNotReady,
    AdminError,
    AccountError,
    IntakeRefused,
    SettingsError,
    SigningError,
    RegisterError,
    ReformError,
    ApprovalError,
    ReportStepRefused,
    NarrativeError,
    PdfError,
    RegisterBusy,
)
"""Refusals whose own text is the message."""
REFUSALS = (NoPlanLoaded, PlanError, *_PLAIN_REFUSALS)
"""Every refusal of the core a command shows as a clean failure (see `refusal_text`)."""


acting_as: ContextVar[str | None] = ContextVar("acting_as", default=None)
"""The account named by `dutyflow --by NAME`, set for each run of the command."""


def acting_person(session: Session) -> str:
    """Whom the audit names for this command: the enabled account of `--by`, else the OS user."""
    name = acting_as.get()
    if name is None:
        return actor()
    account = accounts.find(session, name.strip().lower())
    if account is None or account.disabled:
        raise AccountError(t("accounts.unknown_actor", name=name))
    return account.name


def refusal_text(exc: Exception) -> str:
    """What the person reads for one of `REFUSALS`: the only mapping from the core's errors to messages."""
    if isinstance(exc, NoPlanLoaded):
        return t("load.no_plan_loaded")
    if isinstance(exc, PlanError):
        return exc.render()
    return str(exc)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` as an error (plain text: names and paths people typed are never markup) and
    give the exit to raise."""
    errors.print(Text.assemble((t("usage.error"), "bold red"), " ", message))
    return typer.Exit(code)


@contextmanager
def refusing() -> Iterator[None]:
    """Turn any of `REFUSALS` raised inside into a clean failure with exit code 1."""
    try:
        yield
    except REFUSALS as exc:
        raise fail(refusal_text(exc)) from None


def runtime() -> Resources:
    with refusing():
        return Resources.from_settings()


def parse_day(value: str | None) -> dt.date:
    """A day typed as an office writes it (25/11/2025, 25-11-2025) or as YYYY-MM-DD, or today in
    Vietnam when none was given."""
    if value is None:
        return utcnow().astimezone(WorkingCalendar().tz).date()
    day = read_day(value)  # as the console's forms read it
    if day is None:
        raise fail(t("cli.bad_date", value=value), 2)
    return day


def optional_day(value: str | None) -> dt.date | None:
    return parse_day(value) if value else None


def read_plan(path: Path) -> Plan:
    with refusing():
        return load_plan(path)


def require_plan(rt: Resources) -> None:
    """Fail with a clear message unless the store is migrated and holds a plan."""
    with refusing():
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            current_plan(session)


def read_input(path: Path) -> bytes:
    """The bytes of a file named on the command line, or a clean failure saying what is wrong with it."""
    if path.is_dir():
        raise fail(t("files.is_directory", path=path), 2)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise fail(t("files.missing", path=path), 2) from None
    except OSError as exc:
        raise fail(t("files.unreadable", path=path, reason=exc.strerror or exc.__class__.__name__), 2) from None


def acting_moment(
    calendar: WorkingCalendar, day: dt.date | None, future_key: str = "dates.as_of_in_future"
) -> dt.datetime:
    """When an action given a day (--as-of, --received) takes effect, on the wall clock (see
    `admin.acting_moment`)."""
    return moment_of(calendar, day, now=utcnow(), future_key=future_key)


def on_plan(
    action: Callable[[Session, PlanRow, dt.datetime, str], T],
    day: dt.date | None = None,
    future_key: str = "dates.as_of_in_future",
    rt: Resources | None = None,
) -> T:
    """Run `action(session, plan, now, actor)` on the current plan in one transaction, at the moment of `day` (see
    `acting_moment`); any refusal is a clean failure."""
    rt = rt or runtime()
    with refusing():
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            plan = current_plan(session)
            return action(session, plan, acting_moment(plan_calendar(plan), day, future_key), acting_person(session))
