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
import pickle
import threading
from collections.abc import Callable, MutableMapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from jinja2.filters import do_indent, do_wordwrap

from dutyflow.formatting import FILTERS
from dutyflow.paths import TEMPLATES_DIR

Autoescape = bool | Callable[[str | None], bool]


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """`x.name` on a plain dict looks the key up at once. Jinja first tries the attribute, which a
    dict never has unless `name` is one of its methods, and only then the key: the failed attempt
    raises and catches an AttributeError, about 140 times per assignment email (their contexts are
    TypedDicts). The result is the same: a dict method's name still gives the method."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shared_kept: dict[tuple[str, bytes], str] = {}
        """The fragments `shared` rendered in this environment."""
        self.shared_lock = threading.Lock()
        """A flow's task threads render at once: one of them at a time adds or evicts a fragment."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not Jinja's ChainMap over the environment's: every
        `{% from ... import %}` of a render checks the context's globals against the imported
        template's, key by key, and a ChainMap answers each in Python (a tenth of rendering an
        assignment). The environment's globals are set before any template is loaded, as Jinja
        asks, so a copy made at load sees the same."""
        return {**self.globals, **(d or {})}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _strict(autoescape: Autoescape, loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    """Strict, with the formatting filters; templates read from files (`loader`) drop the line
    after a block tag and the indentation before it, and keep their last newline."""
    from_files = loader is not None
    env = _Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=from_files,
        lstrip_blocks=from_files,
        keep_trailing_newline=from_files,
        auto_reload=False,  # templates do not change under a running process; no stat per render
    )
    env.filters.update(FILTERS)
    return env


TEXT_WIDTH = 72
"""Columns of the text parts of emails."""


@jinja2.pass_environment
def wrap(env: jinja2.Environment, text: object, indent: int = 0) -> str:
    """The text parts' `wrap` (imported from templates/email/_macros.txt.j2): `text` wrapped at
    72 columns, its continuation lines indented by `indent`. A function, remembered, not a macro:
    a national assignment wraps the same sentences for thousands of units, and the macro calls and
    textwrap were most of its rendering time."""
    return _wrapped(env, str(text), indent)


@lru_cache(maxsize=16384)
def _wrapped(env: jinja2.Environment, text: str, indent: int) -> str:
    wrapped = do_wordwrap(env, text, TEXT_WIDTH - indent, break_long_words=False, break_on_hyphens=False)
    return do_indent(wrapped, indent)


SHARED_KEPT = 1024
"""Fragments `shared` remembers (per process, the oldest forgotten first)."""


@jinja2.pass_environment
def shared(env: jinja2.Environment, name: str, /, **values: object) -> str:
    """Template `name` rendered with `values` alone, remembered by their contents: a part of a
    message that does not depend on its recipient (an assignment's duties and reports, the same for
    every commune of a kind) is rendered once for all of them, not once per unit (docs/decisions.md,
    "The dispatcher renders while the database commits"). HTML stays safe markup."""
    if not isinstance(env, _Environment):
        return _fragment(env, name, values)
    key = (name, pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL))  # by content, in C
    text = env.shared_kept.get(key)
    if text is None:
        text = _fragment(env, name, values)
        with env.shared_lock:
            if len(env.shared_kept) >= SHARED_KEPT:
                del env.shared_kept[next(iter(env.shared_kept))]
            env.shared_kept[key] = text
    return text


def _fragment(env: jinja2.Environment, name: str, values: dict[str, object]) -> str:
    rendered = env.get_template(name).render(values)
    return markupsafe.Markup(rendered) if _escaped(env, name) else rendered


def _escaped(env: jinja2.Environment, name: str) -> bool:
    autoescape = env.autoescape
    return bool(autoescape(name) if callable(autoescape) else autoescape)


@cache
def environment() -> jinja2.Environment:
    """The one environment over templates/ (cached): strict, HTML-escaped for *.html.j2 only."""
    html_only = jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False)
    env = _strict(html_only, jinja2.FileSystemLoader(TEMPLATES_DIR))
    env.globals["wrap_text"] = wrap
    env.globals["shared"] = shared
    return env


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
