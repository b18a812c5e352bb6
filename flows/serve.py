"""Serve the deployments with the schedules kept in our store (their one owner)."""

from __future__ import annotations

from typing import Any

from prefect import serve
from prefect.client.schemas.schedules import CronSchedule

from dutyflow.admin import schedules
from dutyflow.plan import Plan
from dutyflow.runtime import Runtime
from dutyflow.store.db import session_scope
from dutyflow.store.queries import current_plan
from dutyflow.wiring import default_runtime
from flows.assign import assign
from flows.chase import chase
from flows.consolidate import consolidate_flow
from flows.intake_mail import intake_mail

FLOWS = {"assign": assign, "chase": chase, "consolidate": consolidate_flow, "intake-mail": intake_mail}


def build_deployments(runtime: Runtime) -> list[Any]:
    """One deployment per flow, scheduled as the store says (cron in the plan's timezone)."""
    with session_scope(runtime.engine) as session:
        plan = Plan.model_validate(current_plan(session).document)
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


def serve_all() -> None:
    serve(*build_deployments(default_runtime()))
