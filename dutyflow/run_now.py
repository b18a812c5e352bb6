"""Running a flow now, from the console or the CLI, and pushing a schedule to a served deployment:
what the office asks for (`RunRequest`), what it gets back (`RunResult`, `Pushed`), and the seam
that does it (`FlowLauncher`; Prefect's implementation is `flows/launcher.py`); the audit's line for
each request (`record_request`). No Prefect here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from dutyflow import audit
from dutyflow.messages import t


class RunFlow(StrEnum):
    """The flows the office may run now, named by their address in the console."""

    ASSIGN = "assign"
    CHASE = "chase"
    CONSOLIDATE = "consolidate"
    INTAKE_MAIL = "intake-mail"

    @property
    def label(self) -> str:
        """How a person reads the flow's name: the run-now page and what a run says it did."""
        if self is RunFlow.INTAKE_MAIL:
            return t("console_accounts.run_flows.intake-mail")
        return t(f"console_run.flows.{self.value}")


def runnable_flows(*, mailbox: bool) -> list[RunFlow]:
    """The flows an installation can run now: reading the office's mailbox only when one is
    configured (without one the flow would read nothing and say nothing useful)."""
    return [flow for flow in RunFlow if mailbox or flow is not RunFlow.INTAKE_MAIL]


class ReportKind(StrEnum):
    """What a consolidation run makes: the flow's own choice by the day, a draft, or the final report."""

    AUTO = "tu-dong"
    DRAFT = "du-thao"
    FINAL = "chinh-thuc"

    @property
    def final(self) -> bool | None:
        return {ReportKind.AUTO: None, ReportKind.DRAFT: False, ReportKind.FINAL: True}[self]


@dataclass(frozen=True)
class RunRequest:
    flow: RunFlow
    as_of: dt.date | None = None
    """The day the run acts for; None: today, as a scheduled run."""
    report: ReportKind = ReportKind.AUTO

    def parameters(self) -> dict[str, object]:
        """The flow's parameters (a deployment's run gets them as JSON)."""
        values: dict[str, object] = {"as_of": self.as_of.isoformat() if self.as_of else None}
        if self.flow is RunFlow.CONSOLIDATE:
            values["final"] = self.report.final
        return values


def record_request(session: Session, request: RunRequest, *, actor: str, now: dt.datetime) -> None:
    """The audit's line for a person asking for a run now, with its parameters, in the caller's
    transaction, committed before the run starts: a run in this process can take minutes and end
    in an error, the request stands."""
    event = audit.AuditEvent("run_requested", "flow", request.flow.value, detail=request.parameters())
    audit.write(session, event, actor=actor, at=now)


@dataclass(frozen=True)
class RunResult:
    """A run started on the served deployment (`run_url` opens it in the Prefect UI), or done in this
    process (`summary`: what it did, in Vietnamese; a report's `files` and `notes` on what could not be
    made)."""

    flow: RunFlow
    run_url: str | None = None
    summary: str = ""
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def deployed(self) -> bool:
        return self.run_url is not None


class Pushed(StrEnum):
    """What became of a changed schedule on the Prefect side."""

    PUSHED = "pushed"
    NOT_SERVED = "not_served"
    FAILED = "failed"


class FlowLauncher(Protocol):
    def push_schedule(self, flow: str, cron: str, timezone: str) -> tuple[Pushed, str]:
        """Update the served deployment's schedule; the outcome and, when it failed, why."""
        ...

    def run(self, request: RunRequest) -> RunResult:
        """Start `request` on the served deployment when there is one, else run it in this process."""
        ...

    def flows(self) -> list[RunFlow]:
        """The flows this installation can run now (`runnable_flows` of its settings)."""
        ...


__all__ = [
    "FlowLauncher",
    "Pushed",
    "ReportKind",
    "RunFlow",
    "RunRequest",
    "RunResult",
    "record_request",
    "runnable_flows",
]
