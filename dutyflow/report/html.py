"""The same report as one self-contained HTML page (charts inline as data: URIs)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

from dutyflow.templating import environment

TEMPLATE = "report/report.html.j2"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(context: Mapping[str, object], charts: Mapping[str, Path], out: Path) -> Path:
    """Write the page to `out`. The shared environment autoescapes *.html.j2 and is strict."""
    values = dict(context)
    for name, path in charts.items():
        values[f"chart_{name}"] = data_uri(path.read_bytes())
    page = environment().get_template(TEMPLATE).render(values)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
