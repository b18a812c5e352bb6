"""Every portal process follows the plan the store holds (SQLite and PostgreSQL): two app instances
over one store stand for two `dutyflow serve --workers 2` processes; a plan applied through one
of them (the console's plan page), or loaded by `dutyflow plan load` (another process altogether),
is what the other serves on its next request, its notifier renewed with it, without a restart;
while the plan does not change, a request reads its stamp and parses nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dutyflow.intake import Limits
from dutyflow.notify import Notifier
from dutyflow.plan import load_plan
from dutyflow.portal.app import create_app
from dutyflow.portal.deps import Portal
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.sync import load_plan_into_store
from tests.accounts_support import STAFF, add_accounts
from tests.conftest import at, build_notifier
from tests.test_console_actions import signed_in
from tests.test_console_manage import PLAN, changed_plan, post_plan
from tests.test_portal import SECRET, Site, open_site

PAUSE_FORM = "/van-phong/thao-tac/tam-dung"
NEW_UNIT = '<option value="xa-c"'


@pytest.fixture
def site(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    with open_site(engine, mini_plan_path, tmp_path, link_secret=SECRET, portal_url="http://portal.test") as site:
        add_accounts(engine, AccountRole.LEADERSHIP)
        yield site


def second_process(site: Site, renewed: list[Notifier]) -> FastAPI:
    """Another portal over the same store, as a second worker process has it."""

    def renew() -> Notifier:
        renewed.append(build_notifier(site.engine))
        return renewed[-1]

    return create_app(
        site.engine,
        FileStore(site.root / "uploads"),
        notifier=build_notifier(site.engine),
        clock=site.clock,
        limits=Limits(max_bytes=2 * 1024 * 1024, max_per_day=5),
        link_secret=SECRET,
        portal_url="http://portal.test",
        renew_notifier=renew,
    )


def portal_of(app: FastAPI) -> Portal:
    portal = app.state.portal
    assert isinstance(portal, Portal)
    return portal


def test_a_plan_applied_in_one_process_is_served_by_the_other_on_its_next_request(
    site: Site, mini_plan_path: Path
) -> None:
    renewed: list[Notifier] = []
    other = second_process(site, renewed)
    with TestClient(other) as other_client:
        client, csrf = signed_in(site, STAFF)
        other_site = Site(site.engine, site.plan, other_client, site.clock, site.outbox, site.root)
        reader, _ = signed_in(other_site, STAFF)
        assert NEW_UNIT not in reader.get(PAUSE_FORM).text
        parsed = portal_of(other).plan
        assert NEW_UNIT not in reader.get(PAUSE_FORM).text
        assert portal_of(other).plan is parsed and renewed == []  # unchanged: nothing parsed again

        preview = post_plan(client, csrf, changed_plan(mini_plan_path))  # through the first process
        sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', preview.text)
        assert sha is not None
        done = client.post(f"{PLAN}/ap-dung", data={"csrf": csrf, "sha256": sha.group(1), "name": "ke-hoach.yaml"})
        assert done.status_code == 200 and 'id="done"' in done.text
        assert NEW_UNIT in client.get(PAUSE_FORM).text  # the process that applied it, at once

        assert NEW_UNIT in reader.get(PAUSE_FORM).text  # the other one, on its next request
        assert [u.code for u in portal_of(other).plan.units if u.code == "xa-c"] == ["xa-c"]
        assert len(renewed) == 1 and portal_of(other).notifier is renewed[0]
        assert any(u.code == "xa-c" for u in renewed[0].plan.units)  # its messages follow the new plan too
        reader.get(PAUSE_FORM)
        assert len(renewed) == 1  # once per change


def test_a_plan_loaded_from_the_command_line_is_served_without_a_restart(
    site: Site, mini_plan_path: Path, tmp_path: Path
) -> None:
    renewed: list[Notifier] = []
    other = second_process(site, renewed)
    with TestClient(other) as other_client:
        reader, _ = signed_in(Site(site.engine, site.plan, other_client, site.clock, site.outbox, site.root), STAFF)
        assert NEW_UNIT not in reader.get(PAUSE_FORM).text
        changed = tmp_path / "ke-hoach-moi.yaml"
        changed.write_bytes(changed_plan(mini_plan_path))
        with session_scope(site.engine) as session:  # what `dutyflow plan load` does, in its own process
            load_plan_into_store(session, load_plan(changed), changed, now=at("2025-05-12", 11), actor="t")
        assert NEW_UNIT in reader.get(PAUSE_FORM).text
        assert len(renewed) == 1
        first, _ = signed_in(site, STAFF)  # and the first process, which did not load it either
        assert NEW_UNIT in first.get(PAUSE_FORM).text
