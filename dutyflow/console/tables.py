"""Tables as the console shows them: sorted, filtered and paged on the server from query
parameters, so a page needs no JavaScript. Pure: a request's parameters in, a page of rows out.

A parameter the page does not know, or a value it cannot read, falls back to the default (an
address typed by hand never fails); the page says when a filter was ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

Row = TypeVar("Row")

PER_PAGE = 50
MAX_PAGE = 10**6


@dataclass(frozen=True)
class Order:
    """A sort: a column's key and its direction."""

    key: str
    descending: bool = False

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def order_of(value: str | None, keys: Sequence[str], default: Order) -> Order:
    """The sort asked for ("col" or "-col"), if `keys` has that column; else `default`."""
    text = (value or "").strip()
    descending = text.startswith("-")
    key = text.lstrip("-")
    return Order(key, descending) if key in keys else default


def page_number(value: str | None) -> int:
    """A page number from 1; anything else is page 1."""
    text = (value or "").strip()
    return min(int(text), MAX_PAGE) if text.isdigit() and int(text) >= 1 else 1


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a list: its rows, which page it is, and how many rows and pages there are."""

    rows: list[Row]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row (0 on an empty list)."""
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.rows) - 1 if self.rows else 0


def clamp(number: int, total: int, per_page: int = PER_PAGE) -> int:
    """`number`, or the last page when there are fewer pages."""
    return min(number, max(1, math.ceil(total / per_page)))


def page_of(rows: Sequence[Row], number: int, per_page: int = PER_PAGE) -> Page[Row]:
    """Page `number` of `rows` (the last page when `number` is past it)."""
    number = clamp(number, len(rows), per_page)
    start = (number - 1) * per_page
    return Page(list(rows[start : start + per_page]), number, len(rows), per_page)


def sort_rows(rows: Sequence[Row], order: Order, keys: Mapping[str, Callable[[Row], Any]]) -> list[Row]:
    """`rows` by `order`'s column (stable: ties keep their order)."""
    return sorted(rows, key=keys[order.key], reverse=order.descending)


@dataclass(frozen=True)
class Query:
    """The parameters a table page was opened with, to build its sort and page links."""

    path: str
    params: tuple[tuple[str, str], ...]

    def link(self, **changes: str | int | None) -> str:
        """This page's address with `changes` (None drops a parameter); changing a sort or a filter
        (anything but a page number, a parameter ending in "page") goes back to the first pages."""
        values = dict(self.params)
        if not any(name.endswith("page") for name in changes):
            values = {name: value for name, value in values.items() if not name.endswith("page")}
        for name, value in changes.items():
            if value is None or value == "":
                values.pop(name, None)
            else:
                values[name] = str(value)
        query = urlencode([(k, v) for k, v in values.items() if v != ""])
        return f"{self.path}?{query}" if query else self.path

    def sort_link(self, key: str, current: Order) -> str:
        """The link a column's header carries: by it ascending, or reversed if it is the sort."""
        descending = not current.descending if current.key == key else False
        return self.link(sort=f"-{key}" if descending else key)

    def value(self, name: str) -> str:
        return dict(self.params).get(name, "")

    def at(self, path: str) -> str:
        """The same filters and sort at another address (an export of this list), without paging."""
        return Query(path, self.params).link(page=None)
