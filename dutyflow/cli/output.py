"""Where the command line writes: Rich for a person at a terminal, whole lines for a script.

On a terminal, text is word-wrapped to its width and tables are drawn. Anywhere else (a pipe, a
file, a test runner) nothing is wrapped or cut: a line is printed whole, however long, and a table
becomes tab-separated rows under a header row, so `dutyflow report open | head -1` gives a whole
path and `dutyflow status | cut -f1` a column (docs/decisions.md, "The CLI's output for scripts").
The decision is taken at each print, on the stream as it is then.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

Cell = str | Text
"""A table cell: plain text, or text with a style (shown on a terminal only)."""


class Output:
    """One output stream of the CLI (stdout, or stderr with `stderr=True`)."""

    def __init__(self, *, stderr: bool = False) -> None:
        self.console = Console(stderr=stderr)
        self._written_to: object = None
        """The stream last written to: a piped table after other output there gets a blank line first.
        (The stream changes under a test runner; the CLI's outputs live as long as the module.)"""

    @property
    def piped(self) -> bool:
        """Whether the stream is something other than a terminal."""
        return not self.console.is_terminal

    def print(self, *objects: Any, **options: Any) -> None:
        """Rich's print, never highlighting nor reading markup in text (it carries names and paths
        people typed; style with `rich.text.Text`), and never wrapping when piped."""
        options.setdefault("highlight", False)
        options.setdefault("markup", False)
        if self.piped:
            options["soft_wrap"] = True
        self._written_to = self.console.file
        self.console.print(*objects, **options)

    def line(self, text: str) -> None:
        """One line of plain text (a path, a name, a row), written as it is when piped: Rich
        would turn its tabs into spaces."""
        if self.piped:
            self._written_to = self.console.file
            self.console.file.write(text + "\n")
        else:
            self.print(text)

    def rule(self, title: str) -> None:
        if self.piped:
            self.line(title)
        else:
            self.console.rule(Text(title, style="bold"))

    def table(
        self,
        title: str,
        headers: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        *,
        justify: Sequence[str] = (),
    ) -> None:
        """A titled table: drawn on a terminal; when piped, its title, a header row and tab-separated
        rows, after a blank line if something came before."""
        if self.piped:
            if self._written_to is self.console.file:
                self.line("")
            self.line(title)
            for row in (headers, *rows):
                self.line("\t".join(_plain(cell) for cell in row))
            return
        table = Table(title=title, title_justify="left")
        for index, header in enumerate(headers):
            table.add_column(header, justify=justify[index] if index < len(justify) else "left")  # type: ignore[arg-type]
        for row in rows:
            table.add_row(*(cell if isinstance(cell, Text) else Text(cell) for cell in row))
        self.console.print(table)


def _plain(cell: Cell) -> str:
    """A cell on one line: tabs and line breaks inside it would break the row apart."""
    text = cell.plain if isinstance(cell, Text) else cell
    return " ".join(text.split()) if any(c in text for c in "\t\r\n") else text
