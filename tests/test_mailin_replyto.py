"""Reply-To tokens: every message to a unit says who answers what, and nobody can forge one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from dutyflow.mail import MemoryTransport
from dutyflow.mailin.replyto import ReplyToken, make_token, read_token, reply_address, token_in
from dutyflow.store.db import session_scope
from dutyflow.store.models import ObligationRow, UnitRow
from tests.conftest import at, build_notifier
from tests.mailin_support import OFFICE, SECRET

PLAN = "mini-2025"


def test_a_token_names_its_unit_and_obligation_and_fits_a_local_part() -> None:
    token = make_token(SECRET, PLAN, 123456789, 987654321)
    assert read_token(SECRET, PLAN, token) == ReplyToken(123456789, 987654321)
    assert read_token(SECRET, PLAN, token.upper()) == ReplyToken(123456789, 987654321)  # servers that fold case
    address = reply_address("vanthu+cu@vp.thunghiem.example", token)
    assert address == f"vanthu+{token}@vp.thunghiem.example"
    assert len(address.partition("@")[0]) <= 64
    assert read_token(SECRET, PLAN, make_token(SECRET, PLAN, 7, None)) == ReplyToken(7, None)


def test_a_forged_or_foreign_token_names_nobody() -> None:
    token = make_token(SECRET, PLAN, 3, 5)
    unit, obligation, mac = token.split("-")
    assert read_token(SECRET, PLAN, f"4-{obligation}-{mac}") is None  # another unit with the same mac
    assert read_token(SECRET, PLAN, f"{unit}-6-{mac}") is None
    assert read_token(b"another-secret", PLAN, token) is None
    assert read_token(SECRET, "other-plan", token) is None
    assert read_token(SECRET, PLAN, token[:-1]) is None
    assert token_in(SECRET, PLAN, ["vanthu@vp.example", f"x+{unit}-{obligation}-{'a' * 20}@vp.example"]) is None
    assert token_in(SECRET, PLAN, ["vanthu@vp.example", f"vanthu+{token}@vp.example"]) == ReplyToken(3, 5)


def test_every_reminder_carries_the_token_of_its_unit_and_obligation(announced: Engine) -> None:
    transport = MemoryTransport()
    notifier = build_notifier(announced, transport, sender=OFFICE, reply_secret=SECRET.decode())
    day = dt.date(2025, 5, 12)
    notifier.chase([u.code for u in notifier.units_to_chase(at("2025-05-12"))], day, at("2025-05-12"))
    assert len(transport.sent) == 5
    with session_scope(announced) as session:
        owners = dict(session.execute(select(ObligationRow.id, ObligationRow.unit_id)).all())
        emails = {u.id: {u.focal_email, u.head_email} for u in session.scalars(select(UnitRow))}
    for message in transport.sent:
        assert message.reply_to is not None and message.reply_to.name == OFFICE.name
        found = token_in(SECRET, PLAN, [message.reply_to.email])
        assert found is not None, message.reply_to
        assert {a.email for a in message.to} <= emails[found.unit_id]
        assert found.obligation_id is not None  # each of these reminders is about one obligation
        assert owners[found.obligation_id] == found.unit_id
