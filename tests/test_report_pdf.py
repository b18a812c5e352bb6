"""The report as a PDF, through LibreOffice: it exists and its first page renders.

Needs `soffice` (libreoffice-writer-nogui) and `pdftoppm` (poppler-utils): skipped without them on
a developer's machine, failed without them in CI (tests/ci.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dutyflow.report import pdf as pdf_module
from dutyflow.report.build import build_from_input
from dutyflow.report.pdf import PdfUnavailable, convert_to_pdf
from tests.ci import unavailable
from tests.test_report_docx import fixed_input

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        unavailable(f"{tool} is not installed")
    return path


def test_the_pdf_exists_and_its_first_page_renders(tmp_path: Path) -> None:
    require("soffice")
    pdftoppm = require("pdftoppm")
    files = build_from_input(fixed_input(), tmp_path, final=False, pdf=True)
    assert files.pdf is not None and files.pdf.is_file()
    assert files.pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(files.pdf), str(tmp_path / "page1")],
        check=True,
        timeout=60,
    )
    page = tmp_path / "page1.png"
    assert page.read_bytes()[:8] == PNG_MAGIC
    assert page.stat().st_size > 5_000  # a blank page compresses to far less


def test_the_pdf_keeps_the_vietnamese_text(tmp_path: Path) -> None:
    require("soffice")
    pdftotext = require("pdftotext")
    files = build_from_input(fixed_input(), tmp_path, final=True, pdf=True)
    assert files.pdf is not None
    first = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-layout", str(files.pdf), "-"],
        check=True,
        capture_output=True,
        timeout=60,
    ).stdout.decode("utf-8")
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO"):
        assert line in first
    assert "Trùng Khánh, ngày 24 tháng 11 năm 2025" in " ".join(first.split())
    assert "DỰ THẢO" not in first


def test_without_libreoffice_the_error_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    source = tmp_path / "bao-cao.docx"
    source.write_bytes(b"")
    with pytest.raises(PdfUnavailable, match="libreoffice-writer-nogui"):
        convert_to_pdf(source, tmp_path)


def test_without_libreoffice_the_other_files_are_still_built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module.shutil, "which", lambda _name: None)
    files = build_from_input(fixed_input(), tmp_path, final=False, pdf=True)
    assert files.pdf is None
    assert files.docx.is_file() and files.html.is_file()
    assert any("libreoffice-writer-nogui" in note for note in files.notes)
