"""The submission portal: a page per unit (opened by its personal link) and the office's pages.

Every page is a Jinja2 template under templates/portal/; every refusal is one too (`errors`). The
routes are in `unit_routes` and `office_routes`; what they depend on (the unit from its link's token,
an obligation it owns, the office's session and its CSRF code) is in `deps`. The unit's token
authenticates it and limits it to its own obligations; the office pages need a named account whose
role allows the page (`signin`; failed attempts throttled, `throttle`), a server-side session and a
CSRF token on every form. The
link is checked before a request's body is read, the body is capped before it is read (`guard`), and
parsing and store work run in a worker thread, never on the event loop. The clock is injected, so the
demo and tests can run it on simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dutyflow.calendar import WorkingCalendar
from dutyflow.intake import Limits, WorkbookParser
from dutyflow.notify import Notifier
from dutyflow.portal import (
    console_accounts,
    console_actions,
    console_import,
    console_plan,
    console_plantools,
    console_report,
    console_routes,
    console_run,
    console_schedules,
    console_verify,
    office_routes,
    unit_routes,
)
from dutyflow.portal.deps import SESSION_COOKIE, Clock, Portal, SigningProvider
from dutyflow.portal.errors import Contact, bare_refusal, install
from dutyflow.portal.guard import BodyLimit, SecurityHeaders
from dutyflow.portal.pages import SECURITY_HEADERS
from dutyflow.portal.signin import SESSION_HOURS
from dutyflow.portal.throttle import LoginThrottle
from dutyflow.portal.workers import shared_pool
from dutyflow.run_now import FlowLauncher
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.queries import current_plan, plan_of, plan_stamp

__all__ = ["SESSION_COOKIE", "SESSION_HOURS", "Clock", "create_app"]


def create_app(
    engine: Engine,
    files: FileStore,
    *,
    notifier: Notifier | None,
    clock: Clock,
    limits: Limits | None = None,
    throttle: LoginThrottle | None = None,
    trusted_proxy: str = "",
    parse: WorkbookParser | None = None,
    link_secret: bytes | None = None,
    portal_url: str = "",
    launcher: FlowLauncher | None = None,
    trust_store: Path | None = None,
    reports_dir: Path | None = None,
    signing: SigningProvider | None = None,
    renew_notifier: Callable[[], Notifier] | None = None,
) -> FastAPI:
    """The portal's ASGI app. `trusted_proxy`: the addresses (comma-separated) of a reverse proxy
    whose X-Forwarded-Proto/-For are believed; from anyone else they are ignored. `parse` reads an
    uploaded workbook (default: in a worker process, `workers`). `link_secret` and `portal_url` let the
    console give a unit a new link (the CLI's `token reissue`); `launcher` lets it run flows now and
    push a changed schedule to the served deployment; `trust_store` is what a signed report is verified
    against; `signing` opens the signing key when the console signs the approved report (None: it
    does not sign, and says what to set). The portal follows the plan the store holds, whichever
    process loads it; `renew_notifier` builds a notifier of the new plan when it changes."""
    with session_scope(engine) as session:
        stamp = plan_stamp(session)
        row = current_plan(session)
        plan = plan_of(row)
        plan_id = row.id
    portal = Portal(
        engine=engine,
        plan=plan,
        plan_id=plan_id,
        files=files,
        notifier=notifier,
        link_secret=link_secret,
        portal_url=portal_url,
        clock=clock,
        limits=limits or Limits(),
        calendar=WorkingCalendar.from_config(plan.calendar),
        throttle=throttle or LoginThrottle(),
        parse=parse or shared_pool().parse,
        launcher=launcher,
        trust_store=trust_store,
        reports_dir=reports_dir,
        signing=signing,
        plan_stamp=stamp,
        renew_notifier=renew_notifier,
    )
    app = FastAPI(title="dutyflow", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal

    def contact() -> Contact:  # the office of the plan the portal follows now
        return Contact.of(portal.plan)

    install(app, contact)
    app.include_router(unit_routes.router)
    app.include_router(office_routes.router)
    app.include_router(console_actions.router)
    app.include_router(console_accounts.router)
    app.include_router(console_import.router)
    app.include_router(console_schedules.router)
    app.include_router(console_plan.router)
    app.include_router(console_plantools.router)
    app.include_router(console_run.router)
    app.include_router(console_verify.router)
    app.include_router(console_report.router)
    app.include_router(console_routes.router)
    app.mount("/static", console_routes.static, name="static")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit_for=portal.body_limit, refuse=lambda kind: bare_refusal(kind, contact()))
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    if trusted_proxy.strip():
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxy)  # outermost: sets client, scheme
    return app
