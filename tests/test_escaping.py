"""What a unit typed reaches pages, emails and the report as text, never as markup.

Each check first finds the unit's text where it is shown (escaped), so a page that stops showing it
fails the test instead of passing it by default, then checks that the raw markup is nowhere.
Covered: the web form's echo and its problems, the result page, the office's submissions page, the
returned and receipt emails (HTML part), and the district report (HTML; DOCX keeps it as text).
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import markupsafe
import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dutyflow.demo.units import values_for
from dutyflow.forms import FormTarget, WebField, web_fields
from dutyflow.intake import Limits, target_of
from dutyflow.mail import Address, MemoryTransport
from dutyflow.plan import Plan, load_plan
from dutyflow.portal.app import create_app
from dutyflow.report.build import build_report
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import DeliverableRow, ObligationRow, UnitRow
from dutyflow.store.sync import load_plan_into_store
from dutyflow.tokens import current_token, expiry_for
from tests.conftest import ICT, at, build_notifier
from tests.filling import filled_workbook, web_entries

SECRET = b"test-secret"
PASSWORD = "mật-khẩu-văn-phòng"
OFFICE = Address("Văn phòng HĐND&UBND huyện", "vanthu@vp.thunghiem.example")
# Short enough to be quoted whole in a problem (forms.numbers.ECHO_LIMIT), without quotes, which
# a multipart file name would carry percent-encoded.
PAYLOAD = "<script>x()</script><b>&đậm</b>"
RAW_MARKUP = ("<script", "<b>")
UNIT = "xa-tri-phuong"


ESCAPED = str(markupsafe.escape(PAYLOAD))
assert html.escape(PAYLOAD) == ESCAPED, "one escaped form, whichever library escapes"


NAME_PAYLOAD = "<b onclick=x()>&đậm<b>"
"""A file name keeps no path part, so its payload holds no slash (the portal keeps the last part)."""


def times_shown(markup: str, payload: str = PAYLOAD) -> int:
    return markup.count(str(markupsafe.escape(payload)))


def shows_escaped(markup: str, where: str, payload: str = PAYLOAD) -> None:
    """`markup` (a page or an HTML email) shows `payload` as text and carries none of its tags."""
    assert times_shown(markup, payload) > 0, f"{where}: not shown"
    for tag in RAW_MARKUP:
        assert tag not in markup, f"{where}: raw {tag}"


@dataclass
class Site:
    engine: Engine
    plan: Plan
    client: TestClient
    outbox: MemoryTransport
    now: dt.datetime

    def token(self, unit_code: str = UNIT) -> str:
        with session_scope(self.engine) as session:
            unit = session.scalars(select(UnitRow).where(UnitRow.code == unit_code)).one()
            return current_token(session, SECRET, self.plan.plan.code, unit, now=self.now, expires_at=expiry_for(2025, ICT))

    def obligation_id(self, deliverable: str, unit: str = UNIT) -> int:
        with session_scope(self.engine) as session:
            return session.scalars(
                select(ObligationRow.id)
                .join(UnitRow, ObligationRow.unit_id == UnitRow.id)
                .join(DeliverableRow, ObligationRow.deliverable_id == DeliverableRow.id)
                .where(UnitRow.code == unit, DeliverableRow.code == deliverable)
            ).one()

    def target(self, deliverable: str, unit: str = UNIT) -> FormTarget:
        with session_scope(self.engine) as session:
            row = session.get(ObligationRow, self.obligation_id(deliverable, unit))
            assert row is not None
            return FormTarget(self.plan, unit, deliverable, row.period, row.period_label)

    def office_page(self, path: str) -> str:
        response = self.client.post("/van-phong/dang-nhap", data={"password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303
        page = self.client.get(path)
        assert page.status_code == 200
        return page.text


@pytest.fixture
def site(engine: Engine, bundled_plan_path: Path, tmp_path: Path) -> Iterator[Site]:
    plan = load_plan(bundled_plan_path)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, bundled_plan_path, now=at("2025-04-20"), actor="t")
    now = at("2025-05-12", 10)

    def links(session, unit, now):  # type: ignore[no-untyped-def]
        token = current_token(session, SECRET, plan.plan.code, unit, now=now, expires_at=expiry_for(2025, ICT))
        return f"http://portal.test/u/{token}"

    notifier = build_notifier(engine, outbox := MemoryTransport(), sender=OFFICE, links=links)
    app = create_app(
        engine,
        FileStore(tmp_path / "uploads"),
        notifier=notifier,
        admin_password=PASSWORD,
        clock=lambda: now,
        limits=Limits(max_bytes=2 * 1024 * 1024, max_per_day=20),
    )
    with TestClient(app) as client:
        yield Site(engine, plan, client, outbox, now)


def typing(site: Site, unit: str = UNIT) -> Callable[[str, WebField], object]:
    """Figures that pass every check (the demo's), and PAYLOAD in every text cell."""
    figures = values_for(site.plan, unit, "2025", seed=7)

    def fill(form_code: str, field: WebField) -> object:
        return PAYLOAD if field.kind == "text" else figures(form_code, field)

    return fill


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("Kế hoạch triển khai của xã")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_web_form_echoes_what_was_typed_as_text(site: Site) -> None:
    target = site.target("bao-cao-6-thang")
    entries = web_entries(target, typing(site))
    texts = [f"PL2__{f.name}" for f in web_fields(target, "PL2") if f.kind == "text"]
    assert texts and all(entries[key] == PAYLOAD for key in texts)
    number = next(f"PL1__{f.name}" for f in web_fields(target, "PL1") if f.kind not in {"text", "choice"})
    entries[number] = PAYLOAD  # not a number: refused, and the refusal quotes it
    response = site.client.post(f"/u/{site.token()}/nhap/{site.obligation_id('bao-cao-6-thang')}", data=entries)
    assert response.status_code == 422
    shows_escaped(response.text, "web form")
    # The typed value comes back in its field (a textarea, and an input's value attribute).
    assert times_shown(response.text) > len(texts)

    [returned] = [m for m in site.outbox.sent if m.subject.startswith("Đề nghị bổ sung")]
    shows_escaped(returned.html, "returned email")
    assert PAYLOAD in returned.text  # the text part carries it as typed
    shows_escaped(site.office_page("/van-phong/bao-cao"), "office submissions page")


def test_a_file_name_is_shown_as_text(site: Site) -> None:
    name = f"{NAME_PAYLOAD}.docx"
    token = site.token()
    report = site.obligation_id("bao-cao-6-thang")
    # A document where the forms are expected: refused at the door (nothing recorded), naming the file.
    wrong = site.client.post(f"/u/{token}/nop/{report}", files={"file": (name, io.BytesIO(docx_bytes()))})
    assert wrong.status_code == 415
    assert "<b onclick" not in wrong.text, "the refusal page never carries the raw file name"
    assert not site.outbox.sent

    # The form with a word in a number cell: recorded and returned; no page or email carries the raw name.
    with session_scope(site.engine) as session:
        target = target_of(site.plan, session.get_one(ObligationRow, report))
    words = filled_workbook(target, lambda _form, field: "nhiều" if field.kind != "text" else "x")
    returned_upload = site.client.post(
        f"/u/{token}/nop/{report}", files={"file": (f"{NAME_PAYLOAD}.xlsx", io.BytesIO(words))}
    )
    assert returned_upload.status_code == 422
    assert "<b onclick" not in returned_upload.text
    [returned] = [m for m in site.outbox.sent if m.subject.startswith("Đề nghị bổ sung")]
    assert "<b onclick" not in returned.html
    assert "<b onclick" not in site.office_page("/van-phong/bao-cao")

    # A document where a document is expected: received, and the receipt names the file.
    site.outbox.sent.clear()
    good = site.client.post(
        f"/u/{token}/nop/{site.obligation_id('ke-hoach-trien-khai')}", files={"file": (name, io.BytesIO(docx_bytes()))}
    )
    assert good.status_code == 200, good.text
    [receipt] = site.outbox.sent
    shows_escaped(receipt.html, "receipt email", NAME_PAYLOAD)
    assert NAME_PAYLOAD in receipt.text


@pytest.mark.parametrize("unit", [UNIT, "tu-phap"], ids=["commune", "department"])
def test_a_narrative_reaches_the_report_as_text(site: Site, tmp_path: Path, unit: str) -> None:
    # The report's figures and narratives come from the annual report; communes' narratives and a
    # department's are laid out apart.
    target = site.target("bao-cao-nam", unit)
    obligation = site.obligation_id("bao-cao-nam", unit)
    response = site.client.post(f"/u/{site.token(unit)}/nhap/{obligation}", data=web_entries(target, typing(site, unit)))
    assert response.status_code == 200 and "Biên nhận" in response.text, response.text
    files = build_report(site.engine, None, dt.date(2025, 11, 20), tmp_path, final=False, pdf=False)
    shows_escaped(files.html.read_text(encoding="utf-8"), "report (HTML)")
    paragraphs = [p.text for p in Document(str(files.docx)).paragraphs]
    assert any(PAYLOAD in text for text in paragraphs), "report (DOCX): the narrative is missing"
