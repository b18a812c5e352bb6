"""Prefect client plumbing in one private module; returns plain values."""

from __future__ import annotations

import asyncio

from prefect.client.orchestration import get_client
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, NoSchedule, RRuleSchedule
from prefect.exceptions import ObjectNotFound

DEPLOYMENT_NAMES = {
    "assign": "assign/dutyflow-assign",
    "chase": "chase/dutyflow-chase",
    "consolidate": "consolidate/dutyflow-consolidate",
    "intake-mail": "intake-mail/dutyflow-intake-mail",
}


def check_cron(cron: str, timezone: str) -> None:
    """Raise ValueError when Prefect would not accept the schedule."""
    CronSchedule(cron=cron, timezone=timezone)


def push_schedule(flow: str, cron: str, timezone: str) -> bool:
    """Update the served deployment's schedule in place; False when no such deployment is served."""
    return asyncio.run(_push_schedule(flow, cron, timezone))


async def _push_schedule(flow: str, cron: str, timezone: str) -> bool:
    async with get_client() as client:
        try:
            deployment = await client.read_deployment_by_name(DEPLOYMENT_NAMES[flow])
        except ObjectNotFound:
            return False
        schedule = CronSchedule(cron=cron, timezone=timezone)
        existing = await client.read_deployment_schedules(deployment.id)
        if not existing:
            schedules: list[tuple[IntervalSchedule | CronSchedule | RRuleSchedule | NoSchedule, bool]] = [(schedule, True)]
            await client.create_deployment_schedules(deployment.id, schedules)
            return True
        # Parameters are re-sent with every update: an update without them would wipe them.
        for item in existing:
            await client.update_deployment_schedule(
                deployment.id, item.id, schedule=schedule, active=True, parameters=dict(item.parameters or {})
            )
        return True


def served_api() -> bool:
    """Whether a Prefect server is configured (PREFECT_API_URL); without one, a client would start
    a temporary server of its own, and no deployment is served."""
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def start_deployment_run(flow: str, parameters: dict[str, object]) -> str | None:
    """Create a run of `flow`'s served deployment now; the run's address in the Prefect UI, or None
    when no such deployment is served."""
    return asyncio.run(_start_deployment_run(flow, parameters))


async def _start_deployment_run(flow: str, parameters: dict[str, object]) -> str | None:
    from prefect.utilities.urls import url_for

    async with get_client() as client:
        try:
            deployment = await client.read_deployment_by_name(DEPLOYMENT_NAMES[flow])
        except ObjectNotFound:
            return None
        run = await client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        return url_for(run) or f"{client.api_url}/flow_runs/{run.id}"
