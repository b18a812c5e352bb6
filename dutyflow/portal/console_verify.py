"""The console's check of a signed report (anyone signed in): a PDF uploaded, verified as
`dutyflow report verify` does (`signing.verify_pdf` against the configured trust store): who
signed, when, whether it changed after signing, whether the certificate chains to a trusted root."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from dutyflow.messages import t
from dutyflow.portal.deps import Portal, PortalDep, ReaderDep
from dutyflow.portal.pages import page
from dutyflow.portal.signin import Officer
from dutyflow.signing import SigningError, TrustStore, describe, verify_pdf

VERIFY = "/van-phong/xac-minh"

router = APIRouter()


@router.get(VERIFY, response_class=HTMLResponse)
def verify_page(officer: ReaderDep, portal: PortalDep) -> HTMLResponse:
    return _page(portal, officer)


@router.post(VERIFY, response_class=HTMLResponse)
async def verify_post(officer: ReaderDep, portal: PortalDep, pdf: Annotated[UploadFile, File()]) -> HTMLResponse:
    data = await pdf.read()
    if not data:
        return _page(portal, officer, problems=[t("console_verify.empty_file")], status_code=422)
    return await run_in_threadpool(_verify, portal, officer, data, pdf.filename or "bao-cao.pdf")


def _verify(portal: Portal, officer: Officer, data: bytes, name: str) -> HTMLResponse:
    if portal.trust_store is None:
        return _page(portal, officer, problems=[t("cli.no_trust_store")], status_code=503)
    path = portal.files.path_of(portal.files.put(data))  # kept, as every file the portal receives
    try:
        verification = verify_pdf(path, TrustStore.from_folder(portal.trust_store), now=portal.clock())
    except SigningError as exc:
        return _page(portal, officer, problems=[str(exc)], status_code=503)
    lines = [line.replace(path.name, name) for line in describe(verification, tz=portal.calendar.tz)]
    return _page(portal, officer, lines=lines, ok=verification.ok, file_name=name)


def _page(portal: Portal, officer: Officer, *, status_code: int = 200, problems: list[str] | None = None, lines: list[str] | None = None, ok: bool = False, file_name: str = "") -> HTMLResponse:
    return page(
        "console_verify",
        status_code=status_code,
        officer=officer,
        csrf=officer.csrf,
        problems=problems or [],
        lines=lines or [],
        ok=ok,
        file_name=file_name,
        t=t,
    )
