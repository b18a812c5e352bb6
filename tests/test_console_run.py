"""The console's "run now" on a Prefect test server: without a served deployment the flow runs in
the portal's process on its resources (the chase's reminders are sent); with one, a run of the
deployment is created with the day asked for, and the page links to it in the Prefect UI."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow.mail import MemoryTransport
from dutyflow.resources import Resources
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow
from flows._prefect_api import DEPLOYMENT_NAMES
from flows.launcher import PrefectLauncher
from tests.accounts_support import STAFF, add_accounts
from tests.test_console_actions import signed_in
from tests.test_portal import SECRET, Site, open_site

RUN = "/van-phong/chay-ngay"


@pytest.fixture
def site(
    prefect_server: None, engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> Iterator[tuple[Site, MemoryTransport]]:
    outbox = MemoryTransport()
    launcher = PrefectLauncher(Resources.for_test(engine, tmp_path / "flows", transport=outbox))
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, launcher=launcher) as site:
        add_accounts(engine, AccountRole.LEADERSHIP)
        yield site, outbox


def test_without_a_served_deployment_the_chase_runs_in_the_portals_process(site: tuple[Site, MemoryTransport]) -> None:
    portal, outbox = site
    client, csrf = signed_in(portal, STAFF)
    assert 'value="chase"' in client.get(RUN).text
    done = client.post(RUN, data={"csrf": csrf, "flow": "chase", "as_of": "2025-05-19"})
    assert done.status_code == 200
    assert "Đã chạy «Nhắc hạn» ngay trên máy chủ này" in done.text and "run-link" not in done.text
    assert outbox.sent, "the chase sent its reminders"
    assert f"gửi {len(outbox.sent)} thư" in done.text
    bad = client.post(RUN, data={"csrf": csrf, "flow": "chase", "as_of": "19/19/2025"})
    assert bad.status_code == 422 and "không phải là ngày hợp lệ" in bad.text
    with session_scope(portal.engine) as session:
        asked = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "run_requested")).all()
    assert [(row.actor, row.entity, row.code, row.detail) for row in asked] == [
        (STAFF, "flow", "chase", {"as_of": "2025-05-19"})
    ]  # the refused request (a bad date) is not recorded
    log = client.get("/van-phong/nhat-ky?action=run_requested").text
    assert "yêu cầu chạy ngay" in log and "quy trình" in log


async def _deploy(flow: str) -> uuid.UUID:
    from prefect.client.orchestration import get_client

    flow_name, deployment_name = DEPLOYMENT_NAMES[flow].split("/")
    async with get_client() as client:
        flow_id = await client.create_flow_from_name(flow_name)
        return await client.create_deployment(flow_id=flow_id, name=deployment_name)


async def _run_of(run_id: str) -> tuple[uuid.UUID | None, dict[str, object]]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        run = await client.read_flow_run(uuid.UUID(run_id))
        return run.deployment_id, dict(run.parameters)


async def _undeploy(deployment_id: uuid.UUID) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        await client.delete_deployment(deployment_id)


def test_with_a_served_deployment_a_final_report_is_asked_of_it_and_linked(site: tuple[Site, MemoryTransport]) -> None:
    portal, outbox = site
    deployment = asyncio.run(_deploy("consolidate"))
    try:
        client, csrf = signed_in(portal, STAFF)
        done = client.post(
            RUN, data={"csrf": csrf, "flow": "consolidate", "as_of": "2025-11-26", "report": "chinh-thuc"}
        )
        assert done.status_code == 200 and "Xem tiến độ trong giao diện Prefect" in done.text
        link = re.search(r'<a href="([^"]+)" id="run-link">', done.text)
        assert link is not None and "/runs/flow-run/" in link.group(1)
        deployment_id, parameters = asyncio.run(_run_of(link.group(1).rsplit("/", 1)[1]))
        assert deployment_id == deployment
        assert parameters == {"as_of": "2025-11-26", "final": True}
        assert outbox.sent == []  # asked of the deployment's worker, not run here
    finally:
        asyncio.run(_undeploy(deployment))
