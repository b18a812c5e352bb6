"""A YAML syntax error in the plan author's words: PyYAML's English mapped to the catalogue, at the
line where the broken construct starts."""

from __future__ import annotations

import re

import yaml

from dutyflow.messages import t

# PyYAML's and libyaml's wording (the only English the parser gives), mapped to the catalogue.
_PROBLEMS = {
    "did not find expected ',' or ']'": "flow_sequence_end",
    "did not find expected ',' or '}'": "flow_mapping_end",
    "did not find expected key": "expected_key",
    "did not find expected node content": "node_content",
    "did not find expected '-' indicator": "sequence_dash",
    "did not find expected <document start>": "document_start",
    "did not find expected comment or line break": "line_break",
    "could not find expected ':'": "colon",
    "mapping values are not allowed in this context": "mapping_values",
    "mapping keys are not allowed in this context": "mapping_keys",
    "block sequence entries are not allowed in this context": "sequence_entries",
    "found character that cannot start any token": "bad_character",
    "found unexpected end of stream": "end_of_stream",
    "found unexpected ':'": "colon_unexpected",
    "found unknown escape character": "escape",
    "found invalid Unicode character escape code": "escape",
    "did not find expected hexdecimal number": "escape",
    "found unexpected document indicator": "document_indicator",
    "found a tab character that violates indentation": "tab",
    "found a tab character where an indentation space is expected": "tab",
    "found undefined alias": "undefined_alias",
    "but found another document": "another_document",
    "exceeded maximum nesting depth": "nesting",
    "found unhashable key": "complex_key",
    "found undefined tag handle": "tag_handle",
    "found an indentation indicator equal to 0": "block_indicator",
    "did not find expected whitespace or line break": "whitespace",
    "did not find expected whitespace": "whitespace",
    "found duplicate anchor": "duplicate_anchor",
    "expected a mapping for merging": "merge",
    "expected a mapping or list of mappings for merging": "merge",
    "expected alphabetic or numeric character": "anchor_name",
    "did not find expected alphabetic or numeric character": "anchor_name",
    "found unknown directive name": "directive",
    "found incompatible YAML document": "directive",
}
_CONTEXTS = {
    "while parsing a flow sequence": "flow_sequence",
    "while parsing a flow mapping": "flow_mapping",
    "while scanning a quoted scalar": "quoted",
    "while parsing a quoted scalar": "quoted",
    "while parsing a block mapping": "block_mapping",
    "while parsing a block collection": "block",
    "while parsing a block node": "block",
    "while parsing a flow node": "block",
    "while parsing a node": "block",
    "while scanning a simple key": "simple_key",
    "while scanning a plain scalar": "plain",
    "while scanning a block scalar": "block_scalar",
    "while scanning an alias": "alias",
    "while scanning an anchor": "alias",
    "while scanning a tag": "tag",
    "while parsing a tag": "tag",
    "while constructing a mapping": "mapping",
    "expected a single document in the stream": "document",
}


def _vietnamese(table: dict[str, str], section: str, english: str | None) -> str | None:
    if not english:
        return None
    for words, key in table.items():
        if english.startswith(words):
            return t(f"yaml.{section}.{key}")
    return t(f"yaml.{section}.unknown")


def syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line and message of the error: at the line where the broken construct starts (`context_mark`), naming also the
    line where the parser gave up (`problem_mark`)."""
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    context_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
    lines = text.splitlines()
    for line in (problem_line, context_line):
        if line is not None and line <= len(lines):
            indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip(" \t"))]
            if "\t" in indent:
                return line, t("yaml.tab_indent", line=line)
    problem = _vietnamese(_PROBLEMS, "problems", exc.problem) or t("yaml.problems.unknown")
    context = _vietnamese(_CONTEXTS, "contexts", exc.context)
    if context is not None and context_line is not None and problem_line is not None and context_line != problem_line:
        message = t("yaml.syntax_in", problem=problem, problem_line=problem_line, context=context, context_line=context_line)
        quote = _unclosed_quote(lines, context_line, problem_line)
        if quote is not None:
            message += t("yaml.quote_hint", line=quote)
        return context_line, message
    return problem_line or context_line or 1, t("yaml.syntax", problem=problem)


def _unclosed_quote(lines: list[str], first: int, last: int) -> int | None:
    """The first line in [first, last) with an odd number of double quotes: a quoted value left
    open there runs on over the next lines, and the parser only stops lines later."""
    for number in range(first, min(last, len(lines) + 1)):
        if len(re.findall(r'(?<!\\)"', lines[number - 1].split(" #")[0])) % 2:
            return number
    return None
