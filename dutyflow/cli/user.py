"""`dutyflow user`: the office's named accounts (add, disable, password, list). Thin: each command
parses, calls `dutyflow.accounts` in one transaction, and prints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.orm import Session

from dutyflow import accounts
from dutyflow.accounts import AccountError
from dutyflow.cli.common import acting_person, console, fail, refusing, runtime
from dutyflow.cli.usage import VietnameseGroup
from dutyflow.messages import t
from dutyflow.resources import utcnow
from dutyflow.store.db import ensure_ready, session_scope

T = TypeVar("T")

user_app = typer.Typer(cls=VietnameseGroup, help=t("accounts.help.user"), no_args_is_help=True)

Name = Annotated[str, typer.Argument(help=t("accounts.help.name"), show_default=False)]
Password = Annotated[
    str | None, typer.Option("--password", help=t("accounts.help.password_option"), show_default=False)
]


def _in_store(action: Callable[[Session], T]) -> T:
    rt = runtime()
    with refusing():
        ensure_ready(rt.engine)
        with session_scope(rt.engine) as session:
            return action(session)


def _password(given: str | None) -> str:
    """The password given, or typed twice, hidden."""
    if given is not None:
        return given
    first: str = typer.prompt(t("accounts.prompt_password"), hide_input=True)
    second: str = typer.prompt(t("accounts.prompt_repeat"), hide_input=True)
    if first != second:
        raise fail(t("accounts.passwords_differ"), 2)
    return first


@user_app.command("add", help=t("accounts.help.add"))
def user_add(
    name: Name,
    role: Annotated[str, typer.Option("--role", help=t("accounts.help.role"), show_default=False)],
    password: Password = None,
    full_name: Annotated[str, typer.Option("--full-name", help=t("accounts.help.full_name"))] = "",
    title: Annotated[str, typer.Option("--title", help=t("accounts.help.title"))] = "",
) -> None:
    with refusing():
        chosen = accounts.parse_role(role)
    secret = _password(password)
    added = _in_store(
        lambda s: accounts.add(
            s, name, chosen, secret, full_name=full_name, title=title, now=utcnow(), actor=acting_person(s)
        )
    )
    console.print(t("accounts.added", name=added.name, role=t(f"accounts.roles.{added.role}")))


@user_app.command("disable", help=t("accounts.help.disable"))
def user_disable(name: Name) -> None:
    _in_store(lambda s: accounts.disable(s, name, now=utcnow(), actor=acting_person(s)))
    console.print(t("accounts.disabled", name=name))


@user_app.command("password", help=t("accounts.help.password"))
def user_password(name: Name, password: Password = None) -> None:
    def known(session: Session) -> None:
        if accounts.find(session, name) is None:
            raise AccountError(t("accounts.unknown", name=name))

    _in_store(known)  # before asking for a password
    secret = _password(password)
    _in_store(lambda s: accounts.set_password(s, name, secret, now=utcnow(), actor=acting_person(s)))
    console.print(t("accounts.password_set", name=name))


@user_app.command("list", help=t("accounts.help.list"))
def user_list() -> None:
    rows = _in_store(accounts.listing)
    if not rows:
        console.print(t("accounts.list_empty"))
        return
    console.table(
        t("accounts.list_title"),
        [t(f"accounts.col_{c}") for c in ("name", "full_name", "title", "role", "state")],
        [
            [
                a.name,
                a.full_name,
                a.title,
                t(f"accounts.roles.{a.role}"),
                t("accounts.state_disabled") if a.disabled else t("accounts.state_active"),
            ]
            for a in rows
        ],
    )
