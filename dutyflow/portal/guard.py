"""ASGI middleware that holds the portal under a hostile or careless client.

`BodyLimit` caps the whole request body before any route reads it: a declared Content-Length above
the limit is refused without reading a byte, and a body streamed without one is counted as it is
read and stopped at the limit. (Starlette's form parser limits each part and the number of parts,
not the whole.) `SecurityHeaders` puts the anti-framing and no-leak headers on every answer.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dutyflow.refusals import RefusalKind


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int], refuse: Callable[[RefusalKind], Response]) -> None:
        self.app = app
        self.limit_for = limit_for
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = [value for name, value in scope["headers"] if name == b"content-length"]
        if declared:
            if len(declared) > 1 or not declared[0].isdigit():
                await self.refuse(RefusalKind.INVALID)(scope, receive, send)
                return
            if int(declared[0]) > limit:
                await self.refuse(RefusalKind.TOO_LARGE)(scope, receive, send)
                return
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counting, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
