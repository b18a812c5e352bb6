"""The `intake-mail` flow and `dutyflow run intake-mail`, end to end: the assignment leaves through a
real SMTP sink, the unit answers it through a real IMAP server, the receipt comes back in its
thread and the chase stops."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from dutyflow.flow_results import MailIntakeRun
from dutyflow.intake import target_of
from dutyflow.mail import MailSink
from dutyflow.mailin.dovecot import ImapAccount
from dutyflow.mailin.mailbox import ImapMailbox
from dutyflow.plan import Plan
from dutyflow.store.db import session_scope
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.queries import current_plan
from flows._common import override, resources
from tests.filling import filled_workbook
from tests.mailin_support import FOCAL_A, File, gmail, imap, settings_of
from tests.test_flows import district

__all__ = ["district", "imap"]  # fixtures


@pytest.fixture
def mailed(district: MailSink, imap: ImapAccount) -> Iterator[MailSink]:
    """The district's resources with the office's mailbox on the throwaway Dovecot."""
    settings = resources().settings.model_copy(
        update={
            "imap_host": imap.host,
            "imap_port": imap.port,
            "imap_security": imap.security,
            "imap_user": imap.user,
            "imap_password": SecretStr(imap.password),
        }
    )
    district.imap = imap  # type: ignore[attr-defined]
    with override(replace(resources(), settings=settings)):
        yield district


def test_a_unit_answers_its_assignment_with_its_form_and_gets_a_receipt_in_its_thread(mailed: MailSink) -> None:
    from flows.assign import assign
    from flows.chase import chase
    from flows.intake_mail import intake_mail

    assign(as_of=dt.date(2025, 4, 21))
    [assignment] = [m for m in mailed.messages if FOCAL_A in str(m["To"])]
    reply_to = assignment["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("vanthu+") and reply_to.endswith("@vp.thunghiem.example")
    engine = resources().engine
    with session_scope(engine) as session:
        plan = Plan.model_validate(current_plan(session).document)
        obligation = session.scalars(
            select(ObligationRow)
            .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
            .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
            .where(UnitRow.code == "xa-a", DeliverableRow.code == "bao-cao-6-thang")
        ).one()
        form = filled_workbook(target_of(plan, obligation))
    raw = gmail(
        f"Công chức VHXH xã A <{FOCAL_A}>",
        reply_to,
        [File("Báo cáo 6 tháng.xlsx", form)],
        subject=f"Re: {assignment['Subject']}",
        in_reply_to=assignment["Message-ID"],
        message_id="<tra-loi-giao-viec@xa-a.thunghiem.example>",
    )
    with ImapMailbox(settings_of(mailed.imap)) as box:  # type: ignore[attr-defined]
        box.append(raw)
    before = len(mailed.messages)
    assert intake_mail(as_of=dt.date(2025, 5, 12)) == MailIntakeRun(read=1, submitted=1, answered=1, review=0)
    [receipt] = mailed.messages[before:]
    assert str(receipt["Subject"]).startswith("Đã nhận Báo cáo 6 tháng")
    assert receipt["In-Reply-To"] == "<tra-loi-giao-viec@xa-a.thunghiem.example>"
    assert assignment["Message-ID"] in receipt["References"]
    # The chase that day reminds the other units of the 6-month report, not xã A.
    after = len(mailed.messages)
    chase(as_of=dt.date(2025, 5, 12))
    reminded = [str(m["To"]) for m in mailed.messages[after:]]
    assert reminded and not any(FOCAL_A in to for to in reminded)
    # The CLI runs the same flow; the reply is not read again; a doubtful message is shown with its reason.
    from dutyflow.cli import app

    pdf = File("Kế hoạch.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    with ImapMailbox(settings_of(mailed.imap)) as box:  # type: ignore[attr-defined]
        box.append(gmail(FOCAL_A, "vanthu@vp.thunghiem.example", [pdf], subject="Kế hoạch của xã"))
    settings = resources().settings
    env = {  # the CLI builds its resources from its settings: the same store, sink and mailbox
        "DUTYFLOW_DATABASE_URL": resources().engine.url.render_as_string(hide_password=False),
        "DUTYFLOW_DATA_DIR": str(settings.data_dir),
        "DUTYFLOW_SMTP_HOST": mailed.host,
        "DUTYFLOW_SMTP_PORT": str(mailed.port),
        "DUTYFLOW_IMAP_HOST": settings.imap_host,
        "DUTYFLOW_IMAP_PORT": str(settings.imap_port),
        "DUTYFLOW_IMAP_SECURITY": settings.imap_security,
        "DUTYFLOW_IMAP_USER": settings.imap_user,
        "DUTYFLOW_IMAP_PASSWORD": settings.imap_password.get_secret_value(),
    }
    result = CliRunner().invoke(app, ["run", "intake-mail", "--as-of", "2025-05-12"], env=env)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "đọc 1 thư, ghi nhận 0 lần nộp, gửi 0 thư trả lời, 1 thư cần Văn phòng xem xét" in text
    assert "Cần xem xét: thư «Kế hoạch của xã» của vhxh@xa-a.thunghiem.example" in text
    assert "Kế hoạch.pdf" in text
