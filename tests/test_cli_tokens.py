"""`dutyflow token reissue` and the new-link email it sends (`Notifier.send_link`), through a real SMTP sink."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from dutyflow.store.db import session_scope
from dutyflow.store.models import AuditEventRow, UnitRow, UnitTokenRow
from tests.conftest import at
from tests.office_cli import PORTAL, Cli

LINK = re.compile(re.escape(PORTAL) + r"/u/[A-Za-z0-9_-]{20,}")
XA_A = "vhxh@xa-a.thunghiem.example"


def test_reissue_sends_the_unit_its_new_link_and_revokes_the_old_one(cli: Cli) -> None:
    first = cli.run("token", "reissue", "xa-a")
    assert first.exit_code == 0, first.output
    [old] = LINK.findall(first.output)
    [mail] = cli.mail_to(XA_A)
    assert mail.startswith("Đường dẫn mới để gửi báo cáo – UBND xã A") and old in mail

    second = cli.run("token", "reissue", "xa-a")
    assert second.exit_code == 0, second.output
    [new] = LINK.findall(second.output)
    assert new != old
    mails = cli.mail_to(XA_A)
    assert len(mails) == 2 and new in mails[1] and old not in mails[1]
    assert len(cli.sink.received) == 2, "nobody else was written to"

    # The portal knows only the newest link (its clock inside the plan year).
    rt = cli.runtime(clock=lambda: at("2025-06-02", 9))
    with TestClient(rt.portal_app()) as portal:
        assert portal.get(new.removeprefix(PORTAL)).status_code == 200
        revoked = portal.get(old.removeprefix(PORTAL))
        assert revoked.status_code == 410, "the old link is known to be revoked, not unknown"
        assert "đã được thay bằng đường dẫn mới" in revoked.text

    with session_scope(rt.engine) as session:
        unit_id = session.scalars(select(UnitRow.id).where(UnitRow.code == "xa-a")).one()
        tokens = session.execute(
            select(UnitTokenRow.generation, UnitTokenRow.revoked_at.is_(None)).where(UnitTokenRow.unit_id == unit_id)
        ).all()
        audits = session.execute(
            select(AuditEventRow.code, AuditEventRow.detail).where(AuditEventRow.action == "token_reissued")
        ).all()
    assert sorted(tokens)[-1][1] is True and [live for _, live in tokens].count(True) == 1
    assert [code for code, _ in audits] == ["xa-a", "xa-a"]
    assert sorted(detail["generation"] for _, detail in audits) == sorted(g for g, _ in tokens)[-2:]


def test_reissue_refuses_an_unknown_unit_in_vietnamese_and_sends_nothing(cli: Cli) -> None:
    result = cli.run("token", "reissue", "khong-co")
    assert result.exit_code == 1
    assert "Không có đơn vị mã «khong-co»" in result.output
    assert cli.sink.received == []


def test_send_link_sends_each_generation_once(cli: Cli) -> None:
    notifier = cli.runtime().notifier()
    now = dt.datetime(2025, 6, 2, 2, tzinfo=dt.UTC)
    link = f"{PORTAL}/u/{'a' * 43}"
    first = notifier.send_link("xa-a", link, now.date(), now, generation_key="xa-a-7")
    again = notifier.send_link("xa-a", link, now.date(), now, generation_key="xa-a-7")
    assert len(first.sent) == 1 and not again.sent and not again.failures
    later = notifier.send_link("xa-a", f"{PORTAL}/u/{'b' * 43}", now.date(), now, generation_key="xa-a-8")
    assert len(later.sent) == 1
    mails = cli.mail_to(XA_A)
    assert len(mails) == 2 and link in mails[0] and "b" * 43 in mails[1]
