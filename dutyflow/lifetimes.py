"""Units' lifetimes as people read them: whether a unit has closed on a day, who carries its
duties then, and the sentences that say so (status, `plan show`, the portal, the intake, the
withdrawal notice). Pure: the plan and a day in, plain values out; it never reads the clock.

A unit's `closes` is the first day it no longer exists; from that day what it still owes passes
to its successor (`obligations.owners_on`), and its link accepts nothing.
"""

from __future__ import annotations

import datetime as dt

from dutyflow.messages import t
from dutyflow.obligations import carrier_on
from dutyflow.plan import Plan, Unit

__all__ = [
    "closed_on",
    "dated_name",
    "lifetime_text",
    "predecessors",
    "succession_sentences",
    "successor_on",
    "where_it_went",
]


def closed_on(unit: Unit, day: dt.date) -> bool:
    """Whether `unit` no longer exists on `day`."""
    return unit.is_closed_on(day)


def successor_on(plan: Plan, unit: Unit, day: dt.date) -> Unit | None:
    """The unit that carries `unit`'s duties on `day` (following successions), or None when it
    closed with no successor. `unit` itself while it is open."""
    return carrier_on(unit, day, {u.code: u for u in plan.units})


def predecessors(plan: Plan, code: str) -> list[Unit]:
    """The units whose successor is `code`, in plan order."""
    return [u for u in plan.units if u.successor == code]


def where_it_went(plan: Plan, unit: Unit, day: dt.date) -> str:
    """What became of a closed unit's duties, in a sentence: "UBND xã A kết thúc hoạt động từ
    ngày 01/07/2025; nhiệm vụ và báo cáo của đơn vị chuyển cho UBND xã B."."""
    closes = unit.closes.strftime("%d/%m/%Y") if unit.closes else ""
    carrier = successor_on(plan, unit, day)
    if carrier is None or carrier.code == unit.code:
        return t("lifetimes.closed_no_successor", unit=unit.name, closes=closes)
    return t("lifetimes.closed_passed", unit=unit.name, closes=closes, successor=carrier.name)


def dated_name(unit: Unit) -> str:
    """The unit's name, with its lifetime when it has one, so that the old and the new "UBND xã
    Quang Hán" can be told apart: "UBND xã Quang Hán (đến 30/06/2025)", "(từ 01/07/2025)"."""
    last = unit.closes - dt.timedelta(days=1) if unit.closes else None
    if unit.opens and last:
        return t("lifetimes.name_between", name=unit.name, opens=f"{unit.opens:%d/%m/%Y}", last=f"{last:%d/%m/%Y}")
    if unit.opens:
        return t("lifetimes.name_since", name=unit.name, day=f"{unit.opens:%d/%m/%Y}")
    if last:
        return t("lifetimes.name_until", name=unit.name, day=f"{last:%d/%m/%Y}")
    return unit.name


def lifetime_text(plan: Plan, unit: Unit) -> str:
    """A unit's lifetime for a list of units: "" for a unit that lives the whole year, else when
    it opened, when it closed and to whom its duties passed, and whom it succeeded."""
    parts: list[str] = []
    if unit.opens is not None:
        parts.append(t("lifetimes.opens", day=unit.opens.strftime("%d/%m/%Y")))
    olds = predecessors(plan, unit.code)
    if olds:
        parts.append(t("lifetimes.succeeds", units=", ".join(u.name for u in olds)))
    if unit.closes is not None:
        parts.append(t("lifetimes.closes", day=unit.closes.strftime("%d/%m/%Y")))
        if unit.successor is not None:
            try:
                parts.append(t("lifetimes.passes_to", unit=plan.unit(unit.successor).name))
            except KeyError:  # pragma: no cover - plan check refuses an unknown successor
                parts.append(t("lifetimes.passes_to", unit=unit.successor))
    return "; ".join(parts)


def succession_sentences(plan: Plan, until: dt.date) -> list[str]:
    """What merged into what by `until`, one sentence per day and successor, for the report:
    "Từ ngày 01/07/2025, UBND xã A, UBND xã B hợp nhất thành UBND xã X; UBND xã X báo cáo cả
    phần của các đơn vị này.". Units that close together into a unit opening that day merge
    ("hợp nhất", or "tổ chức lại" for one); into a unit that already existed, they join it
    ("sáp nhập"); a unit that closes with no successor is said to close."""
    units = {u.code: u for u in plan.units}
    closings: dict[tuple[dt.date, str | None], list[Unit]] = {}
    for unit in plan.units:
        if unit.closes is not None and unit.closes <= until:
            into = unit.successor if unit.successor in units else None
            closings.setdefault((unit.closes, into), []).append(unit)
    sentences: list[str] = []
    for (closes, code), olds in sorted(closings.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        names, day = ", ".join(u.name for u in olds), f"{closes:%d/%m/%Y}"
        if code is None:
            sentences.append(t("successions.closed", day=day, units=names))
            continue
        new = units[code]
        if new.opens is not None and new.opens >= closes:
            key = "successions.merged" if len(olds) > 1 else "successions.renamed"
            sentences.append(t(key, day=day, units=names, successor=new.name))
        else:
            them = t("successions.them_many") if len(olds) > 1 else t("successions.them_one")
            sentences.append(t("successions.joined", day=day, units=names, successor=new.name, them=them))
    return sentences
