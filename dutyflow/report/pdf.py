"""DOCX → PDF with LibreOffice, headless, in a throw-away profile, under a timeout.

A private profile (`-env:UserInstallation`) per conversion lets several conversions run at once
and never touches a user's own LibreOffice settings. On timeout the whole process group is
stopped: `soffice` is a wrapper that starts `soffice.bin`, which would otherwise outlive it.
Fonts: Times New Roman is replaced by Liberation Serif (fonts-liberation2) or Tinos
(fonts-croscore), both metric-compatible and complete for Vietnamese.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from dutyflow.messages import t

DEFAULT_TIMEOUT = 180.0
"""Seconds; a first run in a fresh profile takes a few seconds, a long report some more."""


class PdfError(RuntimeError):
    """The PDF could not be made; the message is Vietnamese and says what to do."""


class PdfUnavailable(PdfError):
    """LibreOffice is not installed."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(source: Path, out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert `source` (.docx) to `out_dir/<stem>.pdf` and return that path."""
    soffice = soffice_path()
    if soffice is None:
        raise PdfUnavailable(t("report.pdf.no_soffice"))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.pdf"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="dutyflow-soffice-") as profile:
        command = [
            soffice,
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env={**os.environ, "SAL_USE_VCLPLUGIN": "svp"},
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(process)
            raise PdfError(t("report.pdf.timeout", name=source.name, seconds=int(timeout))) from None
    if process.returncode != 0 or not target.is_file():
        detail = (stderr or stdout).decode("utf-8", "replace").strip() or t(
            "report.pdf.exit_code", code=process.returncode
        )
        raise PdfError(t("report.pdf.failed", name=source.name, detail=detail))
    return target


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the conversion we started: its own process group, then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
