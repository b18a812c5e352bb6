"""Locust users of `bench.load_portal`: units uploading their report at the times of the last day's
rush (the driver's schedule, compressed), and office staff browsing the console meanwhile.

    locust -f bench/locustfile.py --headless ...   (the driver runs it; see bench/load_portal.py)

The schedule (LOAD_SCHEDULE, JSON) lists for each upload its second after the start, the unit's
token, the obligation and the workbook's file. Upload users take the next upload in turn, wait for
its moment and post it; an upload is a failure unless the receipt page comes back (HTTP 200 and
"Biên nhận"). Office users sign in once, then open the console's pages with a pause between.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, constant, events, task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCHEDULE: list[dict[str, Any]] = json.loads(Path(os.environ["LOAD_SCHEDULE"]).read_text(encoding="utf-8"))
_next = iter(SCHEDULE)
_started: list[float] = []


@events.test_start.add_listener
def _start(**_: Any) -> None:
    _started.append(time.monotonic())


class UnitUser(HttpUser):
    """A commune or district officer uploading the unit's filled workbook once, at its moment."""

    wait_time = constant(0)
    weight = 1

    @task
    def upload(self) -> None:
        item = next(_next, None)
        if item is None:
            gevent.sleep(5)  # every upload is done; the office users keep browsing until the end
            return
        start = _started[0] if _started else time.monotonic()
        delay = start + item["at"] - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        data = Path(item["file"]).read_bytes()
        path = f"/u/{item['token']}/nop/{item['obligation']}"
        files = {"file": (Path(item["file"]).name, data, XLSX)}
        with self.client.post(path, files=files, name="POST /u/[token]/nop/[id] (upload)", catch_response=True) as answer:
            if answer.status_code != 200 or "Biên nhận" not in answer.text:
                answer.failure(f"HTTP {answer.status_code}: {answer.text[:200]}")


class OfficeUser(HttpUser):
    """Office staff following the rush in the console."""

    wait_time = between(1, 3)
    fixed_count = int(os.environ.get("LOAD_OFFICE_USERS", "3"))

    def on_start(self) -> None:
        form = {"name": os.environ["LOAD_OFFICE_NAME"], "password": os.environ["LOAD_OFFICE_PASSWORD"]}
        with self.client.post("/van-phong/dang-nhap", data=form, name="POST /van-phong/dang-nhap", catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 303:
                answer.failure(f"sign-in refused: HTTP {answer.status_code}")

    @task(4)
    def overview(self) -> None:
        self._page("/van-phong/tong-quan")

    @task(2)
    def standing(self) -> None:
        self._page("/van-phong")

    @task(2)
    def units(self) -> None:
        self._page("/van-phong/don-vi")

    @task(1)
    def received(self) -> None:
        self._page("/van-phong/bao-cao")

    @task(1)
    def schedules(self) -> None:
        self._page("/van-phong/lich-chay")

    def _page(self, path: str) -> None:
        with self.client.get(path, name=f"GET {path}", catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
