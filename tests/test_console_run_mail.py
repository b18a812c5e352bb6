"""Reading the office's mailbox from the console's "run now": with a mailbox configured (a private
Dovecot) and no served deployment, the flow runs in the portal's process, takes a unit's emailed
report and answers it, and the page says what it read; with the deployment served, a run of it is
asked for and linked; with no mailbox configured, the page says so in Vietnamese instead of
offering it, and a forged request for it is refused."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from dutyflow.mail import MemoryTransport
from dutyflow.mailin.dovecot import ImapAccount
from dutyflow.mailin.mailbox import ImapMailbox
from dutyflow.resources import Resources
from dutyflow.states import SubmissionStatus
from dutyflow.store.db import session_scope
from dutyflow.store.models import SubmissionRow
from flows.launcher import PrefectLauncher
from tests.accounts_support import STAFF
from tests.filling import filled_workbook
from tests.mailin_support import FOCAL_B, File, gmail, imap, settings_of
from tests.test_console_actions import signed_in
from tests.test_console_run import _deploy, _run_of, _undeploy
from tests.test_portal import SECRET, Site, open_site

__all__ = ["imap"]  # the fixture

RUN = "/van-phong/chay-ngay"


@contextmanager
def _site(engine: Engine, plan: Path, root: Path, outbox: MemoryTransport, **imap_settings: object) -> Iterator[Site]:
    launcher = PrefectLauncher(Resources.for_test(engine, root / "flows", transport=outbox, **imap_settings))
    with open_site(engine, plan, root, link_secret=SECRET, launcher=launcher) as site:
        yield site


def _mailbox(imap: ImapAccount) -> dict[str, object]:
    """The settings that name the private Dovecot as the office's mailbox."""
    return {
        "imap_host": imap.host,
        "imap_port": imap.port,
        "imap_security": imap.security,
        "imap_user": imap.user,
        "imap_password": imap.password,
    }


def test_staff_read_the_mailbox_now_and_a_units_emailed_report_is_recorded(
    prefect_server: None, engine: Engine, mini_plan_path: Path, tmp_path: Path, imap: ImapAccount
) -> None:
    outbox = MemoryTransport()
    with _site(engine, mini_plan_path, tmp_path, outbox, **_mailbox(imap)) as site:
        form = filled_workbook(site.target("xa-b", "bao-cao-6-thang"))
        raw = gmail(f"Công chức VHXH xã B <{FOCAL_B}>", imap.user, [File("Báo cáo 6 tháng.xlsx", form)])
        with ImapMailbox(settings_of(imap)) as box:
            box.append(raw)
        client, csrf = signed_in(site, STAFF)
        offered = client.get(RUN).text
        assert 'value="intake-mail"' in offered and 'id="mail-off"' not in offered
        done = client.post(RUN, data={"csrf": csrf, "flow": "intake-mail", "as_of": "2025-05-12"})
        assert done.status_code == 200, done.text
        text = " ".join(done.text.split())
        assert "Đã chạy «Nhận báo cáo qua thư điện tử» ngay trên máy chủ này" in text
        assert "đọc 1 thư, ghi nhận 1 lần nộp, gửi 1 thư trả lời, 0 thư cần Văn phòng xem xét" in text
        with session_scope(site.engine) as session:
            assert session.scalars(select(SubmissionRow.status)).all() == [SubmissionStatus.ACCEPTED]
        [receipt] = outbox.sent
        assert FOCAL_B in receipt.recipients and receipt.subject.startswith("Đã nhận Báo cáo 6 tháng")
        again = client.post(RUN, data={"csrf": csrf, "flow": "intake-mail", "as_of": "2025-05-12"})
        assert "đọc 0 thư, ghi nhận 0 lần nộp" in " ".join(again.text.split())  # nothing is taken twice


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_without_a_mailbox_the_page_says_so_and_refuses_to_read_one(
    prefect_server: None, engine: Engine, mini_plan_path: Path, tmp_path: Path
) -> None:
    with _site(engine, mini_plan_path, tmp_path, MemoryTransport()) as site:
        client, csrf = signed_in(site, STAFF)
        page = client.get(RUN).text
        assert 'value="intake-mail"' not in page and 'value="chase"' in page
        assert "chưa cấu hình hộp thư của Văn phòng" in page and "DUTYFLOW_IMAP_HOST" in page
        refused = client.post(RUN, data={"csrf": csrf, "flow": "intake-mail"})
        assert (
            refused.status_code == 409 and "chưa cấu hình hộp thư" in refused.text and 'id="done"' not in refused.text
        )


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_with_the_deployment_served_a_run_of_it_is_asked_for_and_linked(
    prefect_server: None, engine: Engine, mini_plan_path: Path, tmp_path: Path, imap: ImapAccount
) -> None:
    outbox = MemoryTransport()
    with _site(engine, mini_plan_path, tmp_path, outbox, **_mailbox(imap)) as site:
        deployment = asyncio.run(_deploy("intake-mail"))
        try:
            client, csrf = signed_in(site, STAFF)
            done = client.post(RUN, data={"csrf": csrf, "flow": "intake-mail", "as_of": "2025-05-12"})
            assert done.status_code == 200 and "Đã yêu cầu chạy «Nhận báo cáo qua thư điện tử»" in done.text
            link = re.search(r'<a href="([^"]+)" id="run-link">', done.text)
            assert link is not None and "/runs/flow-run/" in link.group(1)
            deployment_id, parameters = asyncio.run(_run_of(link.group(1).rsplit("/", 1)[1]))
            assert deployment_id == deployment and parameters == {"as_of": "2025-05-12"}
            assert outbox.sent == []  # asked of the deployment's worker, not run here
        finally:
            asyncio.run(_undeploy(deployment))
