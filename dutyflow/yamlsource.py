"""Read YAML while remembering where every value came from.

pydantic reports an error by its location (a tuple of keys and indexes); the office needs the
line of the file. `load_yaml_with_lines` returns the plain data and a map from each location to
its line, so an error can be pointed at the exact line that holds the faulty field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


class YamlSyntaxError(Exception):
    """The file is not well-formed YAML; carries the line and the parser's own words."""

    def __init__(self, path: Path, line: int, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}")
        self.path = path
        self.line = line
        self.problem = problem


@dataclass
class SourceMap:
    """Lines (1-based) of every mapping key and sequence item in a YAML document."""

    path: Path
    lines: dict[Location, int] = field(default_factory=dict)

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


def load_yaml_with_lines(path: Path) -> tuple[Any, SourceMap]:
    """Parse `path`; return its data and the line of every location in it."""
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        source = SourceMap(path)
        if node is None:
            return None, source
        source.lines[()] = node.start_mark.line + 1
        _walk(node, (), source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(path, line, str(exc.problem or exc.context or exc)) from exc
    finally:
        loader.dispose()
    return data, source


def _walk(node: yaml.Node, loc: Location, source: SourceMap) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            child = (*loc, key)
            source.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            source.lines[child] = item.start_mark.line + 1
            _walk(item, child, source)
