"""The catalogue of user-facing wording (Vietnamese), kept outside Python in templates/messages.

Every `*.yaml` file of that folder is one part of the catalogue; their top-level sections must
not overlap. Keys are "section.name"; values are str.format templates.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dutyflow.paths import TEMPLATES_DIR

CATALOGUE_DIR = TEMPLATES_DIR / "messages"


@cache
def _catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict):
            raise RuntimeError(f"message catalogue {path} must be a mapping")
        clash = merged.keys() & data.keys()
        if clash:
            raise RuntimeError(f"message sections {sorted(clash)} of {path} are defined twice")
        merged.update(data)
    return merged


def t(key: str, /, **values: Any) -> str:
    """The message `key` ("section.name") with `values` filled in."""
    return _template(key).format(**values)


@cache
def _template(key: str) -> str:
    """The catalogue's text for `key`, looked up once (templates call `t` thousands of times)."""
    node: Any = _catalogue()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no message {key!r} in {CATALOGUE_DIR}")
        node = node[part]
    return str(node)
