"""The catalogue of user-facing wording (Vietnamese), kept outside Python in templates/messages."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dutyflow.paths import TEMPLATES_DIR

CATALOGUE = TEMPLATES_DIR / "messages" / "vi.yaml"


@cache
def _catalogue(path: Path = CATALOGUE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise RuntimeError(f"message catalogue {path} must be a mapping")
    return data


def t(key: str, /, **values: Any) -> str:
    """The message `key` ("section.name") with `values` filled in."""
    node: Any = _catalogue()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"no message {key!r} in {CATALOGUE}")
        node = node[part]
    return str(node).format(**values)
