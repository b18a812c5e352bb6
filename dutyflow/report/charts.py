"""The report's charts as PNG: indicators against their targets, and who reported on time.

matplotlib's object API on the Agg canvas (no pyplot, no global state, no display needed). The
font is a Times-metric or DejaVu face that holds every Vietnamese letter; labels come from the
message catalogue.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dutyflow.completeness import Outcome
from dutyflow.indicators import Attainment, format_target, format_value
from dutyflow.messages import t
from dutyflow.plan import Measure
from dutyflow.report.data import ReportContext, unit_outcomes

FONT_CANDIDATES = ("Liberation Serif", "Tinos", "DejaVu Serif", "DejaVu Sans")
"""Faces with full Vietnamese coverage, Times-like first (fonts-liberation2, fonts-croscore)."""

COLOURS = {
    Attainment.DAT: "#2e7d32",
    Attainment.KHONG_DAT: "#c62828",
    Attainment.NO_BASELINE: "#757575",
    Attainment.NO_DATA: "#757575",
    Attainment.NOT_DUE: "#757575",
}
OUTCOME_COLOURS = {
    Outcome.ON_TIME: "#2e7d32",
    Outcome.LATE: "#f9a825",
    Outcome.RETURNED: "#6a1b9a",
    Outcome.AWAITING: "#1565c0",
    Outcome.MISSING: "#c62828",
}
WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with Decree 30 margins
DPI = 200
NAME_CHARS = 48
INDICATOR_ROW_IN = 0.16  # height of one bar's row: 33 indicators make a chart of about 16 cm
UNIT_ROW_IN = 0.12  # 30 units make a chart of about 12 cm


@cache
def font_family() -> str:
    """The first installed face of FONT_CANDIDATES (matplotlib's bundled DejaVu Sans at worst)."""
    for name in FONT_CANDIDATES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        return name
    return "DejaVu Sans"


def draw_charts(rc: ReportContext, out_dir: Path, stem: str) -> dict[str, Path]:
    """Both charts as PNG files in `out_dir`, named `<stem>-<chart>.png`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = {"attainment": attainment_chart(rc), "completeness": completeness_chart(rc)}
    paths = {}
    for name, png in charts.items():
        path = out_dir / f"{stem}-{name}.png"
        path.write_bytes(png)
        paths[name] = path
    return paths


def _figure(rows: int, row_in: float) -> Figure:
    figure = Figure(figsize=(WIDTH_IN, 1.2 + row_in * max(rows, 1)), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip(" ,;") + "…"


def _style() -> Any:  # matplotlib types rc keys as a Literal of every name
    """Every text of a chart in the chosen face (tick labels included), at document sizes."""
    return {"font.family": [font_family()], "font.size": 7, "axes.titlesize": 9, "axes.labelsize": 7.5}


def _finish(
    figure: Figure, axes: Axes, rows: int, title: str, xlabel: str, legend: list[Artist], columns: int
) -> bytes:
    axes.set_ylim(-0.7, rows - 0.3)
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontweight="bold")
    axes.spines[["top", "right"]].set_visible(False)
    figure.legend(handles=legend, loc="lower center", ncols=columns, frameon=False)
    legend_height = 0.32 / figure.get_figheight()
    figure.tight_layout(rect=(0, legend_height, 1, 1))
    return _png(figure)


def attainment_chart(rc: ReportContext) -> bytes:
    """One row per indicator: a bar for a percentage with its target marked, the figure in words
    for the other measures; coloured by attainment."""
    results = rc.indicators
    with matplotlib.rc_context(_style()):
        figure = _figure(len(results), INDICATOR_ROW_IN)
        axes = figure.add_subplot()
        positions = list(range(len(results)))[::-1]
        upper = 100.0
        for y, result in zip(positions, results, strict=True):
            colour = COLOURS[result.attainment]
            x = 0.0
            if result.measure is Measure.PERCENT and result.value is not None:
                x = float(result.value)
                upper = max(upper, x)
                axes.barh(y, x, color=colour, height=0.62)
                label = format_value(result)
            elif result.value is not None:
                target = format_target(result)
                label = t(
                    "report.chart.other_measure", value=format_value(result), target=target[:1].lower() + target[1:]
                )
            else:
                label = format_value(result)
            if result.measure is Measure.PERCENT and result.target is not None:
                target_x = float(result.target)
                axes.plot([target_x] * 2, [y - 0.4, y + 0.4], color="black", linewidth=1.2)
                if result.value is not None:
                    x = max(x, target_x)
            axes.text(x + 1.2, y, label, va="center", ha="left", fontsize=6.5, color=colour)
        axes.set_yticks(positions, [_short(f"{r.code} {r.name}") for r in results], fontsize=6.5)
        axes.set_xlim(0, upper * 1.3)
        axes.set_xticks([0, 20, 40, 60, 80, 100])
        legend: list[Artist] = [
            Patch(color=COLOURS[Attainment.DAT], label=t("report.attainment.dat")),
            Patch(color=COLOURS[Attainment.KHONG_DAT], label=t("report.attainment.khong_dat")),
            Patch(color=COLOURS[Attainment.NO_DATA], label=t("report.chart.not_assessed")),
            Line2D([0], [0], color="black", linewidth=1.2, label=t("report.chart.target")),
        ]
        return _finish(
            figure,
            axes,
            len(results),
            t("report.chart.attainment_title"),
            t("report.chart.attainment_axis"),
            legend,
            4,
        )


MAX_CHART_UNITS = 40
"""Above this many units (a province, the country) the chart shows the units with the most reports
missing, returned or late: one bar per unit would make an image of hundreds of thousands of pixels."""


def completeness_chart(rc: ReportContext) -> bytes:
    """One stacked bar per unit: its reports on time, late, returned, awaiting, not sent."""
    order = (Outcome.ON_TIME, Outcome.LATE, Outcome.RETURNED, Outcome.AWAITING, Outcome.MISSING)
    rows = unit_outcomes(rc)
    if len(rows) > MAX_CHART_UNITS:
        worst = sorted(
            rows,
            key=lambda row: (-row[1][Outcome.MISSING], -row[1][Outcome.RETURNED], -row[1][Outcome.LATE], row[0]),
        )
        keep = {name for name, _ in worst[:MAX_CHART_UNITS]}
        rows = [row for row in rows if row[0] in keep]
    with matplotlib.rc_context(_style()):
        figure = _figure(len(rows), UNIT_ROW_IN)
        axes = figure.add_subplot()
        positions = list(range(len(rows)))[::-1]
        widest = 1
        for y, (_, counts) in zip(positions, rows, strict=True):
            left = 0
            for kind in order:
                if counts[kind]:
                    axes.barh(y, counts[kind], left=left, color=OUTCOME_COLOURS[kind], height=0.62)
                    left += counts[kind]
            widest = max(widest, left)
        axes.set_yticks(positions, [_short(name) for name, _ in rows], fontsize=6.5)
        axes.set_xlim(0, widest)
        axes.set_xticks(range(widest + 1))
        legend: list[Artist] = [
            Patch(color=OUTCOME_COLOURS[kind], label=t(f"report.chart.{kind.value}")) for kind in order
        ]
        return _finish(
            figure,
            axes,
            len(rows),
            t("report.chart.completeness_title"),
            t("report.chart.completeness_axis"),
            legend,
            5,
        )
