"""The Jinja2 environments, built in one place with the same strictness and the same filters
(`dutyflow.formatting.FILTERS`): a misspelt name fails instead of printing nothing.

- `environment()`: templates/ by file name, for emails, portal pages, the mail index and the
  report's HTML; HTML-escaped for *.html.j2 only.
- `docx_environment()`: the report's DOCX, whose template docxtpl hands over as strings; always
  escaped (a unit called "Văn phòng HĐND&UBND" must not break the document's XML).
- `yaml_environment(folder)`: YAML written from templates (the plan's units); never escaped, every
  string goes through the `q` filter instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from dutyflow.formatting import FILTERS
from dutyflow.paths import TEMPLATES_DIR

Autoescape = bool | Callable[[str | None], bool]


def _strict(autoescape: Autoescape, loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """Strict, with the formatting filters; templates read from files (`loader`) drop the line
    after a block tag and the indentation before it, and keep their last newline."""
    from_files = loader is not None
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=from_files,
        lstrip_blocks=from_files,
        keep_trailing_newline=from_files,
    )
    env.filters.update(FILTERS)
    return env


@cache
def environment() -> jinja2.Environment:
    """The one environment over templates/ (cached): strict, HTML-escaped for *.html.j2 only."""
    html_only = jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False)
    return _strict(html_only, jinja2.FileSystemLoader(TEMPLATES_DIR))


def docx_environment() -> jinja2.Environment:
    """For docxtpl's string templates: strict and always escaped (the document is XML)."""
    return _strict(autoescape=True)


def _yaml_string(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)


@cache
def yaml_environment(folder: Path) -> jinja2.Environment:
    """Templates of YAML under `folder`: strict, never escaped; `q` quotes a value as a YAML string."""
    env = _strict(False, jinja2.FileSystemLoader(folder))
    env.filters["q"] = _yaml_string
    return env
