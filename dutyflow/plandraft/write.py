"""Write the draft as YAML text with comments: a value's source sentence at its end of line, notes
above items, and the "# chưa xử lý" list at the end.

PyYAML writes no comments, so this module lays out the few shapes a plan has (mappings, lists of
mappings, flow lists of scalars) itself and leaves each scalar's spelling to PyYAML.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from dutyflow.messages import t
from dutyflow.plandraft.found import Unplaced


@dataclass(frozen=True)
class Noted:
    """A value with a comment: at the end of its line, or on lines above it (`above`)."""

    value: Any
    comment: str | None = None
    above: tuple[str, ...] = ()


def plain(node: Any) -> Any:
    """The value without its comments, as a plan loader would read it."""
    if isinstance(node, Noted):
        return plain(node.value)
    if isinstance(node, dict):
        return {k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | dt.date):
        return str(value) if not isinstance(value, dt.date) else value.isoformat()
    text = yaml.safe_dump(str(value), allow_unicode=True, default_flow_style=True, width=10**9)
    return text.removesuffix("\n").removesuffix("\n...").strip()


_CODE = re.compile(r"^[A-Za-z0-9._-]+$")


def _is_flow_list(value: Any) -> bool:
    """Codes go on one line ("[a, b]"); text, which may hold commas, goes one item a line."""
    if not isinstance(value, list):
        return False
    items = [plain(v) for v in value]
    return all((isinstance(v, str) and _CODE.match(v)) or not isinstance(v, dict | list | str) for v in items)


def _comment(text: str | None) -> str:
    return f"  # {text}" if text else ""


def dump(tree: dict[str, Any], head: list[str], tail: list[str]) -> str:
    out: list[str] = [f"# {line}" if line else "#" for line in head]
    _mapping(tree, 0, out)
    out.extend(f"# {line}" if line else "#" for line in tail)
    return "\n".join(out) + "\n"


def _mapping(mapping: dict[str, Any], indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    for i, (key, node) in enumerate(mapping.items()):
        prefix = first_prefix if (i == 0 and first_prefix is not None) else pad
        comment = node.comment if isinstance(node, Noted) else None
        above = node.above if isinstance(node, Noted) else ()
        value = node.value if isinstance(node, Noted) else node
        if isinstance(node, Noted) and isinstance(value, Noted):  # nested notes: keep the outer one
            value = plain(value)
        out.extend(f"{pad}# {line}" for line in above)
        if isinstance(value, dict) and value:
            out.append(f"{prefix}{key}:{_comment(comment)}")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list) and value and not _is_flow_list(value):
            out.append(f"{prefix}{key}:{_comment(comment)}")
            _sequence(value, indent + 2, out)
        elif isinstance(value, list):
            items = ", ".join(scalar(plain(v)) for v in value)
            out.append(f"{prefix}{key}: [{items}]{_comment(comment)}")
        else:
            out.append(f"{prefix}{key}: {scalar(value)}{_comment(comment)}")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for node in items:
        comment = node.comment if isinstance(node, Noted) else None
        above = node.above if isinstance(node, Noted) else ()
        value = node.value if isinstance(node, Noted) else node
        out.extend(f"{pad}# {line}" for line in above)
        if isinstance(value, dict):
            if comment:
                out.append(f"{pad}# {comment}")
            _mapping(value, indent + 2, out, first_prefix=f"{pad}- ")
        else:
            out.append(f"{pad}- {scalar(plain(value))}{_comment(comment)}")


@dataclass
class Draft:
    tree: dict[str, Any]
    unplaced: list[Unplaced]
    source: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        """The plan as plain data (what `load_plan` reads back)."""
        result: dict[str, Any] = plain(self.tree)
        return result

    def yaml(self) -> str:
        head = [line for line in t("plandraft.yaml_head", source=self.source).splitlines()]
        tail = ["", *t("plandraft.unplaced_head", count=len(self.unplaced)).splitlines()]
        for item in sorted(self.unplaced, key=lambda u: u.origin.line):
            where = (
                t("plandraft.where", section=item.origin.section) if item.origin.section else t("plandraft.where_head")
            )
            tail.append(t("plandraft.unplaced_item", where=where, line=item.origin.line, reason=item.reason))
            tail.extend(f"      {part}" for part in _wrap(f"«{item.origin.text}»", 96))
        return dump(self.tree, head, tail)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines
