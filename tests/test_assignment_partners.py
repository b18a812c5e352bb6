"""The assignment email lists the duties a unit cooperates on (phối hợp) beside those it leads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from dutyflow.mail import MemoryTransport
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import load_plan
from dutyflow.store.db import session_scope
from dutyflow.store.sync import load_plan_into_store
from tests.chasing import notifier
from tests.conftest import at


def test_a_unit_learns_the_duties_it_only_cooperates_on_marked_phoi_hop(engine: Engine) -> None:
    plan = load_plan(BUNDLED_PLAN)
    with session_scope(engine) as session:
        load_plan_into_store(session, plan, BUNDLED_PLAN, now=at("2025-04-20"), actor="test")
    transport = MemoryTransport()
    n = notifier(engine, transport)
    n.assign([u.code for u in n.units_to_assign(dt.date(2025, 4, 21))], dt.date(2025, 4, 21), at("2025-04-21"))
    by_unit = {message.to[0].email: message for message in transport.sent}
    checked = 0
    for unit in plan.units:
        if unit.code == plan.plan.office or unit.focal.email not in by_unit:
            continue
        message = by_unit[unit.focal.email]
        text = " ".join(message.text.split())
        for duty in plan.duties:
            in_charge = unit.code in {u.code for u in plan.expand_units(duty.units)}
            partner = unit.code in {u.code for u in plan.expand_units(duty.partners)}
            heading = f"{duty.title} (mục {duty.section} của Kế hoạch)"
            if in_charge:
                assert heading in text and f"Phối hợp: {heading}" not in text
            elif partner:
                assert f"Phối hợp: {heading}" in text, (unit.code, duty.code)
                assert f"<em>Phối hợp:</em> <strong>{duty.title}" in message.html.replace("&amp;", "&")
                checked += 1
            else:
                assert heading not in text
    assert checked > 30  # every commune cooperates on V.1.1 and more
