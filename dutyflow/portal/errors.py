"""Every refusal is a Vietnamese page that says what happened and what to do next; never JSON, a
traceback or a bare status. Routes raise `Refusal`; `install` turns Starlette's and FastAPI's own
errors (unknown paths, methods, invalid fields, anything unexpected) into the same page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from dutyflow.messages import t
from dutyflow.plan import Plan
from dutyflow.portal.pages import page
from dutyflow.refusals import RefusalKind

log = logging.getLogger("dutyflow.portal")

HTTP_STATUS: dict[RefusalKind, int] = {
    RefusalKind.INVALID: 400,
    RefusalKind.FORBIDDEN: 403,
    RefusalKind.NOT_FOUND: 404,
    RefusalKind.NOT_ALLOWED: 405,
    RefusalKind.GONE: 410,
    RefusalKind.TOO_LARGE: 413,
    RefusalKind.UNSUPPORTED: 415,
    RefusalKind.UNPROCESSABLE: 422,
    RefusalKind.RATE_LIMITED: 429,
    RefusalKind.FAILED: 500,
}
"""The one mapping from a refusal's kind to the portal's answer."""
_KIND_OF_STATUS = {status: kind for kind, status in HTTP_STATUS.items()}

_BY_KIND = {
    RefusalKind.INVALID: "bad_request",
    RefusalKind.NOT_FOUND: "not_found",
    RefusalKind.NOT_ALLOWED: "method",
    RefusalKind.TOO_LARGE: "too_large",
    RefusalKind.UNSUPPORTED: "bad_request",
}
"""The wording of Starlette's own refusals (an unknown path, a method a page does not take, a body too large)."""


@dataclass(frozen=True)
class Contact:
    """Whom a unit asks for help: the plan's office and its focal officer."""

    office: str
    person: str
    email: str
    phone: str | None

    @classmethod
    def of(cls, plan: Plan) -> Contact:
        office = plan.unit(plan.plan.office)
        return cls(office.name, office.focal.name, office.focal.email, office.focal.phone)


class Refusal(Exception):
    """An answer that is not what the person asked for: a status, what happened, what to do next."""

    def __init__(
        self,
        kind: RefusalKind,
        message: str,
        *,
        title: str | None = None,
        hint: str | None = None,
        headers: dict[str, str] | None = None,
        back: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.title = title or t("portal.errors.title")
        self.hint = hint
        self.headers = headers
        self.back = back

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.kind]


def refusal_of(key: str, kind: RefusalKind, headers: dict[str, str] | None = None, **values: Any) -> Refusal:
    """The refusal worded under portal.errors.<key> (title, message, hint)."""
    return Refusal(
        kind,
        t(f"portal.errors.{key}.message", **values),
        title=t(f"portal.errors.{key}.title"),
        hint=t(f"portal.errors.{key}.hint", **values),
        headers=headers,
    )


def render(refusal: Refusal, contact: Contact) -> Response:
    return page(
        "error",
        status_code=refusal.status_code,
        headers=refusal.headers,
        title=refusal.title,
        message=refusal.message,
        hint=refusal.hint,
        back=refusal.back,
        contact=contact,
    )


def bare_refusal(kind: RefusalKind, contact: Contact) -> Response:
    """The page for a request refused before any route saw it (`guard.BodyLimit`): too large or invalid."""
    return render(refusal_of("too_large" if kind is RefusalKind.TOO_LARGE else "bad_request", kind), contact)


def install(app: FastAPI, contact: Callable[[], Contact]) -> None:
    """The app's refusal pages, naming the office `contact()` gives at the time (the plan's may change)."""

    def render_(refusal: Refusal) -> Response:
        return render(refusal, contact())

    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return render_(exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if 300 <= exc.status_code < 400:  # "log in first": a redirect, not a refusal
            return Response(status_code=exc.status_code, headers=exc.headers)
        kind = _KIND_OF_STATUS.get(exc.status_code, RefusalKind.INVALID if exc.status_code < 500 else RefusalKind.FAILED)
        key = _BY_KIND.get(kind, "bad_request" if kind is not RefusalKind.FAILED else "server")
        return render_(refusal_of(key, kind, headers=dict(exc.headers or {})))

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(error["loc"][:1] == ("path",) for error in errors):
            return render_(refusal_of("not_found", RefusalKind.NOT_FOUND))  # an id out of range names nothing
        return render_(Refusal(RefusalKind.UNPROCESSABLE, _field_message(errors[0]), hint=t("portal.errors.field.hint")))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return render_(refusal_of("server", RefusalKind.FAILED))

    app.add_exception_handler(Refusal, on_refusal)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(Exception, on_crash)


def _field_message(error: dict[str, Any]) -> str:
    name = str(error["loc"][-1]) if error["loc"] else ""
    try:
        field = t(f"portal.fields.{name}")
    except KeyError:
        field = t("portal.fields.other")
    kind = error.get("type", "")
    if kind == "missing":
        return t("portal.errors.field.missing", field=field)
    if kind == "string_too_long":
        return t("portal.errors.field.too_long", field=field, limit=error.get("ctx", {}).get("max_length", ""))
    return t("portal.errors.field.invalid", field=field)
