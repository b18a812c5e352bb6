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
from sqlalchemy import Engine, func, select

from dutyflow import accounts, approval
from dutyflow.accounts import AccountError
from dutyflow.approval import ApprovalError, ReportStepRefused, versions
from dutyflow.mail import MailSink, SmtpTransport
from dutyflow.plan import Signer, load_plan
from dutyflow.report.narrative import read_docx, read_text
from dutyflow.signing import Integrity, TrustStore, verify_pdf
from dutyflow.states import AccountRole, NotificationStatus, ReportState, SubmissionChannel
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import AuditEventRow, RegisterNumberRow, ReportStepRow, ReportVersionRow, SubmissionRow
from dutyflow.store.register_numbers import numbers_given
from dutyflow.store.sync import load_plan_into_store
from tests.accounts_support import add_account
from tests.approval_support import (
    ADDRESSEE,
    APPROVER,
    FINAL_DAY,
    ICT,
    LEADER,
    LEADER_TITLE,
    add_leader,
    made_final,
    make_keys,
    plan_with_addressee,
)
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


DUTY_LINE = "3 đơn vị thực hiện: 0 đã hoàn thành, 0 đang thực hiện, 0 chưa thực hiện, 3 chưa báo cáo."
"""A generated line of section II, which the office rewords."""


def office_edit(ws: approval.Workspace, folder: Path) -> Path:
    """The final report's DOCX as the office saves it after rewording a paragraph of section II."""
    (made,) = (ws.out_root / "mini-2025").glob("*-chinh-thuc/*.docx")
    document = Document(str(made))
    (paragraph,) = [p for p in document.paragraphs if p.text == DUTY_LINE]
    for run in paragraph.runs[1:]:
        run.text = ""
    paragraph.runs[0].text = "Văn phòng đã rà soát, tổng hợp báo cáo của các đơn vị & xã."
    edited = folder / "bao-cao-van-phong-sua.docx"
    document.save(str(edited))
    return edited


def test_the_report_goes_from_draft_to_issued_with_every_step_audited(
    ws: approval.Workspace, engine: Engine, tmp_path: Path
) -> None:
    leader = add_leader(engine)
    # the final report enters as a draft by dutyflow
    status = approval.report_status(ws)
    assert (status.state, status.version, status.number) == (ReportState.DRAFT, 1, None)
    assert status.file.suffix == ".pdf" and status.file.is_file()  # the final report as made
    assert [(s.state, s.actor) for s in status.steps] == [(ReportState.DRAFT, "dutyflow")]
    assert [a.value for a in status.next_actions] == ["edit", "approve", "return"]
    assert status.last_day == dt.date(2025, 11, 24) and status.approver is None
    keys = make_keys(tmp_path / "keys")
    with pytest.raises(ReportStepRefused, match="Không thể ký số báo cáo đang ở trạng thái “Dự thảo”"):
        approval.sign(ws, keys.signing(tmp_path), actor="vanthu", now=at(FINAL_DAY, 18))
    with pytest.raises(ReportStepRefused, match="Không thể phát hành"):
        approval.issue(ws, lambda *_: (0, []), actor="vanthu", now=at(FINAL_DAY, 18))
    with pytest.raises(ApprovalError, match="hãy ghi ý kiến"):
        approval.return_report(ws, leader, comment="  ", now=at(FINAL_DAY, 18))

    # sent back with a comment: it cannot be approved before the office edits it
    returned = approval.return_report(ws, leader, comment="Bổ sung số liệu xã A.", now=at("2025-11-21", 9))
    assert returned.state is ReportState.RETURNED
    with pytest.raises(ReportStepRefused, match="Trả lại để chỉnh sửa"):
        approval.approve(ws, leader, now=at("2025-11-21", 10))

    # the office rewords section II in the DOCX; the report is regenerated around it
    upload = office_edit(ws, tmp_path)
    narrative = read_docx(upload.read_bytes(), upload.name)
    assert narrative[0].text == "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ" and narrative[0].level == "section"
    assert narrative[-1].text.startswith("3. Bố trí kinh phí")  # up to the end of section IV
    edited = approval.edit(ws, narrative, source=upload.name, actor="vanthu", now=at("2025-11-21", 11))
    assert (edited.state, edited.version) == (ReportState.DRAFT, 2)
    approved = approval.approve(ws, leader, now=at("2025-11-21", 14))
    assert (approved.state, approved.number, approved.signer_name) == (ReportState.APPROVED, "1/BC-UBND", APPROVER)
    assert approved.signer_title == "PHÓ CHỦ TỊCH"  # the account's title, as Decree 30 prints it
    assert approved.approver == approval.ApproverView(LEADER, APPROVER, LEADER_TITLE)
    assert approved.file.suffix == ".pdf" and approved.file.is_file()
    approved_docx = approved.file.with_suffix(".docx")
    content = all_text(approved_docx)
    assert "Số: 1/BC-UBND" in content
    assert APPROVER in content and "Nguyễn Văn A" not in content  # the approver signs, not the plan's signer
    assert "ngày 21 tháng 11 năm 2025" in content
    assert "Văn phòng đã rà soát, tổng hợp báo cáo của các đơn vị & xã." in content  # the edit survives
    assert DUTY_LINE not in content
    assert "I. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU, CHỈ TIÊU" in content  # section I stays generated
    assert "Phụ lục I" in content
    with pytest.raises(ReportStepRefused, match="Đã duyệt"):
        approval.edit(ws, read_text("II. Khác"), source=None, actor="vanthu", now=at("2025-11-21", 15))
    with pytest.raises(ReportStepRefused, match="Không thể duyệt"):  # refused before a number is taken
        approval.approve(ws, leader, now=at("2025-11-21", 15))
    given = numbers_given(engine, issuer="UBND huyện Thử Nghiệm", year=2025)
    assert [(e.number, e.given_by) for e in given] == [("1/BC-UBND", LEADER)]

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
        assert [s.channel for s in submissions] == [SubmissionChannel.GENERATED]  # the one delivery: the issue
        assert submissions[0].file_name == signed.file.name  # the signed report is what the office delivered
        events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.entity == "report").order_by(AuditEventRow.id)
        ).all()
    assert [(e.action, e.actor) for e in events] == [
        ("report_return", LEADER),
        ("report_edit", "vanthu"),
        ("report_approve", LEADER),
        ("report_sign", "vanthu"),
        ("report_issue", "vanthu"),
    ]
    assert events[0].reason == "Bổ sung số liệu xã A."
    history = approval.report_status(ws).steps
    assert [s.state.value for s in history] == ["draft", "returned", "draft", "approved", "signed", "issued"]
    assert [s.actor for s in history if s.state in {ReportState.RETURNED, ReportState.APPROVED}] == [LEADER, LEADER]
    assert [s.version for s in history] == [1, 1, 2, 3, 4, 4]


def test_the_approver_signs_under_the_plan_s_authority_line_only_with_the_plan_s_title() -> None:
    plan = load_plan(MINI_PLAN)  # KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Nguyễn Văn A
    assert versions.signer(plan, APPROVER, None) == Signer(
        authority="KT. CHỦ TỊCH", title="PHÓ CHỦ TỊCH", name=APPROVER
    )
    assert versions.signer(plan, APPROVER, "CHỦ TỊCH") == Signer(authority=None, title="CHỦ TỊCH", name=APPROVER)
    # an account's title as people write it: printed in capitals, the plan's line when it is the plan's title
    assert versions.signer(plan, APPROVER, "Phó Chủ tịch") == Signer(
        authority="KT. CHỦ TỊCH", title="PHÓ CHỦ TỊCH", name=APPROVER
    )


def test_nothing_can_be_approved_before_the_final_report_is_made(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    ws = approval.Workspace(engine, FileStore(tmp_path / "uploads"), tmp_path / "reports")
    with pytest.raises(ApprovalError, match="20/11/2025"):
        approval.approve(ws, add_leader(engine), now=at("2025-11-19"))


NOT_APPROVERS = [
    pytest.param(
        AccountRole.OFFICE, False, "vai trò «Cán bộ văn phòng»: chỉ tài khoản vai trò «Lãnh đạo»", id="office"
    ),
    pytest.param(AccountRole.AUDITOR, False, "vai trò «Kiểm tra viên»: chỉ tài khoản vai trò «Lãnh đạo»", id="auditor"),
    pytest.param(AccountRole.LEADERSHIP, True, "Tài khoản «nguoi» đã bị khóa", id="disabled-leader"),
]


@pytest.mark.parametrize(("role", "disabled", "refusal"), NOT_APPROVERS)
def test_only_an_enabled_leadership_account_approves_or_returns(
    engine: Engine, tmp_path: Path, role: AccountRole, disabled: bool, refusal: str
) -> None:
    ws = loaded(engine, tmp_path)
    person = add_account(engine, "nguoi", role, full_name=APPROVER, title=LEADER_TITLE, disabled=disabled)
    with pytest.raises(AccountError, match=refusal):
        approval.approve(ws, person, now=at("2025-11-21", 14))
    with pytest.raises(AccountError, match=refusal):
        approval.return_report(ws, person, comment="Viết lại.", now=at("2025-11-21", 14))
    refused_before_anything(engine)


def test_a_person_without_an_account_cannot_approve_even_under_a_leader_s_name(engine: Engine, tmp_path: Path) -> None:
    ws = loaded(engine, tmp_path)
    add_leader(engine)
    stranger = approval.ApproverView("khongco", APPROVER, LEADER_TITLE)
    with pytest.raises(AccountError, match="«khongco» không phải tài khoản đang dùng"):
        approval.approve(ws, stranger, now=at("2025-11-21", 14))
    with pytest.raises(AccountError, match="«khongco» không phải tài khoản đang dùng"):
        approval.return_report(ws, stranger, comment="Viết lại.", now=at("2025-11-21", 14))
    refused_before_anything(engine)


def test_an_account_disabled_after_its_console_sign_in_is_refused_by_the_service(
    engine: Engine, tmp_path: Path
) -> None:
    # the console hands over the officer it read at sign-in; the store says the account is disabled now
    ws = loaded(engine, tmp_path)
    leader = add_leader(engine)
    with session_scope(engine) as session:
        accounts.disable(session, LEADER, now=at("2025-11-21", 8), actor="test")
    with pytest.raises(AccountError, match=f"Tài khoản «{LEADER}» đã bị khóa"):
        approval.approve(ws, leader, now=at("2025-11-21", 14))
    refused_before_anything(engine)


def loaded(engine: Engine, folder: Path) -> approval.Workspace:
    """The mini plan in the store, its final report not made: a refusal must come before the report."""
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(MINI_PLAN), MINI_PLAN, now=at("2025-04-20"), actor="test")
    return approval.Workspace(engine, FileStore(folder / "uploads"), folder / "reports")


def refused_before_anything(engine: Engine) -> None:
    """No number given, no version nor step written (the final report was not even entered)."""
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(RegisterNumberRow)) == 0
        assert session.scalar(select(func.count()).select_from(ReportVersionRow)) == 0
        assert session.scalar(select(func.count()).select_from(ReportStepRow)) == 0


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
