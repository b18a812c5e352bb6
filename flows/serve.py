"""Serve the deployments with the schedules kept in our store (their one owner)."""

from __future__ import annotations

from typing import Any

from prefect import Flow, serve
from prefect.client.schemas.schedules import CronSchedule

from dutyflow.admin import schedules
from dutyflow.resources import Resources
from dutyflow.store.db import session_scope
from flows._common import resources
from flows.assign import assign
from flows.chase import chase
from flows.consolidate import consolidate_flow
from flows.intake_mail import intake_mail

FLOWS: dict[str, Flow[..., Any]] = {"assign": assign, "chase": chase, "consolidate": consolidate_flow, "intake-mail": intake_mail}


def build_deployments(runtime: Resources) -> list[Any]:
    """One deployment per flow, scheduled as the store says (cron in the plan's timezone)."""
    plan = runtime.loaded_plan()
    with session_scope(runtime.engine) as session:
        rows = {
            name: (row.cron, row.timezone or plan.calendar.timezone, row.active)
            for name, row in schedules(session, plan.calendar.timezone).items()
        }
    deployments = []
    for name, flow in FLOWS.items():
        cron, timezone, active = rows[name]
        deployments.append(
            flow.to_deployment(
                name=f"dutyflow-{name}",
                schedules=[CronSchedule(cron=cron, timezone=timezone)] if active else [],
                tags=["dutyflow", plan.plan.code],
            )
        )
    return deployments


def serve_all(runtime: Resources | None = None) -> None:
    serve(*build_deployments(runtime or resources()))
