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
