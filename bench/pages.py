"""How long a report's PDF is: all its pages, and its body's (the pages before the first appendix).

The body ends where the first appendix's reference line starts ("(Kèm theo Báo cáo số …"), read
with poppler's pdftotext, one page at a time (pages are separated by form feeds).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

APPENDIX_MARK = "(Kèm theo Báo cáo số"


@dataclass(frozen=True)
class Pages:
    total: int
    body: int
    """Pages before the first appendix (the whole document when it has none)."""


def pages_of(pdf: Path) -> Pages:
    tool = shutil.which("pdftotext")
    if tool is None:
        raise FileNotFoundError("pdftotext (poppler-utils) is not installed")
    text = subprocess.run([tool, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=300).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    body = next((i for i, page in enumerate(pages) if APPENDIX_MARK in " ".join(page.split())), len(pages))
    return Pages(total=len(pages), body=body)
