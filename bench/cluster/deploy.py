"""Register dutyflow's deployments on the cluster's process work pool, from this repository.

    python -m bench.cluster.deploy

`flows/serve.py` builds the same three deployments with `to_deployment` for `serve()` (one
process runs them all). For a work pool the flow must be loadable by any worker, so here each flow
is loaded with `Flow.from_source(<repo path>, "<file>:<function>")` and registered with
`.deploy(work_pool_name=...)`: no image, no remote storage, nothing downloaded. The deployment's
pull step is `set_working_directory: <repo path>`; every worker has the repository at that path
(on other machines: the same checkout at the same path, or a git URL as the source).

Same flows, same deployment names (`chase/dutyflow-chase`, ...) as `dutyflow serve`, so
`dutyflow schedule set` updates them in place. They are registered WITHOUT schedules: the
cluster runs are started explicitly with an `as_of` day of 2025; a cron firing on the real clock
would chase the whole plan as of today. In production, the schedules come from the store
(`schedules` table) exactly as `build_deployments` builds them.
"""

from __future__ import annotations

import contextlib
import inspect
import io
from pathlib import Path
from typing import Any, cast

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists
from prefect.flows import Flow
from prefect.workers.process import ProcessWorker

from bench.cluster import config
from flows.serve import FLOWS


def ensure_pool(name: str) -> None:
    """The process work pool, with Prefect's default job template for that type."""
    template = ProcessWorker.get_default_base_job_template()
    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type="process", base_job_template=template))
            print(f"[cluster] work pool {name} created (type process)")
        except ObjectAlreadyExists:
            print(f"[cluster] work pool {name} exists")


def entrypoint(flow: Flow[..., Any]) -> str:
    """ "flows/chase.py:chase" for the flow object defined in flows/chase.py."""
    source = Path(inspect.getfile(flow.fn)).resolve().relative_to(config.ROOT)
    return f"{source.as_posix()}:{flow.fn.__name__}"


def register(pool: str) -> list[str]:
    names = []
    flows = cast(dict[str, Flow[..., Any]], FLOWS)
    for name, flow in flows.items():
        remote = cast(Flow[..., Any], Flow.from_source(source=str(config.ROOT), entrypoint=entrypoint(flow)))
        with contextlib.redirect_stdout(io.StringIO()):  # Prefect prints a table per deployment
            remote.deploy(
                name=f"dutyflow-{name}",
                work_pool_name=pool,
                tags=["dutyflow", "cluster"],
                build=False,
                push=False,
                print_next_steps=False,
                ignore_warnings=True,
            )
        names.append(f"{flow.name}/dutyflow-{name} <- {entrypoint(flow)}")
    return names


def main() -> None:
    cluster = config.load()
    ensure_pool(cluster.pool)
    for line in register(cluster.pool):
        print(f"[cluster] deployment {line}")


if __name__ == "__main__":
    main()
