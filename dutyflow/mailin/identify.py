"""Who sent what: the unit an email comes from and the obligation each of its files is for.

In order (decision 34): the token of the Reply-To address the unit answered; else
the sender is a contact (focal officer or head) of exactly one unit; else the files are dutyflow
workbooks whose identification sheet names the unit, deliverable and period. A file goes to the
obligation its own identification names (so a reply carrying several reports is split), else to
the token's obligation. Whatever is not sure goes to the office's review queue with the reason;
nothing is guessed. Pure: the caller reads the directory from the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from dutyflow.forms import sniff
from dutyflow.forms.identity import Identity
from dutyflow.forms.read import workbook_identity
from dutyflow.mailin.parse import Inbound, MailFile
from dutyflow.mailin.replyto import ReplyToken
from dutyflow.messages import t

TOKEN, CONTACT, FORM = "token", "contact", "form"


@dataclass(frozen=True)
class UnitEntry:
    id: int
    code: str
    name: str
    contacts: frozenset[str]


@dataclass(frozen=True)
class ObligationEntry:
    id: int
    unit_id: int
    deliverable: str
    period: str


@dataclass(frozen=True)
class Directory:
    plan_code: str
    units: tuple[UnitEntry, ...]
    obligations: tuple[ObligationEntry, ...]
    office: frozenset[str]
    """The office's own addresses: its messages are never answered."""

    def unit_by_id(self, unit_id: int) -> UnitEntry | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def unit_by_code(self, code: str) -> UnitEntry | None:
        return next((u for u in self.units if u.code == code), None)

    def units_of(self, address: str) -> list[UnitEntry]:
        return [u for u in self.units if address and address.lower() in u.contacts]

    def obligation(self, unit_id: int, deliverable: str, period: str) -> ObligationEntry | None:
        return next(
            (o for o in self.obligations if (o.unit_id, o.deliverable, o.period) == (unit_id, deliverable, period)),
            None,
        )

    def obligation_by_id(self, obligation_id: int) -> ObligationEntry | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)


@dataclass(frozen=True)
class Routed:
    file: MailFile
    obligation_id: int


@dataclass(frozen=True)
class Identified:
    unit: UnitEntry | None
    how: str
    routed: tuple[Routed, ...] = ()
    problems: tuple[str, ...] = ()
    """Answered to the sender: files that cannot count as they are (old .xls, winmail.dat)."""
    review: tuple[str, ...] = ()
    """Why the office must look (reasons, Vietnamese); empty when nothing is left unsure."""

    @property
    def is_report(self) -> bool:
        return bool(self.unit is not None or self.review)


def identify(message: Inbound, directory: Directory, token: ReplyToken | None) -> Identified:
    identities = {f: _identity(f, directory.plan_code) for f in message.files}
    unit, how = None, ""
    if token is not None:
        unit, how = directory.unit_by_id(token.unit_id), TOKEN
    contacts = directory.units_of(message.sender)
    if unit is None and len(contacts) == 1:
        unit, how = contacts[0], CONTACT
    if unit is None:
        named = {i.unit for i in identities.values() if i is not None}
        if len(named) > 1:
            return Identified(None, "", review=(t("mailin.review.several_units", units=_names(directory, named)),))
        found = directory.unit_by_code(named.pop()) if named else None
        if found is not None and (not contacts or found in contacts):
            unit, how = found, FORM
        elif contacts:
            return Identified(
                None, "", review=(t("mailin.review.shared_contact", units=", ".join(u.name for u in contacts)),)
            )
        else:
            return Identified(None, "")  # not a report: an unknown sender, no token, no form of ours
    token_obligation = None
    if token is not None and how == TOKEN and token.obligation_id is not None:
        known = directory.obligation_by_id(token.obligation_id)
        token_obligation = known.id if known is not None and known.unit_id == unit.id else None
    routed: list[Routed] = []
    problems: list[str] = []
    review: list[str] = []
    for file in message.files:
        identity = identities[file]
        if identity is not None and identity.unit == unit.code:
            own = directory.obligation(unit.id, identity.deliverable, identity.period)
            if own is not None:
                routed.append(Routed(file, own.id))
                continue
        if token_obligation is not None:
            routed.append(Routed(file, token_obligation))  # the intake names any mismatch by cell
        elif identity is not None and identity.unit != unit.code:
            other = directory.unit_by_code(identity.unit)
            review.append(
                t("mailin.review.other_unit", file=file.filename, other=other.name if other else identity.unit,
                  unit=unit.name)
            )
        elif identity is not None:
            review.append(t("mailin.review.unknown_obligation", file=file.filename))
        elif sniff(file.content) == "ole" or file.filename.lower().endswith(".xls"):
            problems.append(t("mailin.xls", file=file.filename))
        else:
            review.append(t("mailin.review.which_report", file=file.filename, unit=unit.name))
    problems += [t("mailin.winmail", file=name) for name in message.unreadable]
    return Identified(unit, how, tuple(routed), tuple(problems), tuple(review))


def _identity(file: MailFile, plan_code: str) -> Identity | None:
    if sniff(file.content) != "xlsx":
        return None
    found = workbook_identity(file.content)
    return found if found is not None and found.plan == plan_code else None


def _names(directory: Directory, codes: set[str]) -> str:
    return ", ".join(sorted((u.name if (u := directory.unit_by_code(c)) else c) for c in codes))


__all__ = [
    "CONTACT",
    "FORM",
    "TOKEN",
    "Directory",
    "Identified",
    "ObligationEntry",
    "Routed",
    "UnitEntry",
    "identify",
]
