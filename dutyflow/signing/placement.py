"""Where the visible signature goes: between the signer's title and name, on the page that holds them.

Decree 30/2020 (Phụ lục I, the electronic document) places the image of a person's digital
signature centred between the signer's title ("PHÓ CHỦ TỊCH") and the signer's name, where the
hand signature stands on paper. The PDF is LibreOffice's rendering of the report's DOCX, so the
place is found in the PDF itself: the last page on which the signer's name appears, the lowest
occurrence of it, and the title line above it. pypdf reports each text run with its position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from dutyflow.messages import t
from dutyflow.signing.credentials import SigningError

MIN_HEIGHT = 28.0
"""Points; the stamp's three lines of 10-point text need about this much."""
AVERAGE_GLYPH = 0.5
"""Average advance of a glyph of Times New Roman, as a share of the font size."""
WIDTH = 210.0
"""Points; about the width of the signature column of the Decree 30 layout."""


@dataclass(frozen=True)
class TextRun:
    text: str
    x: float
    y: float
    size: float

    @property
    def centre(self) -> float:
        """Estimated horizontal centre."""
        return (self.x + self.end) / 2

    @property
    def end(self) -> float:
        """Estimated right edge, with a Times-like average glyph width."""
        return self.x + len(self.text) * self.size * AVERAGE_GLYPH


@dataclass(frozen=True)
class SignaturePlace:
    """A page (0-based) and a box in PDF points (x1, y1, x2, y2), origin at the bottom left."""

    page: int
    box: tuple[int, int, int, int]


def _runs(page: Any) -> list[TextRun]:
    runs: list[TextRun] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: Any) -> None:
        if text.strip():
            # The run's origin in user space: the text matrix's translation through the CTM.
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            runs.append(TextRun(" ".join(text.split()), x, y, float(size or 12) * scale))

    page.extract_text(visitor_text=visit)
    return runs


def _lines(runs: list[TextRun]) -> list[TextRun]:
    """Runs joined into lines: same baseline (within 2 pt) and no column gap between them."""
    lines: list[TextRun] = []
    for run in sorted(runs, key=lambda r: (-round(r.y), r.x)):
        last = lines[-1] if lines else None
        if last and abs(last.y - run.y) < 2 and run.x - last.end < 2 * run.size:
            lines[-1] = TextRun(f"{last.text} {run.text}", last.x, last.y, max(last.size, run.size))
        else:
            lines.append(run)
    return lines


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _find(lines: list[TextRun], name: str, title: str) -> tuple[TextRun, float | None] | None:
    names = [line for line in lines if _norm(line.text).endswith(name)]
    if not names:
        return None
    name_line = min(names, key=lambda line: line.y)
    tops = [line.y for line in lines if _norm(line.text).startswith(title) and line.y > name_line.y]
    return name_line, min(tops, default=None)


def find_signature_place(pdf: Path, *, signer_name: str, signer_title: str) -> SignaturePlace:
    """The box between `signer_title` and `signer_name` on the last page that shows the name.

    Runs are tried alone first, then joined into lines: LibreOffice usually writes a signer's
    line as one run, and joining first would glue it to the "Nơi nhận" column beside it.
    """
    reader = PdfReader(pdf)
    name, title = _norm(signer_name), _norm(signer_title)
    for index in range(len(reader.pages) - 1, -1, -1):
        runs = _runs(reader.pages[index])
        found = _find(runs, name, title) or _find(_lines(runs), name, title)
        if found is None:
            continue
        name_line, top = found
        width = float(reader.pages[index].mediabox.width)
        centre = min(max(name_line.centre, WIDTH / 2), width - WIDTH / 2)
        y1 = name_line.y + name_line.size
        y2 = max((top if top is not None else y1 + MIN_HEIGHT) - 4, y1 + MIN_HEIGHT)
        return SignaturePlace(index, (round(centre - WIDTH / 2), round(y1), round(centre + WIDTH / 2), round(y2)))
    raise SigningError(t("signing.no_signature_place", name=signer_name, file=pdf.name))
