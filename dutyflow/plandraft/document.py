"""Read a Kế hoạch (.txt, .docx, text-layer .pdf) into numbered paragraphs with section ids.

A PDF's text, and a .txt copied from one, breaks every printed line; `paragraphs` joins the
lines again: a line begins a new paragraph when it carries a heading marker ("II.", "3.",
"b)", "-"), when a reading rule says so (a date line, "Căn cứ", "Nơi nhận"…), after an
upper-case line or a heading, or when the line before ended a sentence and this one starts with
a capital. Each paragraph keeps the line it starts on (for a .docx: its paragraph number), and
the section it stands in ("I.2.a"), so that every drafted value can name its source.
"""

from __future__ import annotations

import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dutyflow.messages import t
from dutyflow.plandraft.numbering import Numbering
from dutyflow.plandraft.rules import Reading, rx

Kind = Literal["roman", "number", "letter", "item", "text"]
HEADINGS: frozenset[Kind] = frozenset({"roman", "number", "letter"})


class DraftError(Exception):
    """A document that cannot be read; the message is Vietnamese and names the file."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    """The whole paragraph, marker included, lines joined."""
    line: int
    """Line of the document it starts on (for a .docx: the paragraph's number)."""
    section: str
    """Where it stands: "I.2.a"; "" before the first numbered section."""
    kind: Kind
    body: str
    """The text after the marker ("3. Phòng Tư pháp" → "Phòng Tư pháp")."""
    tail: bool = False
    """In the closing block (Nơi nhận, signature)."""

    @property
    def is_heading(self) -> bool:
        return self.kind in HEADINGS


@dataclass(frozen=True)
class Document:
    name: str
    paragraphs: tuple[Paragraph, ...]

    def heading(self, section: str) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.is_heading and p.section == section), None)

    def under(self, roman: Paragraph) -> list[Paragraph]:
        """The paragraphs of a roman-numbered section, its heading first, up to the next one (by
        position: a document that repeats a number does not merge two sections)."""
        start = self.paragraphs.index(roman)
        out = [roman]
        for p in self.paragraphs[start + 1 :]:
            if p.kind == "roman" or p.tail:
                break
            out.append(p)
        return out


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    hard: bool
    """The source says a paragraph begins here (a .docx paragraph)."""


def read_document(path: Path, reading: Reading) -> Document:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DraftError(t("plandraft.not_found", path=path))
    if suffix == ".txt":
        lines = _txt_lines(path)
    elif suffix == ".docx":
        lines = _docx_lines(path)
    elif suffix == ".pdf":
        lines = _pdf_lines(path)
    else:
        raise DraftError(t("plandraft.unknown_type", path=path, suffix=suffix or t("plandraft.no_suffix")))
    found = tuple(paragraphs(lines, reading))
    if not found:
        raise DraftError(t("plandraft.empty", path=path))
    return Document(path.name, found)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\t", " ")
    return " ".join(text.split())


def _txt_lines(path: Path) -> list[Line]:
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DraftError(t("plandraft.not_utf8", path=path, position=exc.start)) from None
    return [Line(i, text, False) for i, text in enumerate(content.splitlines(), start=1)]


def _docx_lines(path: Path) -> list[Line]:
    import docx  # python-docx: only this reader needs it
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise DraftError(t("plandraft.bad_docx", path=path, problem=exc)) from None

    def texts(items: Iterable[DocxParagraph | Table]) -> Iterator[str]:
        for item in items:
            if isinstance(item, Table):
                for row in item.rows:
                    seen: set[int] = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:  # a merged cell is listed once per column it spans
                            continue
                        seen.add(id(cell._tc))
                        yield from texts(cell.iter_inner_content())
            else:
                marker = numbering.marker(item)
                yield f"{marker} {item.text}" if marker else item.text

    numbering = Numbering(document)
    lines: list[Line] = []
    for number, text in enumerate(texts(document.iter_inner_content()), start=1):
        for j, part in enumerate(text.split("\n")):
            lines.append(Line(number, part, j == 0))
    return lines


def _pdf_lines(path: Path) -> list[Line]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise DraftError(t("plandraft.bad_pdf", path=path, problem=exc)) from None
    text = "\n".join(pages)
    if sum(ch.isalpha() for ch in text) < 20:
        raise DraftError(t("plandraft.scanned_pdf", path=path, pages=len(pages)))
    return [Line(i, part, False) for i, part in enumerate(text.splitlines(), start=1)]


# ";" is left out: a list of duties goes on after it on the next line with a capital.
_SENTENCE_END = (".", ":", "!", "?")


def _ends_sentence(text: str) -> bool:
    return text.rstrip('"”’)» ').endswith(_SENTENCE_END)


def _is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _marker(text: str, reading: Reading) -> tuple[Kind, str, str] | None:
    m = reading.markers
    found = rx(m.roman).match(text)
    if found and found["id"].isupper() and (_is_caps(found["text"]) or not found["text"]):
        return "roman", found["id"], found["text"]
    for kind, pattern in (("number", m.number), ("letter", m.letter)):
        found = rx(pattern).match(text)
        if found:
            return kind, found["id"].lower(), found["text"]  # type: ignore[return-value]
    found = rx(m.item).match(text)
    if found:
        return "item", "", found["text"]
    return None


def paragraphs(lines: Iterable[Line], reading: Reading) -> Iterator[Paragraph]:
    """Join printed lines into paragraphs and give each its section."""
    page_number = rx(reading.page_number)
    opens = [rx(p) for p in reading.opens_paragraph]
    alone = [rx(p) for p in reading.stands_alone]
    tail_rx = rx(reading.tail)

    blocks: list[tuple[int, list[str]]] = []
    closes_block = True  # the current block takes no continuation line
    heading_open = False
    for line in lines:
        text = normalise(line.text)
        if not text or page_number.match(text):
            continue
        last = blocks[-1][1][-1] if blocks else ""
        first_upper = text[0].isupper()
        new = (
            closes_block
            or line.hard
            or _marker(text, reading) is not None
            or any(p.search(text) for p in opens)
            or (_ends_sentence(last) and (first_upper or not text[0].isalpha()))
            or (heading_open and first_upper)
            or _is_caps(text)
        )
        if new:
            blocks.append((line.number, [text]))
        else:
            blocks[-1][1].append(text)
        joined = " ".join(blocks[-1][1])
        closes_block = _is_caps(joined) or any(p.search(joined) for p in alone)
        marker = _marker(joined, reading)
        heading_open = marker is not None and marker[0] in HEADINGS

    section: list[str] = []
    in_tail = False
    for number, parts in blocks:
        text = " ".join(parts)
        in_tail = in_tail or bool(tail_rx.search(text))
        marker = None if in_tail else _marker(text, reading)
        kind: Kind = "text"
        body = text
        if marker is not None:
            kind, ident, body = marker
            if kind == "roman":
                section = [ident]
            elif kind == "number":
                section = [section[0], ident] if section and _is_roman(section[0]) else [ident]
            elif kind == "letter":
                section = [*section[:2], ident] if len(section) >= 2 else [*section, ident]
        yield Paragraph(text, number, ".".join(section), kind, body, in_tail)


def _is_roman(ident: str) -> bool:
    return bool(ident) and set(ident) <= set("IVX")
