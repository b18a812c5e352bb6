"""`dutyflow report status | edit | approve | return | sign | issue`: the consolidated report's way
from draft to issue. Thin: each command parses, calls one service of `dutyflow.approval` at the
real moment, and prints."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from dutyflow import accounts, approval
from dutyflow.cli.common import acting_person, console, fail, read_input, refusing, require_plan, runtime
from dutyflow.cli.run import report_app
from dutyflow.messages import t
from dutyflow.report.narrative import read_docx, read_text
from dutyflow.resources import Resources, utcnow
from dutyflow.store.db import session_scope
from dutyflow.store.queries import loaded_plan

By = Annotated[str, typer.Option("--by", help=t("help_approval.by"), show_default=False)]


def workspace(rt: Resources) -> approval.Workspace:
    return approval.Workspace(rt.engine, rt.files, rt.settings.data_dir / "reports")


def _ready() -> tuple[Resources, approval.Workspace]:
    rt = runtime()
    require_plan(rt)
    return rt, workspace(rt)


def _approver(rt: Resources, name: str) -> accounts.Account:
    """The account `--by` names, if it may approve (else a clean Vietnamese failure)."""
    with refusing(), session_scope(rt.engine) as session:
        return accounts.approver(session, name)


def _person(rt: Resources) -> str:
    """Whom the office's steps (edit, sign, issue) name: the account of `dutyflow --by`, else the OS user."""
    with refusing(), session_scope(rt.engine) as session:
        return acting_person(session)


def _timezone(rt: Resources) -> ZoneInfo:
    with session_scope(rt.engine) as session:
        return ZoneInfo(loaded_plan(session).plan.calendar.timezone)


def _moment(value: dt.datetime | None, tz: ZoneInfo) -> str:
    return f"{value.astimezone(tz):%H:%M %d/%m/%Y}" if value is not None else ""


def show(status: approval.ReportStatus, tz: ZoneInfo) -> None:
    console.print(t("approval.status_title", title=status.title))
    console.print(t("approval.status_state", state=t(f"approval.state.{status.state.value}"), version=status.version))
    if status.number:
        console.print(t("approval.status_number", number=status.number))
    if status.signer_name:
        console.print(t("approval.status_signer", title=status.signer_title or "", name=status.signer_name))
    if status.approver is not None:
        who = status.approver
        key = "approvers.status_approver" if who.title else "approvers.status_approver_untitled"
        console.print(t(key, full_name=who.full_name, title=who.title, name=who.name))
    console.print(t("approval.status_file", file=status.file), soft_wrap=True)
    if status.next_actions:
        actions = ", ".join(t(f"approval.action.{a.value}") for a in status.next_actions)
        console.print(t("approval.status_next", actions=actions))
    console.table(
        t("approval.history_title"),
        [t(f"approval.history_col_{c}") for c in ("at", "state", "version", "actor", "comment")],
        [
            [_moment(s.at, tz), t(f"approval.state.{s.state.value}"), str(s.version), s.actor, s.comment or ""]
            for s in status.steps
        ],
    )
    if status.deliveries:
        console.table(
            t("approval.deliveries_title"),
            [t(f"approval.deliveries_col_{c}") for c in ("recipient", "status", "sent_at")],
            [
                [d.recipient, t(f"approval.delivery_status.{d.status.value}"), _moment(d.sent_at, tz)]
                for d in status.deliveries
            ],
        )


@report_app.command("status", help=t("help_approval.status"))
def report_status() -> None:
    rt, ws = _ready()
    with refusing():
        status = approval.report_status(ws)
    show(status, _timezone(rt))


@report_app.command("edit", help=t("help_approval.edit"))
def report_edit(
    docx: Annotated[Path | None, typer.Option("--docx", help=t("help_approval.edit_docx"), show_default=False)] = None,
    text: Annotated[Path | None, typer.Option("--text", help=t("help_approval.edit_text"), show_default=False)] = None,
) -> None:
    if (docx is None) == (text is None):
        raise fail(t("approval.edit_one_source"), 2)
    rt, ws = _ready()
    with refusing():
        if docx is not None:
            narrative = read_docx(read_input(docx), docx.name)
            source: str | None = docx.name
        else:
            assert text is not None
            narrative = read_text(read_input(text).decode("utf-8", errors="replace"))
            source = None
        status = approval.edit(ws, narrative, source=source, actor=_person(rt), now=utcnow())
    console.print(t("approval.edited", version=status.version, paragraphs=len(narrative)))
    show(status, _timezone(rt))


@report_app.command("approve", help=t("help_approval.approve"))
def report_approve(
    by: By,
    title: Annotated[str | None, typer.Option("--title", help=t("help_approval.title"), show_default=False)] = None,
    no_sign: Annotated[bool, typer.Option("--no-sign", help=t("help_approval.no_sign"))] = False,
) -> None:
    rt, ws = _ready()
    approver = _approver(rt, by)
    with refusing():
        status = approval.approve(ws, approver, title=title, now=utcnow())
    console.print(t("approval.approved", number=status.number or ""))
    if not no_sign:
        with refusing():
            status = approval.sign(ws, rt.signing(), actor=_person(rt), now=utcnow())
        console.print(t("approval.signed", file=status.file, signer=status.signer_name or ""), soft_wrap=True)
    show(status, _timezone(rt))


@report_app.command("return", help=t("help_approval.return"))
def report_return(by: By, comment: Annotated[str, typer.Option("--comment", help=t("help_approval.comment"))]) -> None:
    rt, ws = _ready()
    approver = _approver(rt, by)
    with refusing():
        status = approval.return_report(ws, approver, comment=comment, now=utcnow())
    console.print(t("approval.returned_done", comment=comment.strip()))
    show(status, _timezone(rt))


@report_app.command("sign", help=t("help_approval.sign"))
def report_sign() -> None:
    rt, ws = _ready()
    with refusing():
        status = approval.sign(ws, rt.signing(), actor=_person(rt), now=utcnow())
    console.print(t("approval.signed", file=status.file, signer=status.signer_name or ""), soft_wrap=True)
    show(status, _timezone(rt))


@report_app.command("issue", help=t("help_approval.issue"))
def report_issue() -> None:
    rt, ws = _ready()
    with refusing():
        issued = approval.issue_by_mail(ws, rt.notifier(), actor=_person(rt), now=utcnow())
    console.print(t("approval.issued", number=issued.status.number or "", count=issued.sent))
    show(issued.status, _timezone(rt))
    if issued.failures:
        raise fail("; ".join(issued.failures))


__all__ = ["report_approve", "report_edit", "report_issue", "report_return", "report_sign", "report_status"]
