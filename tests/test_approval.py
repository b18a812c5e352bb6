"""The consolidated report's way on the store (SQLite and PostgreSQL): the final report enters as a
draft, the office edits sections II–IV, the leadership returns it with a comment and approves it
(a number from the register, the approver as signer), it is signed and verified, then emailed to
its addressee with the signed PDF and recorded as the office's submission. Every step is audited
with its person."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import Engine, select

from dutyflow import approval
from dutyflow.approval import ApprovalError, ReportStepRefused, versions
from dutyflow.mail import MailSink, SmtpTransport
from dutyflow.plan import Signer, load_plan
from dutyflow.report.narrative import read_docx, read_text
from dutyflow.signing import Integrity, TrustStore, verify_pdf
from dutyflow.states import NotificationStatus, ReportState, SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, ReportVersionRow, SubmissionRow
from dutyflow.store.register_numbers import numbers_given
from dutyflow.store.sync import load_plan_into_store
from tests.approval_support import ADDRESSEE, APPROVER, FINAL_DAY, ICT, made_final, make_keys, plan_with_addressee
from tests.conftest import MINI_PLAN, at, build_notifier
from tests.test_report_pdf import require


def texts(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def all_text(path: Path) -> str:
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([*texts(path), *cells])


@pytest.fixture
def ws(engine: Engine, tmp_path: Path) -> approval.Workspace:
    require("soffice")
    return made_final(engine, plan_with_addressee(MINI_PLAN, tmp_path / "plan.yaml"), tmp_path)


ORIGINAL: list[str] = []
"""The generated paragraph `office_edit` replaced, so the test can check it is gone."""


def office_edit(ws: approval.Workspace, folder: Path) -> Path:
    """The final report's DOCX as the office saves it after rewording a paragraph of section II."""
    (made,) = (ws.out_root / "mini-2025").glob("*-chinh-thuc/*.docx")
    document = Document(str(made))
    texts = [p.text for p in document.paragraphs]
    start = next(i for i, text in enumerate(texts) if text.startswith("II. "))
    end = next(i for i, text in enumerate(texts) if text.startswith("III. "))
    # The first paragraph of section II that is neither a heading nor empty: the office rewords it.
    paragraph = next(
        document.paragraphs[i] for i in range(start + 1, end) if texts[i].strip() and not texts[i][:2].isdigit()
    )
    ORIGINAL.append(paragraph.text)
    for run in paragraph.runs[1:]:
        run.text = ""
    paragraph.runs[0].text = "Văn phòng đã rà soát, tổng hợp báo cáo của các đơn vị & xã."
    edited = folder / "bao-cao-van-phong-sua.docx"
    document.save(str(edited))
    return edited


def test_the_report_goes_from_draft_to_issued_with_every_step_audited(
    ws: approval.Workspace, engine: Engine, tmp_path: Path
) -> None:
    # the final report enters as a draft by dutyflow
    status = approval.report_status(ws)
    assert (status.state, status.version, status.number) == (ReportState.DRAFT, 1, None)
    assert status.file.suffix == ".pdf" and status.file.is_file()  # the final report as made
    assert [(s.state, s.actor) for s in status.steps] == [(ReportState.DRAFT, "dutyflow")]
    assert [a.value for a in status.next_actions] == ["edit", "approve", "return"]
    assert status.last_day == dt.date(2025, 11, 24)
    keys = make_keys(tmp_path / "keys")
    with pytest.raises(ReportStepRefused, match="Không thể ký số báo cáo đang ở trạng thái “Dự thảo”"):
        approval.sign(ws, keys.signing(tmp_path), actor="vanthu", now=at(FINAL_DAY, 18))
    with pytest.raises(ReportStepRefused, match="Không thể ban hành"):
        approval.issue(ws, lambda *_: (0, []), actor="vanthu", now=at(FINAL_DAY, 18))
    with pytest.raises(ApprovalError, match="hãy ghi ý kiến"):
        approval.return_report(ws, by=APPROVER, comment="  ", now=at(FINAL_DAY, 18))

    # sent back with a comment: it cannot be approved before the office edits it
    returned = approval.return_report(ws, by=APPROVER, comment="Bổ sung số liệu xã A.", now=at("2025-11-21", 9))
    assert returned.state is ReportState.RETURNED
    with pytest.raises(ReportStepRefused, match="Trả lại để chỉnh sửa"):
        approval.approve(ws, by=APPROVER, title=None, now=at("2025-11-21", 10))

    # the office rewords section II in the DOCX; the report is regenerated around it
    upload = office_edit(ws, tmp_path)
    narrative = read_docx(upload.read_bytes(), upload.name)
    assert narrative[0].text == "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ" and narrative[0].level == "section"
    assert "Bố trí kinh phí" in narrative[-1].text  # up to the end of section IV (its last direction)
    edited = approval.edit(ws, narrative, source=upload.name, actor="vanthu", now=at("2025-11-21", 11))
    assert (edited.state, edited.version) == (ReportState.DRAFT, 2)
    approved = approval.approve(ws, by=APPROVER, title=None, now=at("2025-11-21", 14))
    assert (approved.state, approved.number, approved.signer_name) == (ReportState.APPROVED, "1/BC-UBND", APPROVER)
    assert approved.file.suffix == ".pdf" and approved.file.is_file()
    approved_docx = approved.file.with_suffix(".docx")
    content = all_text(approved_docx)
    assert "Số: 1/BC-UBND" in content
    assert APPROVER in content and "Nguyễn Văn A" not in content  # the approver signs, not the plan's signer
    assert "ngày 21 tháng 11 năm 2025" in content
    assert "Văn phòng đã rà soát, tổng hợp báo cáo của các đơn vị & xã." in content  # the edit survives
    assert ORIGINAL[-1] not in content
    assert "I. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU" in content  # section I stays generated
    assert "Phụ lục I" in content
    with pytest.raises(ReportStepRefused, match="Đã duyệt"):
        approval.edit(ws, read_text("II. Khác"), source=None, actor="vanthu", now=at("2025-11-21", 15))
    with pytest.raises(ReportStepRefused, match="Không thể duyệt"):  # refused before a number is taken
        approval.approve(ws, by=APPROVER, title=None, now=at("2025-11-21", 15))
    assert [e.number for e in numbers_given(engine, issuer="UBND huyện Thử Nghiệm", year=2025)] == ["1/BC-UBND"]

    # signed at the real moment, verified
    signed = approval.sign(ws, keys.signing(tmp_path), actor="vanthu", now=at("2025-11-21", 15))
    assert signed.state is ReportState.SIGNED
    verification = verify_pdf(signed.file, TrustStore.from_folder(keys.trust), now=dt.datetime.now(ICT))
    assert verification.ok and verification.signatures[0].integrity is Integrity.UNCHANGED
    assert APPROVER in verification.signatures[0].signer

    # issued: emailed with the signed PDF, recorded as the office's submission
    with MailSink() as sink:
        notifier = build_notifier(engine, SmtpTransport(sink.host, sink.port, timeout=5))

        def send(obligation_id: int, pdf: Path, details: approval.IssueDetails) -> tuple[int, list[str]]:
            outcome = notifier.send_issued(obligation_id, pdf, details, dt.date(2025, 11, 21), at("2025-11-21", 16))
            return len(outcome.sent), outcome.failures

        issued = approval.issue(ws, send, actor="vanthu", now=at("2025-11-21", 16))
        assert issued.sent == 1 and issued.status.state is ReportState.ISSUED
        again = approval.issue(ws, send, actor="vanthu", now=at("2025-11-21", 17))  # nothing sent twice
        assert again.sent == 0
        messages = sink.messages
    (message,) = messages
    assert message["To"].addresses[0].addr_spec == ADDRESSEE["email"]
    assert "1/BC-UBND" in str(message["Subject"])
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == signed.file.read_bytes()
    assert [(d.recipient, d.status) for d in issued.status.deliveries] == [
        (ADDRESSEE["email"], NotificationStatus.SENT)
    ]

    with session_scope(engine) as session:
        submissions = session.scalars(select(SubmissionRow).order_by(SubmissionRow.version)).all()
        assert [s.channel for s in submissions] == [SubmissionChannel.GENERATED, SubmissionChannel.GENERATED]
        assert submissions[-1].file_name == signed.file.name  # the signed report is the office's latest version
        events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.entity == "report").order_by(AuditEventRow.id)
        ).all()
    assert [(e.action, e.actor) for e in events] == [
        ("report_return", APPROVER),
        ("report_edit", "vanthu"),
        ("report_approve", APPROVER),
        ("report_sign", "vanthu"),
        ("report_issue", "vanthu"),
    ]
    assert events[0].reason == "Bổ sung số liệu xã A."
    history = approval.report_status(ws).steps
    assert [s.state.value for s in history] == ["draft", "returned", "draft", "approved", "signed", "issued"]
    assert [s.version for s in history] == [1, 1, 2, 3, 4, 4]


def test_the_approver_signs_under_the_plan_s_authority_line_only_with_the_plan_s_title() -> None:
    plan = load_plan(MINI_PLAN)  # KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Nguyễn Văn A
    assert versions.signer(plan, APPROVER, None) == Signer(
        authority="KT. CHỦ TỊCH", title="PHÓ CHỦ TỊCH", name=APPROVER
    )
    assert versions.signer(plan, APPROVER, "CHỦ TỊCH") == Signer(authority=None, title="CHỦ TỊCH", name=APPROVER)


def test_nothing_can_be_approved_before_the_final_report_is_made(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    ws = approval.Workspace(engine, FileStore(tmp_path / "uploads"), tmp_path / "reports")
    with pytest.raises(ApprovalError, match="20/11/2025"):
        approval.approve(ws, by=APPROVER, title=None, now=at("2025-11-19"))


def test_a_step_prepared_from_a_version_is_refused_when_a_newer_one_was_added_meanwhile(engine: Engine) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    with session_scope(engine) as session:
        _plan, obligation = versions.office(session)
        for number in (1, 2):
            session.add(
                ReportVersionRow(
                    obligation_id=obligation.id,
                    version=number,
                    as_of=dt.date(2025, 11, 20),
                    cutoff=at(FINAL_DAY, 17),
                    made_at=at(FINAL_DAY, 17),
                    made_by="test",
                )
            )
            session.flush()
            assert versions.still_latest(session, obligation.id, number).version == number
        with pytest.raises(ApprovalError, match="vừa có bản 2 mới"):
            versions.still_latest(session, obligation.id, 1)
