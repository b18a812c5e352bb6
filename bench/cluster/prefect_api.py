"""The Prefect API as the cluster scripts use it: start deployment runs, wait, read what they did."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import FlowRun, TaskRun

CHASE = "chase/dutyflow-chase"
"""The chase deployment, named as flows/_prefect_api.py and flows/serve.py name it."""


def _client() -> SyncPrefectClient:
    return get_client(sync_client=True)


def online_workers(pool: str) -> dict[str, str]:
    with _client() as client:
        workers = client.read_workers_for_work_pool(pool)
    return {
        w.name: str(w.status.value if w.status else "?") for w in workers if w.status and w.status.value == "ONLINE"
    }


def deployments() -> list[str]:
    with _client() as client:
        found = client.read_deployments()
        flows = {f.id: f.name for f in client.read_flows()}
    return [f"{flows.get(d.flow_id, '?')}/{d.name}" for d in found]


def start_runs(
    deployment: str, parameters: dict[str, Any], count: int = 1, env: dict[str, str] | None = None
) -> list[UUID]:
    """`count` flow runs of `deployment`, scheduled now; `env` is added to the workers' environment."""
    with _client() as client:
        target = client.read_deployment_by_name(deployment)
        runs = [
            client.create_flow_run_from_deployment(
                target.id,
                parameters=parameters,
                job_variables={"env": env} if env else None,
                tags=["cluster-bench"],
            )
            for _ in range(count)
        ]
    return [run.id for run in runs]


def state_of(run: FlowRun) -> str:
    """The name of the run's state ("Completed", "Crashed", ...)."""
    return (run.state.name or run.state.type.value) if run.state else "?"


def read_run(run_id: UUID) -> FlowRun:
    with _client() as client:
        return client.read_flow_run(run_id)


def wait_runs(
    run_ids: Iterable[UUID], timeout: float, tick: Callable[[list[FlowRun]], None] | None = None, every: float = 1.0
) -> list[FlowRun]:
    """Poll until every run is in a final state; raise TimeoutError after `timeout` seconds."""
    ids = list(run_ids)
    start = time.monotonic()
    with _client() as client:
        while True:
            runs = [client.read_flow_run(run_id) for run_id in ids]
            if tick is not None:
                tick(runs)
            if all(run.state is not None and run.state.is_final() for run in runs):
                return runs
            if time.monotonic() - start > timeout:
                states = ", ".join(f"{r.name}: {state_of(r)}" for r in runs)
                raise TimeoutError(f"flow runs not finished after {timeout:.0f}s ({states})")
            time.sleep(every)


def wait_started(run_id: UUID, timeout: float) -> FlowRun:
    """Until the run is Running and its process is known (infrastructure_pid)."""
    start = time.monotonic()
    with _client() as client:
        while True:
            run = client.read_flow_run(run_id)
            if run.state is not None and (run.state.is_running() or run.state.is_final()) and run.infrastructure_pid:
                return run
            if time.monotonic() - start > timeout:
                raise TimeoutError(f"flow run {run_id} did not start within {timeout:.0f}s")
            time.sleep(0.2)


def task_runs(run_ids: Iterable[UUID]) -> list[TaskRun]:
    out: list[TaskRun] = []
    with _client() as client:
        for run_id in run_ids:
            offset = 0
            while True:
                page = client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200, offset=offset
                )
                out.extend(page)
                if len(page) < 200:
                    break
                offset += 200
    return out


def sent_by_run(run_id: UUID) -> int | None:
    """Messages the run reports as sent: rows of its `chase-sent` table artifact (None: no artifact)."""
    with _client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]), key=ArtifactFilterKey(any_=["chase-sent"])
            )
        )
    if not artifacts:
        return None
    data = artifacts[0].data
    if isinstance(data, str):
        import json

        data = json.loads(data)
    rows = [row for row in (data or []) if "Message-ID" in row]
    return len(rows)


def infrastructure_pid(run: FlowRun) -> int | None:
    """The pid of the process running `run` ("host:pid" or "pid", as the worker recorded it)."""
    if not run.infrastructure_pid:
        return None
    return int(str(run.infrastructure_pid).rsplit(":", 1)[-1])


def worker_of(run_id: UUID, log_dir: Path) -> str:
    """Which worker ran `run_id`: the worker whose log names it (each worker logs what it submits)."""
    needle = str(run_id)
    for log in sorted(log_dir.glob("worker-*.log")):
        if needle in log.read_text(encoding="utf-8", errors="replace"):
            return log.stem
    return "?"


@dataclass(frozen=True)
class RunFigures:
    run_id: UUID
    name: str
    state: str
    worker: str
    started: dt.datetime | None
    ended: dt.datetime | None
    sent: int | None

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return (self.ended - self.started).total_seconds()


def figures(runs: list[FlowRun], log_dir: Path) -> list[RunFigures]:
    return [
        RunFigures(
            run_id=run.id,
            name=run.name,
            state=state_of(run),
            worker=worker_of(run.id, log_dir),
            started=run.start_time,
            ended=run.end_time,
            sent=sent_by_run(run.id),
        )
        for run in runs
    ]
