"""The console's accounts page, as `dutyflow user` (decision "Office staff manage accounts in the
console, but never the leadership's"). Office staff and auditors see the list (name, full name,
title, role, state, last sign-in); office staff add an account, disable one, or give one a new
password, each a form, then a confirmation rehearsed by the service (`account_changes`), then done,
the audit naming the signed-in person. A password is typed at the confirmation, twice, and is never
written into a page. Plain HTML forms: no JavaScript."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dutyflow import account_changes, accounts
from dutyflow.account_changes import AccountAction, AccountChange
from dutyflow.accounts import Account, AccountError
from dutyflow.messages import t
from dutyflow.portal.deps import MAX_FORM_FIELDS, SAFE_METHODS, AccountReaderDep, Portal, PortalDep, StaffDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope

ACCOUNTS = "/van-phong/tai-khoan"
CONFIRM, DO = "xem-lai", "thuc-hien"
FIELDS = ("name", "full_name", "title", "role")
PASSWORDS = ("password", "password_again")
MAX_LENGTH = {"name": 64, "full_name": 150, "title": 150, "role": 16}
GRANTED = tuple(role for role in AccountRole if accounts.console_grants(role))
"""The roles the console's form offers (the others are the administrator's, with the CLI)."""

router = APIRouter()


@dataclass(frozen=True)
class AccountLine:
    """An account as the list shows it, with what the signed-in person may do to it."""

    account: Account
    role_label: str
    last_sign_in: str
    may_disable: bool
    may_set_password: bool


@router.get(ACCOUNTS, response_class=HTMLResponse)
def accounts_page(officer: AccountReaderDep, portal: PortalDep) -> HTMLResponse:
    return page(
        "console_accounts",
        officer=officer,
        csrf=officer.csrf,
        lines=_lines(portal, officer),
        actions=list(AccountAction),
        t=t,
    )


async def typed_fields(request: Request) -> dict[str, str]:
    """What was typed in the form (or, for a form filled again or opened from a row, in the query);
    the passwords only from a posted form."""
    source = request.query_params if request.method in SAFE_METHODS else await request.form(max_fields=MAX_FORM_FIELDS)
    names = FIELDS + (PASSWORDS if request.method not in SAFE_METHODS else ()) + ("step",)
    return {name: value for name in names if isinstance(value := source.get(name, ""), str)}


TypedDep = Annotated[dict[str, str], Depends(typed_fields)]


@router.get(ACCOUNTS + "/{action}", response_class=HTMLResponse)
def account_form(action: AccountAction, officer: StaffDep, portal: PortalDep, typed: TypedDep) -> HTMLResponse:
    return _page(portal, officer, action, {name: typed.get(name, "") for name in FIELDS})


@router.post(ACCOUNTS + "/{action}", response_class=HTMLResponse)
async def account_post(action: AccountAction, officer: StaffDep, portal: PortalDep, typed: TypedDep) -> HTMLResponse:
    # argon2 hashes (about 50 ms each) stay off the event loop.
    return await run_in_threadpool(_post, portal, officer, action, typed)


def _post(portal: Portal, officer: Officer, action: AccountAction, typed: Mapping[str, str]) -> HTMLResponse:
    read = read_form(action, typed)
    if isinstance(read, list):
        return _page(portal, officer, action, _values(typed), problems=read)
    change, values = read
    try:
        rehearsed = account_changes.rehearse(portal.engine, change, now=portal.clock(), actor=officer.name)
    except AccountError as exc:
        return _page(portal, officer, action, values, problems=[str(exc)])
    if typed.get("step") != DO:
        return _page(portal, officer, action, values, rehearsed=rehearsed)
    password = ""
    if action.takes_password:
        password, problems = typed.get("password", ""), password_problems(typed)
        if problems:
            return _page(portal, officer, action, values, rehearsed=rehearsed, problems=problems)
    try:
        done = account_changes.perform(portal.engine, change, password, now=portal.clock(), actor=officer.name)
    except AccountError as exc:  # the password's own rules, or a change made meanwhile
        return _page(portal, officer, action, values, rehearsed=rehearsed, problems=[str(exc)])
    return _page(portal, officer, action, values, done=done)


def read_form(action: AccountAction, typed: Mapping[str, str]) -> tuple[AccountChange, dict[str, str]] | list[str]:
    """The change a filled form asks for and the values to show again, or the problems, each naming its field."""
    values = _values(typed)
    problems: list[str] = []
    asked = FIELDS if action is AccountAction.ADD else ("name",)
    for name in asked:
        label = t(f"console_accounts.fields.{name}")
        if name in {"name", "role"} and not values[name]:
            problems.append(t("console_accounts.field_missing", field=label))
        elif len(values[name]) > MAX_LENGTH[name]:
            problems.append(t("portal.errors.field.too_long", field=label, limit=MAX_LENGTH[name]))
    role = None
    if action is AccountAction.ADD and values["role"]:
        try:
            role = AccountRole(values["role"])
        except ValueError:
            problems.append(t("console_accounts.bad_role", field=t("console_accounts.fields.role")))
    if problems:
        return problems
    if action is not AccountAction.ADD:
        return AccountChange(action, values["name"]), {"name": values["name"]}
    return AccountChange(action, values["name"], role, values["full_name"], values["title"]), values


def password_problems(typed: Mapping[str, str]) -> list[str]:
    """The new password typed twice: missing, or the two differ (its length is the service's rule)."""
    first, second = typed.get("password", ""), typed.get("password_again", "")
    if not first:
        return [t("console_accounts.field_missing", field=t("console_accounts.fields.password"))]
    if first != second:
        return [t("accounts.passwords_differ")]
    return []


def _values(typed: Mapping[str, str]) -> dict[str, str]:
    return {name: " ".join(typed.get(name, "").split()) for name in FIELDS}


def _lines(portal: Portal, officer: Officer) -> list[AccountLine]:
    with session_scope(portal.engine) as session:
        listed, signed = accounts.listing(session), accounts.last_sign_ins(session)
    staff = officer.can_change
    return [
        AccountLine(
            account=account,
            role_label=t(f"accounts.roles.{account.role.value}"),
            last_sign_in=_moment(portal, signed.get(account.name)),
            may_disable=staff and not account.disabled and account.name != officer.name,
            may_set_password=staff and accounts.console_grants(account.role),
        )
        for account in listed
    ]


def _moment(portal: Portal, moment: dt.datetime | None) -> str:
    if moment is None:
        return t("console_accounts.never_signed_in")
    return moment.astimezone(portal.calendar.tz).strftime("%d/%m/%Y %H:%M")


def _page(
    portal: Portal,
    officer: Officer,
    action: AccountAction,
    values: Mapping[str, str],
    *,
    problems: list[str] | None = None,
    rehearsed: Account | None = None,
    done: Account | None = None,
) -> HTMLResponse:
    shown = done or rehearsed
    words = (
        {"name": shown.name, "full_name": shown.full_name, "role": t(f"accounts.roles.{shown.role.value}")}
        if shown
        else {}
    )
    own = shown is not None and shown.name == officer.name
    return page(
        "console_account",
        status_code=422 if problems else 200,
        officer=officer,
        csrf=officer.csrf,
        action=action,
        values=values,
        problems=problems or [],
        confirm=t(f"console_accounts.preview.{action.value}", **words) if rehearsed and not done else "",
        done=(
            t(f"console_accounts.done.{action.value}", **words)
            + (" " + t("console_accounts.sign_in_again") if own else "")
        )
        if done
        else "",
        roles=GRANTED,
        minimum=accounts.MIN_PASSWORD,
        candidates=_candidates(portal, officer, action),
        confirm_step=CONFIRM,
        do_step=DO,
        t=t,
    )


def _candidates(portal: Portal, officer: Officer, action: AccountAction) -> list[Account]:
    """The accounts the form's list offers: enabled ones but one's own to disable, the non-leadership
    ones to give a new password (a name typed in the query is checked by the service anyway)."""
    if action is AccountAction.ADD:
        return []
    with session_scope(portal.engine) as session:
        listed = accounts.listing(session)
    if action is AccountAction.DISABLE:
        return [a for a in listed if not a.disabled and a.name != officer.name]
    return [a for a in listed if accounts.console_grants(a.role)]
