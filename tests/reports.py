"""Shared by the report tests: the fixed data set's final report, converted to PDF once a session.

A LibreOffice conversion is the costliest step of these tests; the PDF tests and the signing tests
read the same final report, and none of them changes it (signing writes a new file).
"""

from __future__ import annotations

import pytest

from dutyflow.report.build import ReportFiles, build_from_input
from tests.ci import unavailable
from tests.test_report_docx import fixed_input


@pytest.fixture(scope="session")
def final_report(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    """The fixed data set's final report (DOCX, HTML and PDF); needs LibreOffice."""
    from dutyflow.report.pdf import soffice_path

    if soffice_path() is None:
        unavailable("soffice is not installed")
    files = build_from_input(fixed_input(), tmp_path_factory.mktemp("final-report"), final=True, pdf=True)
    assert files.pdf is not None and files.pdf.is_file()
    return files

