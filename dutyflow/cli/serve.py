"""`dutyflow portal` (the units' portal alone) and `dutyflow serve` (the scheduled flows, with the portal)."""

from __future__ import annotations

import signal
from contextlib import ExitStack
from types import FrameType
from typing import Annotated

import typer
from fastapi import FastAPI

from dutyflow.cli.common import console, fail, refusing, runtime
from dutyflow.messages import t
from dutyflow.resources import Resources
from dutyflow.store.db import ensure_ready

Host = Annotated[str, typer.Option("--host", help=t("help.host"))]
Port = Annotated[int, typer.Option("--port", help=t("help.port"), min=1, max=65535)]


def _ready() -> Resources:
    """The configured runtime, its store migrated (else a clean failure)."""
    rt = runtime()
    with refusing():
        ensure_ready(rt.engine)
    return rt


def _portal(rt: Resources) -> FastAPI:
    """The portal over the store (a clean failure when no plan is loaded)."""
    from flows.launcher import PrefectLauncher

    with refusing():
        return rt.portal_app(PrefectLauncher(rt))


def _as_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as the terminal's Ctrl-C: SIGINT again, so that an asyncio loop running now cancels its
    tasks as on Ctrl-C (a KeyboardInterrupt raised in the middle of its machinery can leave it
    waiting for ever); KeyboardInterrupt itself when SIGINT is ignored (started in the background)."""
    if callable(signal.getsignal(signal.SIGINT)):
        signal.raise_signal(signal.SIGINT)
    else:
        raise KeyboardInterrupt


def serve_command(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    portal: Annotated[bool, typer.Option("--portal/--no-portal", help=t("help.serve_portal"))] = True,
) -> None:
    from dutyflow.portal.server import background_server

    rt = _ready()
    application = _portal(rt) if portal else None
    from flows.serve import serve_all
    from flows.temporary_server import ServerDidNotStart, prefect_api

    # A service manager stops us with SIGTERM: shut down as on Ctrl-C (the runner, the portal, then
    # the Prefect server `serve` started; decision "Ctrl-C stops serve cleanly"). Prefect's runner
    # takes SIGTERM over once it starts.
    signal.signal(signal.SIGTERM, _as_ctrl_c)
    try:
        with ExitStack() as stack:
            console.print(t("serve_stop.starting"))
            if stack.enter_context(prefect_api()) is not None:
                console.print(t("serve_stop.own_server"))
            if application is not None:
                url = stack.enter_context(background_server(application, port, host))
                console.print(t("portal.started", url=url))
            serve_all(rt)  # returns on Ctrl-C or SIGTERM (Prefect's runner takes them)
    except ServerDidNotStart as exc:
        raise fail(t("serve_stop.server_failed", log=str(exc.log), tail=exc.log_tail)) from None
    except KeyboardInterrupt:
        pass  # a Ctrl-C before the runner ran: everything started is stopped by now
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
        # Prefect's runner exits so on a SIGTERM before it has started; stopped as well
    console.print(t("serve_stop.stopped"))


def portal_command(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    import uvicorn

    application = _portal(_ready())
    console.print(t("portal.started", url=f"http://{host}:{port}"))
    # The app decides whose X-Forwarded-* to believe (DUTYFLOW_TRUSTED_PROXY), not uvicorn's default.
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)
