"""Rendering a portal page (a template under templates/portal/) with the headers every answer carries."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from dutyflow.templating import environment

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the unit's link is in the URL: never leak it
}
"""On every answer, pages, downloads and refusals alike (`guard.SecurityHeaders`); a page also sets
them itself, because a 500 page is sent from outside the middleware stack."""


def page(name: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    html = environment().get_template(f"portal/{name}.html.j2").render(**context)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    return response
