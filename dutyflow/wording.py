"""The plan's own words: how messages and the report name its topic, leaders, office and units.

Nothing the engine writes names a level, a place or a topic by itself: every such phrase is the
plan's (`plan.wording`), or a default derived from the plan (the issuer's level read from its
name, the topic read from the title, the type words read from the units' names) with the
phrasing of the catalogue (templates/messages/wording.yaml). Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

from dutyflow.messages import t
from dutyflow.plan.fields import IssuerLevel, UnitKind
from dutyflow.plan.model import Plan

LOCAL_KINDS = (
    UnitKind.DISTRICT,
    UnitKind.COMMUNE,
    UnitKind.WARD,
    UnitKind.TOWN,
    UnitKind.SPECIAL_ZONE,
)
"""Units that are People's Committees of an administrative unit below the issuer, in the order
their type words are listed ("huyện, thành phố"; "xã, phường, thị trấn, đặc khu")."""


@dataclass(frozen=True)
class PlanWording:
    """Every plan-dependent phrase, resolved: the plan's own where it gives one, else the default."""

    level: IssuerLevel | None
    issuer: str
    """The issuer's short name: "UBND tỉnh Cao Bằng"."""
    topic: str
    report_title: str
    report_addressee: str
    leader: str
    leader_title: str
    office: str
    local_units: str
    """ "Ủy ban nhân dân các xã, phường"; empty when the plan has no such unit."""
    local_units_short: str
    """ "xã, phường"; empty when the plan has no such unit."""
    reporters: str
    directions: tuple[str, ...]


def lower_first(text: str) -> str:
    """A title as it reads inside a sentence: "Kết quả thực hiện …" → "kết quả thực hiện …"."""
    return text[:1].lower() + text[1:]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def issuer_level(plan: Plan, day: dt.date | None = None) -> IssuerLevel | None:
    """The level of the issuer in force on `day` (default: the plan's own issuer), as the plan
    states it or as the first word(s) of its name say."""
    issuer = plan.plan.issuer if day is None else plan.plan.issuer_on(day)
    if issuer.level is not None:
        return issuer.level
    name = issuer.name.upper()
    for level in IssuerLevel:
        for word in _split(t(f"wording.level_words.{level.value}")):
            if name == word or name.startswith(word + " "):
                return level
    return None


@cache
def _title_pattern() -> re.Pattern[str]:
    return re.compile(t("wording.title_pattern"), re.IGNORECASE)


def topic_of(title: str) -> str:
    """ "Kế hoạch thực hiện công tác trẻ em năm 2025 …" → "công tác trẻ em"."""
    match = _title_pattern().match(title.strip())
    return lower_first(match.group("topic") if match else title.strip())


@cache
def _type_words(kind: UnitKind) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """A kind's type words, each with the pattern that finds it as a whole word in a name."""
    words = _split(t(f"wording.unit_types.{kind.value}"))
    return tuple((w, re.compile(rf"(?:^|\s){re.escape(w.casefold())}\s")) for w in words)


def unit_type(name: str, kind: UnitKind) -> str:
    """The type word a unit's name shows ("UBND thị trấn Trùng Khánh" → "thị trấn"), or its
    kind's first type word when the name shows none."""
    words = _type_words(kind)
    folded = name.casefold()
    found = [(match.start(), word) for word, pattern in words if (match := pattern.search(folded)) is not None]
    return min(found)[1] if found else words[0][0]


def local_types(plan: Plan) -> list[str]:
    """The type words of the plan's administrative units, each once, in the catalogue's order."""
    present: set[str] = {unit_type(u.name, u.kind) for u in plan.units if u.kind in LOCAL_KINDS}
    ordered = [w for kind in LOCAL_KINDS for w, _ in _type_words(kind)]
    return [w for w in dict.fromkeys(ordered) if w in present]


def report_email_title(plan: Plan) -> str:
    """The final report's email subject: "Báo cáo kết quả thực hiện công tác trẻ em năm 2025"."""
    return t("flows.report_email_title", title=lower_first(plan_wording(plan).report_title), year=plan.plan.year)


_RESOLVED: dict[tuple[int, int], tuple[Plan, PlanWording]] = {}
"""The wording of the last few plans, by identity (a plan is immutable; holding it keeps its id
from being reused): every email reads it, and a national plan has 11,000 units to look at."""
_RESOLVED_MAX = 8


def plan_wording(plan: Plan, day: dt.date | None = None) -> PlanWording:
    """The plan's wording on `day`, each phrase the plan's own or its default from the issuer and
    office in force that day (decisions.md, "The issuer moves on a date"); without a day, the
    plan's own issuer and office."""
    term = 0 if day is None else sum(1 for entry in plan.plan.succession if entry.starts <= day)
    known = _RESOLVED.get((id(plan), term))
    if known is not None and known[0] is plan:
        return known[1]
    wording = _resolve(plan, day)
    if len(_RESOLVED) >= _RESOLVED_MAX:
        _RESOLVED.pop(next(iter(_RESOLVED)))
    _RESOLVED[(id(plan), term)] = (plan, wording)
    return wording


def _resolve(plan: Plan, day: dt.date | None) -> PlanWording:
    given = plan.plan.wording
    header = plan.plan
    issuer = (header.issuer if day is None else header.issuer_on(day)).short_name
    level = issuer_level(plan, day)
    topic = given.topic or topic_of(header.title)
    types = ", ".join(local_types(plan))
    local_units = given.local_units or (t("wording.local_units", types=types) if types else "")
    if given.reporters:
        reporters = given.reporters
    elif local_units:
        reporters = t("wording.reporters_and_local", local_units=local_units)
    else:
        reporters = t("wording.reporters")
    leader_title = given.leader_title or t(f"wording.leader_title.{level.value if level else 'other'}")
    office = plan.unit(header.office if day is None else header.office_on(day))
    directions = tuple(given.directions) or tuple(
        t(f"wording.directions.{n}", reporters=reporters, topic=topic, year=header.year, next_year=header.year + 1)
        for n in ("1", "2", "3")
    )
    return PlanWording(
        level=level,
        issuer=issuer,
        topic=topic,
        report_title=given.report_title or t("wording.report_title", topic=topic),
        report_addressee=given.report_addressee or t("wording.report_addressee", issuer=issuer),
        leader=given.leader or t("wording.leader", title=leader_title, issuer=issuer),
        leader_title=leader_title,
        office=given.office or office.short_name or office.name,
        local_units=local_units,
        local_units_short=given.local_units_short or types,
        reporters=reporters,
        directions=directions,
    )
