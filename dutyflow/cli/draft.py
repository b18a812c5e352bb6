"""`dutyflow plan draft FILE [--out PLAN.yaml] [--compare PLAN]`: the command, registered in dutyflow/cli/plan.py.

Thin: drafts, writes, checks the written file with the plan loader (so the draft is known to pass
`plan check`), prints a summary, and with --compare the share of a reference plan's fields the
draft recovered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from dutyflow.cli.output import Cell, Output
from dutyflow.formatting import format_number
from dutyflow.messages import t
from dutyflow.plan import PlanError, load_plan
from dutyflow.plan_drafting import draft_name
from dutyflow.plandraft.compare import Comparison, compare_plans
from dutyflow.plandraft.document import DraftError
from dutyflow.plandraft.draft import draft_plan
from dutyflow.plandraft.rules import load_rules

console = Output()
errors = Output(stderr=True)
"""The CLI's own streams: never wrapped nor read as markup when piped (a path may hold "[")."""


def _fail(message: str) -> typer.Exit:
    errors.print(Text.assemble((t("usage.error"), "bold red"), " ", message))
    return typer.Exit(1)


def plan_draft(
    file: Annotated[Path, typer.Argument(help=t("plandraft.help_file"), show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help=t("plandraft.help_out"), show_default=False)] = None,
    compare: Annotated[
        Path | None, typer.Option("--compare", help=t("plandraft.help_compare"), show_default=False)
    ] = None,
) -> None:
    try:
        draft = draft_plan(file)
    except DraftError as exc:
        raise _fail(str(exc)) from None
    target = out or file.with_name(draft_name(file.name))
    try:
        target.write_text(draft.yaml(), encoding="utf-8")
    except OSError as exc:
        raise _fail(t("plandraft.cannot_write", path=target, problem=exc.strerror or exc)) from None
    try:
        plan = load_plan(target)
    except PlanError as exc:
        raise _fail(t("plandraft.check_failed", path=target) + "\n" + exc.render()) from None
    console.print(t("plandraft.summary", path=target, **draft.counts), highlight=False)
    if compare is not None:
        try:
            reference = load_plan(compare)
        except PlanError as exc:
            raise _fail(exc.render()) from None
        print_comparison(compare_plans(plan, reference, load_rules().units), compare)


def print_comparison(comparison: Comparison, reference: Path) -> None:
    rows: list[list[Cell]] = []
    for section in comparison.sections:
        ok, total = comparison.share(section)
        rows.append([section, f"{ok}/{total}", f"{format_number(100 * ok / max(total, 1), 0)}%"])
    ok, total = comparison.share()
    share = f"{format_number(100 * ok / max(total, 1), 1)}%"
    rows.append([Text(t("plandraft.col_total"), style="bold"), Text(f"{ok}/{total}", style="bold"), Text(share, style="bold")])
    console.table(
        t("plandraft.compare_title", path=reference),
        [t("plandraft.col_section"), t("plandraft.col_recovered"), t("plandraft.col_share")],
        rows,
        justify=["left", "right", "right"],
    )
    misses = [r for r in comparison.rows if not r.ok]
    if misses:
        console.print(t("plandraft.misses", count=len(misses)), highlight=False)
        for r in misses:
            console.print(
                t(
                    "plandraft.miss",
                    section=r.section,
                    item=r.item,
                    field=r.field,
                    expected=r.expected[:70],
                    got=r.got[:70],
                ),
                highlight=False,
                markup=False,
            )
