"""What the portal's routes depend on: the portal's parts, the unit a link opens, an obligation the unit
owns, and the signed-in officer with the role a route needs (with the session's CSRF code on a form). Each dependency checks in its own short
transaction and refuses with a page (`errors`) before the route runs, so a forged link never gets its
body read."""

from __future__ import annotations

import datetime as dt
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Path, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dutyflow.accounts import can_approve, can_change, can_issue, can_see_accounts, can_sign
from dutyflow.approval import Signing
from dutyflow.calendar import WorkingCalendar
from dutyflow.forms.layout import NARRATIVE_LIMIT
from dutyflow.intake import Limits, NotYours, UnknownObligation, WorkbookParser, obligation_for_unit
from dutyflow.messages import t
from dutyflow.notify import Notifier
from dutyflow.plan import Plan
from dutyflow.portal.errors import Refusal, refusal_of
from dutyflow.portal.signin import Officer, officer_of
from dutyflow.portal.throttle import LoginThrottle
from dutyflow.refusals import RefusalKind
from dutyflow.run_now import FlowLauncher
from dutyflow.states import AccountRole
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.models import ObligationRow, UnitRow
from dutyflow.store.queries import PlanStamp, current_plan, plan_of, plan_stamp
from dutyflow.tokens import LinkState, check_link

Clock = Callable[[], dt.datetime]
SigningProvider = Callable[[], Signing]
"""The signing key and trust store, opened when called; raises a `SigningError` saying what is wrong."""
SESSION_COOKIE = "dutyflow_office"
LOGIN_PATH = "/van-phong/dang-nhap"
CONSOLE_HOME = "/van-phong"

MAX_ID = 2**31 - 1
"""The largest id either store holds (PostgreSQL's integer); a larger one names nothing."""
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

MAX_FORM_BYTES = 2 * 1024 * 1024
"""A whole web form or office form: a department's narratives at their limit fit well within it."""
MAX_FORM_FIELDS = 5000
MAX_FIELD_BYTES = 4 * NARRATIVE_LIMIT * 3  # a narrative at its limit, 3-byte letters, percent-encoded
UPLOAD_OVERHEAD = 64 * 1024
OFFICE_UPLOADS = frozenset(
    {
        "/van-phong/ke-hoach",
        "/van-phong/ke-hoach/du-thao",
        "/van-phong/xac-minh",
        "/van-phong/bao-cao-tong-hop/sua",
        "/van-phong/nhap-bao-cao",
    }
)
"""The console's pages that take a file (a plan, a plan's document to draft from, a signed PDF, an edited
report, a unit's report imported):
up to an upload's size, not a form's."""
"""Multipart framing and the small fields beside the file."""


@dataclass
class Portal:
    """The portal's parts, built once by `app.create_app`."""

    engine: Engine
    plan: Plan
    plan_id: int
    files: FileStore
    notifier: Notifier | None
    link_secret: bytes | None
    """The server secret units' links derive from; None: the console cannot give a unit a new link."""
    portal_url: str
    clock: Clock
    limits: Limits
    calendar: WorkingCalendar
    throttle: LoginThrottle
    parse: WorkbookParser
    launcher: FlowLauncher | None = None
    """Runs flows now and pushes schedules (Prefect's, `flows/launcher.py`); None: the console shows
    schedules and stores their changes, but runs nothing."""
    trust_store: FilePath | None = None
    """The folder of trusted roots a signed report is verified against (DUTYFLOW_SIGNING_TRUST_STORE)."""
    reports_dir: FilePath | None = None
    """Where the consolidated report's versions are written (the data folder's `reports`); None: the
    console shows no report page."""
    signing: SigningProvider | None = None
    """Opens the signing key the settings name, at each signing (`Resources.signing`), so a key
    renewed in place needs no restart; None: the console does not sign and says what to set."""

    plan_stamp: PlanStamp | None = None
    """The stamp of the plan this process holds (`store.queries.plan_stamp`)."""
    renew_notifier: Callable[[], Notifier] | None = None
    """Builds a notifier of the store's plan when it changed; None: the notifier is kept."""
    _reloading: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def follow_store(self) -> None:
        """Follow the plan the store holds now, whichever process loaded it: one read of the current
        plan's stamp per request, and the plan parsed again only when the stamp changed (its units,
        deliverables, calendar and, when it can be renewed, the notifier); docs/decisions.md
        "Every portal process follows the store's plan"."""
        with self.engine.connect() as connection:  # a bare connection: no ORM session per request
            if plan_stamp(connection) == self.plan_stamp:
                return
        with self._reloading:
            with session_scope(self.engine) as session:
                stamp = plan_stamp(session)  # read again: another request may have reloaded meanwhile
                if stamp == self.plan_stamp:
                    return
                row = current_plan(session)
                plan, plan_id = plan_of(row), row.id
            self.plan, self.plan_id = plan, plan_id
            self.calendar = WorkingCalendar.from_config(plan.calendar)
            if self.renew_notifier is not None:
                self.notifier = self.renew_notifier()
            self.plan_stamp = stamp

    def today(self) -> dt.date:
        return self.calendar.local_date(self.clock())

    def dmy(self, moment: dt.datetime) -> str:
        return self.calendar.local_date(moment).strftime("%d/%m/%Y")

    def body_limit(self, path: str) -> int:
        """The largest request body a path takes: an upload's file, or a form."""
        parts = path.split("/")
        if len(parts) == 5 and parts[1] == "u" and parts[3] == "nop":
            return self.limits.max_bytes + UPLOAD_OVERHEAD
        if path in OFFICE_UPLOADS:
            return self.limits.max_bytes + UPLOAD_OVERHEAD
        return MAX_FORM_BYTES


def get_portal(request: Request) -> Portal:
    """The portal's parts, following the store's current plan (`Portal.follow_store`)."""
    portal = cast(Portal, request.app.state.portal)
    portal.follow_store()
    return portal


PortalDep = Annotated[Portal, Depends(get_portal)]


# --------------------------------------------------------------------------- a unit's link


@dataclass(frozen=True)
class UnitLink:
    """A link checked open: its token (pages link back with it) and the unit it opens."""

    token: str
    unit_id: int

    def unit(self, session: Session) -> UnitRow:
        unit = session.get(UnitRow, self.unit_id)
        assert unit is not None  # units are never deleted while their links are open
        return unit

    def back(self, refusal: Refusal) -> Refusal:
        """`refusal`, with a way back to the unit's page."""
        refusal.back = f"/u/{self.token}"
        return refusal


@dataclass(frozen=True)
class OwnedObligation:
    """An obligation of the unit whose link was opened."""

    link: UnitLink
    obligation_id: int

    def rows(self, session: Session) -> tuple[UnitRow, ObligationRow]:
        obligation = session.get(ObligationRow, self.obligation_id)
        assert obligation is not None
        return self.link.unit(session), obligation


def open_link(portal: Portal, session: Session, token: str) -> UnitRow:
    """The unit the link opens, or the refusal that says why not and how to get a new link."""
    check = check_link(session, token, now=portal.clock())
    unit = check.unit
    if check.state is LinkState.OPEN and unit is not None and unit.plan_id == portal.plan_id:
        return unit
    if check.state is LinkState.REVOKED and check.since is not None:
        raise refusal_of("link_revoked", RefusalKind.GONE, since=portal.dmy(check.since))
    if check.state is LinkState.EXPIRED and check.since is not None:
        raise refusal_of("link_expired", RefusalKind.GONE, since=portal.dmy(check.since))
    if check.state is LinkState.OPEN:  # a unit of another plan than the one being run
        raise refusal_of("link_other_plan", RefusalKind.GONE)
    raise refusal_of("link_unknown", RefusalKind.NOT_FOUND)


def linked_unit(token: str, portal: PortalDep) -> UnitLink:
    """Dependency: the unit from the link's token (see `open_link`)."""
    with session_scope(portal.engine) as session:
        return UnitLink(token, open_link(portal, session, token).id)


def owned_obligation(token: str, obligation_id: RowId, portal: PortalDep) -> OwnedObligation:
    """Dependency: the unit from the link's token, and one of its obligations (else a refusal: no such
    obligation, or another unit's)."""
    with session_scope(portal.engine) as session:
        link = UnitLink(token, open_link(portal, session, token).id)
        try:
            obligation_for_unit(session, obligation_id, link.unit_id)
        except UnknownObligation as exc:
            raise link.back(refusal_of("obligation_unknown", exc.kind)) from None
        except NotYours as exc:
            raise link.back(refusal_of("not_yours", exc.kind)) from None
    return OwnedObligation(link, obligation_id)


LinkDep = Annotated[UnitLink, Depends(linked_unit)]
ObligationDep = Annotated[OwnedObligation, Depends(owned_obligation)]


# --------------------------------------------------------------------------- the office's people

SAFE_METHODS = frozenset({"GET", "HEAD"})


async def posted_csrf(request: Request) -> str | None:
    """The CSRF code a form sent, for any request that may change something (None for GET/HEAD).
    Read here, once for every role dependency, so no changing route can forget it (docs/decisions.md,
    "One dependency per role, CSRF checked by method"); the form is parsed once and shared."""
    if request.method in SAFE_METHODS:
        return None
    form = await request.form(max_fields=MAX_FORM_FIELDS)
    value = form.get("csrf")
    return value if isinstance(value, str) else ""


CsrfDep = Annotated[str | None, Depends(posted_csrf)]


def _officer(
    request: Request,
    portal: Portal,
    csrf: str | None,
    allowed: Callable[[AccountRole], bool],
    refusal: Callable[[AccountRole], str] | None = None,
) -> Officer:
    """The signed-in officer (else off to the login page), if the role allows it (else a 403 page)
    and the form carries the session's CSRF code."""
    with session_scope(portal.engine) as session:
        officer = officer_of(session, request.cookies.get(SESSION_COOKIE, ""), now=portal.clock())
    if officer is None:
        raise HTTPException(status_code=303, headers={"Location": LOGIN_PATH})
    if csrf is not None and not hmac.compare_digest(csrf.encode("utf-8"), officer.csrf.encode("utf-8")):
        raise Refusal(RefusalKind.FORBIDDEN, t("portal.csrf"), back=CONSOLE_HOME)
    if not allowed(officer.role):
        role = t(f"accounts.roles.{officer.role}")
        message = refusal(officer.role) if refusal else t("accounts.forbidden", role=role)
        raise Refusal(RefusalKind.FORBIDDEN, message, back=CONSOLE_HOME)
    return officer


def require_reader(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: any signed-in officer (office staff, leadership, auditor)."""
    return _officer(request, portal, csrf, lambda role: True)


def require_approver(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: the leadership (approving or sending back reports)."""
    return _officer(request, portal, csrf, can_approve, _not_an_approver)


def _not_an_approver(role: AccountRole) -> str:
    allowed = t(f"accounts.roles.{AccountRole.LEADERSHIP.value}")
    return t("approvers.console_forbidden", role=t(f"accounts.roles.{role.value}"), allowed=allowed)


def require_signer(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: office staff or the leadership (signing the approved report)."""
    return _officer(request, portal, csrf, can_sign, _refused_step("sign", can_sign))


def require_issuer(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: office staff, the văn thư (issuing the signed report)."""
    return _officer(request, portal, csrf, can_issue, _refused_step("issue", can_issue))


def _refused_step(step: str, allowed: Callable[[AccountRole], bool]) -> Callable[[AccountRole], str]:
    """The refusal of a report step to a role that may not take it, naming the roles that may."""

    def refusal(role: AccountRole) -> str:
        return t(f"console_sign.forbidden_{step}", role=t(f"accounts.roles.{role.value}"), allowed=_roles_that(allowed))

    return refusal


def _roles_that(allowed: Callable[[AccountRole], bool]) -> str:
    """The roles `allowed` lets in, named as a refusal names them: «Cán bộ Văn phòng» hoặc «Lãnh đạo»."""
    return t("console_sign.roles_or").join(f"«{t(f'accounts.roles.{r.value}')}»" for r in AccountRole if allowed(r))


def require_account_reader(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: office staff and auditors (the office's accounts, `accounts.can_see_accounts`)."""
    return _officer(request, portal, csrf, can_see_accounts, _not_an_account_reader)


def _not_an_account_reader(role: AccountRole) -> str:
    allowed = _roles_that(can_see_accounts)
    return t("console_accounts.forbidden_list", role=t(f"accounts.roles.{role.value}"), allowed=allowed)


def require_staff(request: Request, portal: PortalDep, csrf: CsrfDep) -> Officer:
    """Dependency: office staff, who change things; a form must carry its CSRF code."""
    return _officer(request, portal, csrf, can_change)


ReaderDep = Annotated[Officer, Depends(require_reader)]
ApproverDep = Annotated[Officer, Depends(require_approver)]
SignerDep = Annotated[Officer, Depends(require_signer)]
IssuerDep = Annotated[Officer, Depends(require_issuer)]
StaffDep = Annotated[Officer, Depends(require_staff)]
AccountReaderDep = Annotated[Officer, Depends(require_account_reader)]

office_session = require_reader
office_form = require_staff
"""The names pages written before accounts use (docs/decisions.md, "Named accounts replace the
shared office password"): reading needs any role, a form that changes something the office's."""
OfficeDep = ReaderDep
OfficeFormDep = StaffDep
