"""The office's session: it lasts 8 hours to the second, logout ends it on the server, and the
CSRF token guards logout. On SQLite and PostgreSQL, with the portal's clock as a parameter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from dutyflow.plan import load_plan
from dutyflow.portal.app import SESSION_COOKIE, SESSION_HOURS, create_app
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AdminSessionRow
from dutyflow.store.sync import load_plan_into_store
from tests.conftest import at

PASSWORD = "mật-khẩu-văn-phòng"
LOGIN = "/van-phong/dang-nhap"


@dataclass
class Office:
    client: TestClient
    engine: Engine
    clock: list[dt.datetime]

    def login(self) -> str:
        response = self.client.post(LOGIN, data={"password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/van-phong"
        return response.cookies[SESSION_COOKIE]

    def status_page(self):  # type: ignore[no-untyped-def]
        return self.client.get("/van-phong", follow_redirects=False)

    def csrf(self) -> str:
        page = self.status_page().text
        marker = 'name="csrf" value="'
        start = page.index(marker) + len(marker)
        return page[start : page.index('"', start)]

    def sessions(self) -> int:
        with session_scope(self.engine) as session:
            return session.scalar(select(func.count(AdminSessionRow.id))) or 0


@pytest.fixture
def office(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> Iterator[Office]:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(mini_plan_path), mini_plan_path, now=at("2025-04-20"), actor="t")
    clock = [at("2025-05-12", 8)]
    app = create_app(
        engine, FileStore(tmp_path / "uploads"), notifier=None, admin_password=PASSWORD, clock=lambda: clock[0]
    )
    with TestClient(app) as client:
        yield Office(client, engine, clock)


def signed_out(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 303 and response.headers["location"] == LOGIN


def test_a_session_lasts_eight_hours_to_the_second(office: Office) -> None:
    office.login()
    started = office.clock[0]
    office.clock[0] = started + dt.timedelta(hours=SESSION_HOURS) - dt.timedelta(seconds=1)
    assert office.status_page().status_code == 200
    office.clock[0] = started + dt.timedelta(hours=SESSION_HOURS)
    assert signed_out(office.status_page())
    assert signed_out(office.client.get("/van-phong/bao-cao", follow_redirects=False))
    # The next login clears the expired session from the store.
    office.clock[0] = started + dt.timedelta(days=1)
    office.login()
    assert office.sessions() == 1


def test_the_cookie_expires_with_the_session(office: Office) -> None:
    response = office.client.post(LOGIN, data={"password": PASSWORD}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert f"max-age={SESSION_HOURS * 3600}" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_logout_ends_the_session_on_the_server(office: Office) -> None:
    cookie = office.login()
    response = office.client.post("/van-phong/dang-xuat", data={"csrf": office.csrf()}, follow_redirects=False)
    assert signed_out(response)
    assert 'max-age=0' in response.headers["set-cookie"].lower() or "expires=" in response.headers["set-cookie"].lower()
    assert office.sessions() == 0
    assert signed_out(office.status_page())
    # A copy of the cookie kept from before is worth nothing now.
    office.client.cookies.set(SESSION_COOKIE, cookie)
    assert signed_out(office.status_page())


def test_logout_needs_the_sessions_csrf_token(office: Office) -> None:
    office.login()
    forged = office.client.post("/van-phong/dang-xuat", data={"csrf": "x" * 43}, follow_redirects=False)
    assert forged.status_code == 403
    assert office.status_page().status_code == 200 and office.sessions() == 1


def test_two_logins_are_two_sessions_and_logout_ends_only_its_own(office: Office) -> None:
    first = office.login()
    first_csrf = office.csrf()
    second = office.login()
    assert first != second and office.sessions() == 2
    office.client.cookies.set(SESSION_COOKIE, first)
    assert signed_out(office.client.post("/van-phong/dang-xuat", data={"csrf": first_csrf}, follow_redirects=False))
    office.client.cookies.set(SESSION_COOKIE, second)
    assert office.status_page().status_code == 200 and office.sessions() == 1


def test_an_unknown_cookie_is_no_session(office: Office) -> None:
    office.client.cookies.set(SESSION_COOKIE, "khong-phai-phien")
    assert signed_out(office.status_page())
