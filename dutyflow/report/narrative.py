"""The office's own words for sections II–IV of the consolidated report, kept apart from the figures.

The office edits the narrative: it uploads the report's DOCX with sections II–IV reworded (or a
file holding only those sections), or types them as text. `read_docx` and `read_text` turn either
into `NarrativeParagraph`s; `replace_sections` puts them into a freshly rendered report in place
of the generated sections II–IV, so the heading, section I with its figures and chart, the
closing sentence, the signature block and the appendices stay generated (see decisions.md, "The
office edits sections II–IV, the figures are regenerated around them").

The sections are found by their headings: from the paragraph that starts "II." to the closing
paragraph just before the signature table ("Nơi nhận"). A heading "II.", "III.", "IV." takes the
template's section heading format, a bold paragraph the sub-heading format, any other the body's.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from dutyflow.messages import t

Level = Literal["section", "heading", "body"]
SECTION = re.compile(r"^(II|III|IV)\.\s")
START = re.compile(r"^II\.\s")


class NarrativeError(Exception):
    """The narrative cannot be read; the message is Vietnamese and names the file."""


@dataclass(frozen=True)
class NarrativeParagraph:
    text: str
    level: Level = "body"

    def stored(self) -> dict[str, str]:
        return {"text": self.text, "level": self.level}

    @classmethod
    def from_stored(cls, value: dict[str, Any]) -> NarrativeParagraph:
        level = value.get("level", "body")
        return cls(str(value["text"]), level if level in ("section", "heading", "body") else "body")


def read_docx(data: bytes, file_name: str) -> list[NarrativeParagraph]:
    """Sections II–IV of the uploaded DOCX (the whole report, or a file holding only them)."""
    try:
        document = Document(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        PackageNotFoundError,
        KeyError,
        ValueError,
        SyntaxError,
    ) as exc:  # lxml's parse errors are SyntaxErrors
        raise NarrativeError(t("approval.narrative_not_docx", file=file_name)) from exc
    body = list(document.element.body.iterchildren())
    span = _span(body)
    elements = body[span[0] : span[1]] if span else body
    paragraphs = [
        NarrativeParagraph(text, _level(Paragraph(element, document)))
        for element in elements
        if element.tag == qn("w:p") and (text := _text(element))
    ]
    if not paragraphs:
        raise NarrativeError(t("approval.empty_narrative", file=file_name))
    return paragraphs


def read_text(text: str) -> list[NarrativeParagraph]:
    """Sections II–IV typed as text: one paragraph a line; "II.", "III.", "IV." lines are headings."""
    paragraphs = [
        NarrativeParagraph(line, "section" if SECTION.match(line) else "body")
        for raw in text.splitlines()
        if (line := " ".join(raw.split()))
    ]
    if not paragraphs:
        raise NarrativeError(t("approval.narrative_text_empty"))
    return paragraphs


def replace_sections(document: DocxDocument, paragraphs: Sequence[NarrativeParagraph]) -> None:
    """Put `paragraphs` in place of the rendered sections II–IV of `document`."""
    body = document.element.body
    children = list(body.iterchildren())
    span = _span(children)
    if span is None:  # pragma: no cover - the bundled template always has them
        raise ValueError("the report template has no sections II–IV")
    start, end = span
    old = children[start:end]
    closing = children[end]
    prototypes: dict[Level, Any] = {"section": old[0], "body": closing, "heading": closing}
    for element in old[1:]:
        if element.tag == qn("w:p") and _level(Paragraph(element, document)) == "heading":
            prototypes["heading"] = element
            break
    for paragraph in paragraphs:
        closing.addprevious(_clone(prototypes[paragraph.level], paragraph.text))
    for element in old:
        body.remove(element)


def _span(children: Sequence[Any]) -> tuple[int, int] | None:
    """[first, last) of sections II–IV: from "II." to the paragraph before the next table."""
    start = next(
        (i for i, el in enumerate(children) if el.tag == qn("w:p") and START.match(_text(el))),
        None,
    )
    if start is None:
        return None
    table = next((i for i in range(start + 1, len(children)) if children[i].tag == qn("w:tbl")), None)
    if table is None or table - 1 <= start:
        return None
    return start, table - 1


def _text(element: Any) -> str:
    return " ".join("".join(node.text or "" for node in element.iter(qn("w:t"))).split())


def _level(paragraph: Paragraph) -> Level:
    text = paragraph.text.strip()
    if SECTION.match(text):
        return "section"
    runs = [run for run in paragraph.runs if run.text.strip()]
    if runs and all(
        run.bold or (run.bold is None and paragraph.style is not None and paragraph.style.font.bold) for run in runs
    ):
        return "heading"
    return "body"


def _clone(prototype: Any, text: str) -> Any:
    """A paragraph formatted like `prototype` (its paragraph and first run's properties) saying `text`."""
    element = copy.deepcopy(prototype)
    first_run = element.find(qn("w:r"))
    run_properties = copy.deepcopy(first_run.find(qn("w:rPr"))) if first_run is not None else None
    for child in list(element):
        if child.tag != qn("w:pPr"):
            element.remove(child)
    run = OxmlElement("w:r")
    if run_properties is not None:
        run.append(run_properties)
    node = OxmlElement("w:t")
    node.text = text
    node.set(qn("xml:space"), "preserve")
    run.append(node)
    element.append(run)
    return element


__all__ = ["NarrativeError", "NarrativeParagraph", "read_docx", "read_text", "replace_sections"]
