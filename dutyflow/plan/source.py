"""Read YAML while remembering where every value came from, and refuse what is not a plan file.

pydantic reports an error by its location (a tuple of keys and indexes); the office needs the
line of the file. `load_yaml_with_lines` returns the plain data and a map from each location to
its line, so an error can be pointed at the exact line that holds the faulty field.

Before anything is built from the file, it is checked the way a hostile or careless author could
get it wrong (docs/decisions.md, 22): a regular file of at most `MAX_BYTES`, UTF-8 text without
control characters, well-formed YAML whose aliases neither refer to their own block nor expand it
beyond `alias_limit` values, with plain keys, no tags beyond YAML's core types, and no key twice
in one mapping. Every refusal is a `SourceProblem` with its line and a Vietnamese message; a key
given twice does not stop the reading, so it is reported together with the plan's other errors.
"""

from __future__ import annotations

import errno
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dutyflow.formatting import format_number, format_size
from dutyflow.messages import t
from dutyflow.plan.syntax import syntax_problem

Location = tuple[str | int, ...]
Problem = tuple[Location, str]
"""A plan's cross-check finding: where in the file, and the Vietnamese message."""

MAX_BYTES = 8 * 1024 * 1024
"""A plan file's size cap: the national-scale plan of 11,201 units is 3.5 MB; a hostile file of this
size (1.4 million wrong list items) was answered in 41 s on two cores shared with other work."""

ALIAS_FLOOR = 100_000
"""Aliases may expand a document to this many values, or to twice the values it writes if more."""

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"

# Characters YAML 1.1 does not allow in a stream (NUL is reported as "not text" instead).
_FORBIDDEN = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# An anchor (`&name`) starts a value: at a line's start, after a space or a flow indicator.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&\S", re.MULTILINE)


@dataclass(frozen=True)
class SourceProblem:
    """One thing wrong with the file itself, at `line`; `loc` is the key path when there is one."""

    line: int
    message: str
    loc: Location = ()


class YamlSourceError(Exception):
    """The file cannot be read as a plan's YAML; carries every problem found."""

    def __init__(self, path: Path, problems: list[SourceProblem]) -> None:
        super().__init__("; ".join(f"{path}:{p.line}: {p.message}" for p in problems))
        self.path = path
        self.problems = problems


@dataclass
class SourceMap:
    """Lines (1-based) of every mapping key and sequence item in a YAML document, and the problems
    of the file that did not stop it from being read (a key given twice)."""

    path: Path
    lines: dict[Location, int] = field(default_factory=dict)
    problems: list[SourceProblem] = field(default_factory=list)

    def line_of(self, loc: Location) -> int:
        """The line of `loc`, or of its nearest ancestor the file spells out (1 at worst)."""
        probe = tuple(loc)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that keeps dates as strings: the plan model parses dates itself, so that
    an impossible date such as 2025-02-30 gets our message, not a parser traceback.

    On libyaml's C parser when PyYAML has it (same nodes, same marks): a national plan of
    11,201 units parses in 2.3 s instead of 8 s."""


# Drop the implicit timestamp resolver: `2025-05-20` stays a string until pydantic reads it.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _fail(path: Path, line: int, message: str) -> YamlSourceError:
    return YamlSourceError(path, [SourceProblem(line, message)])


def read_source(path: Path) -> str:
    """The text of `path`, or YamlSourceError saying why it is not a readable UTF-8 text file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _fail(path, 1, t("yaml.not_found", path=path)) from None
    except OSError as exc:
        raise _fail(path, 1, t("yaml.unreadable", path=path, reason=_reason(exc))) from None
    if stat.S_ISDIR(info.st_mode):
        raise _fail(path, 1, t("yaml.directory", path=path))
    if not stat.S_ISREG(info.st_mode):
        raise _fail(path, 1, t("yaml.not_regular", path=path))
    if info.st_size > MAX_BYTES:
        raise _fail(path, 1, t("yaml.too_large", size=format_size(info.st_size), limit=format_size(MAX_BYTES)))
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(path, 1, t("yaml.unreadable", path=path, reason=_reason(exc))) from None
    if len(data) > MAX_BYTES:  # grew since stat
        raise _fail(path, 1, t("yaml.too_large", size=format_size(len(data)), limit=format_size(MAX_BYTES)))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(path, data.count(b"\n", 0, exc.start) + 1, t("yaml.not_utf8")) from None
    nul = text.find("\0")
    if nul >= 0:
        raise _fail(path, text.count("\n", 0, nul) + 1, t("yaml.not_utf8"))
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise _fail(path, line, t("yaml.control_char", code=f"U+{ord(bad.group()):04X}", column=column))
    return text


def _reason(exc: OSError) -> str:
    key = {errno.EACCES: "permission", errno.EPERM: "permission", errno.ELOOP: "loop"}.get(exc.errno or 0, "other")
    return t(f"yaml.reason.{key}", code=errno.errorcode.get(exc.errno or 0, "?"))


def load_yaml_with_lines(path: Path) -> tuple[Any, SourceMap]:
    """Parse `path`; return its data and the line of every location in it."""
    text = read_source(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source = SourceMap(path)
        if node is None:
            return None, source
        _check_aliases(path, text, node)
        source.lines[()] = node.start_mark.line + 1
        fatal = _walk(node, loader, source)
        if fatal:
            raise YamlSourceError(path, fatal)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise YamlSourceError(path, [SourceProblem(*syntax_problem(text, exc))]) from None
    except yaml.YAMLError:
        raise _fail(path, 1, t("yaml.syntax", problem=t("yaml.problems.unknown"))) from None
    finally:
        loader.dispose()
    return data, source


# --------------------------------------------------------------------------- aliases


def alias_limit(distinct: int) -> int:
    """How many values a document that writes `distinct` values may expand to through aliases."""
    return max(ALIAS_FLOOR, 2 * distinct)


def _check_aliases(path: Path, text: str, root: yaml.Node) -> None:
    """Refuse an alias that refers to the block holding it, or aliases that expand the document
    beyond `alias_limit` (an "alias bomb": 600 bytes that expand to a billion values).

    The composed document shares aliased nodes, so its expanded size is counted on the shared
    graph in linear time; only a refused document is read again, as events, to find the line.
    A file without an anchor (`&name` at the start of a value) has no alias and is not walked."""
    if not _ANCHOR.search(text):
        return
    size: dict[int, int] = {}
    opened: set[int] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in size:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            size[key] = 1
            stack.pop()
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
        if key not in opened:
            opened.add(key)
            pending = [child for child in children if id(child) not in size]
            if any(id(child) in opened for child in pending):  # open and unsized: an ancestor
                raise YamlSourceError(path, [_locate_alias(text, alias_limit(len(opened)))])
            stack.extend(pending)
            continue
        size[key] = 1 + sum(size[id(child)] for child in children)
        stack.pop()
    limit = alias_limit(len(size))
    if size[id(root)] > limit:
        raise YamlSourceError(path, [_locate_alias(text, limit)])


def _locate_alias(text: str, limit: int) -> SourceProblem:
    """The alias that refers to its own block, or that takes the expanded document over `limit`."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, expanded size so far]
    total = 0

    def add(count: int) -> None:
        if stack:
            stack[-1][1] += count

    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent):
            name = str(event.anchor)
            if any(anchor == name for anchor, _ in stack) or name not in sizes:
                return SourceProblem(line, t("yaml.alias_recursive", name=name))
            total += sizes[name]
            add(sizes[name])
            if total > limit:
                return SourceProblem(line, t("yaml.alias_bomb", name=name, limit=format_number(limit)))
        elif isinstance(event, yaml.ScalarEvent):
            total += 1
            if event.anchor:
                sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.CollectionStartEvent):
            total += 1
            stack.append([event.anchor, 1])
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, count = stack.pop()
            if anchor:
                sizes[anchor] = count
            add(count)
    return SourceProblem(1, t("yaml.alias_bomb", name="?", limit=limit))  # pragma: no cover - the graph said so


# --------------------------------------------------------------------------- keys, tags, lines


def _walk(root: yaml.Node, loader: Any, source: SourceMap) -> list[SourceProblem]:
    """Record the line of every location; note duplicate keys in `source`; return the problems
    that forbid building the document (complex keys, foreign tags)."""
    fatal: list[SourceProblem] = []
    seen_problems: set[tuple[int, str]] = set()

    def note(into: list[SourceProblem], problem: SourceProblem) -> None:
        if (problem.line, problem.message) not in seen_problems:  # a shared (aliased) node is walked again
            seen_problems.add((problem.line, problem.message))
            into.append(problem)

    stack: list[tuple[yaml.Node, Location]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        tag_problem = _foreign_tag(node, loader)
        if tag_problem is not None:
            note(fatal, SourceProblem(node.start_mark.line + 1, tag_problem, loc))
        if isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    note(fatal, SourceProblem(line, t("yaml.complex_key"), loc))
                    continue
                key = key_node.value
                child = (*loc, key)
                identity = (key_node.tag, key)
                if identity in first and key_node.tag != _MERGE:
                    shown = key if len(key) <= 60 else key[:59] + "…"
                    message = t("yaml.duplicate_key", key=shown, first_line=first[identity], line=line)
                    note(source.problems, SourceProblem(line, message, child))
                first.setdefault(identity, line)
                source.lines[child] = line
                stack.append((value_node, child))
                stack.append((key_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*loc, index)
                source.lines[child] = item.start_mark.line + 1
                stack.append((item, child))
    return fatal


def _foreign_tag(node: yaml.Node, loader: Any) -> str | None:
    """A message if `node` carries a tag other than YAML's core types as the file would read anyway."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR or node.tag == loader.resolve(yaml.ScalarNode, node.value, (True, False)):
            return None
    elif node.tag == (_MAP if isinstance(node, yaml.MappingNode) else _SEQ):
        return None
    shown = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    return t("yaml.tag", tag=shown)
