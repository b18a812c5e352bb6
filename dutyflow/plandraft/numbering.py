"""Word's automatic numbering, written out: "I.", "1.", "a)", "-" as the reader of a .docx sees them.

A .docx paragraph numbered by Word holds no marker in its text: the number comes from the
paragraph's (or its style's) numbering reference and the level formats of numbering.xml. The
plan reader needs the markers to find sections, so `Numbering.marker` renders them, counting as
Word does: each list (numId) keeps one counter per level, and a level's count restarts when a
higher level moves on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):  # fmt: skip
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "upperLetter": lambda n: _letter(n).upper(),
    "lowerLetter": _letter,
}


def _val(element: Any, tag: str) -> str | None:
    child = element.find(f"{_W}{tag}") if element is not None else None
    return None if child is None else child.get(f"{_W}val")


class Numbering:
    """Markers of one document's numbered paragraphs, in reading order."""

    def __init__(self, document: Any) -> None:
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._counts: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.findall(f"{_W}abstractNum"):
            levels: dict[int, tuple[str, str, int]] = {}
            for lvl in node.findall(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                levels[ilvl] = (
                    _val(lvl, "numFmt") or "decimal",
                    _val(lvl, "lvlText") or "",
                    int(_val(lvl, "start") or 1),
                )
            abstract[node.get(f"{_W}abstractNumId", "")] = levels
        for num in root.findall(f"{_W}num"):
            self._levels[num.get(f"{_W}numId", "")] = abstract.get(_val(num, "abstractNumId") or "", {})
        self._style_refs: dict[str, Any] = {}
        for style in document.styles:
            current, num_pr = style, None
            while num_pr is None and current is not None:
                spr = current.element.pPr
                num_pr = spr.numPr if spr is not None else None
                current = getattr(current, "base_style", None)  # a numbering style has no base
            if num_pr is not None:
                self._style_refs[style.style_id] = num_pr

    def marker(self, paragraph: Any) -> str:
        """The paragraph's rendered number ("II.", "3.", "b)", "-"), or "" if it has none."""
        if not self._levels:
            return ""
        num_id, ilvl = self._reference(paragraph)
        levels = self._levels.get(num_id or "")
        if not levels or ilvl not in levels:
            return ""
        counts = self._counts.setdefault(num_id or "", [0] * 9)
        counts[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return "-"
        for level in range(ilvl + 1):
            level_fmt, _, start = levels.get(level, ("decimal", "", 1))
            value = max(counts[level], 1) + start - 1
            text = text.replace(f"%{level + 1}", _FORMATS.get(level_fmt, str)(value))
        return text

    def _reference(self, paragraph: Any) -> tuple[str | None, int]:
        ppr = paragraph._p.pPr
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is None and ppr is not None and ppr.pStyle is not None:
            num_pr = self._style_refs.get(ppr.pStyle.val)
        if num_pr is None or num_pr.numId is None:
            return None, 0
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return str(num_pr.numId.val), int(ilvl)
