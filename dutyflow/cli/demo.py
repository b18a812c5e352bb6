"""`dutyflow demo`: the whole year of the bundled plan, simulated, with a summary of what was sent."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from dutyflow.cli.common import console, errors, fail, read_plan
from dutyflow.messages import t
from dutyflow.paths import BUNDLED_PLAN


def demo(
    out: Annotated[Path | None, typer.Option("--out", help=t("help.out"))] = None,
    seed: Annotated[int, typer.Option("--seed", help=t("help.seed"))] = 2025,
    quick: Annotated[bool, typer.Option("--quick", help=t("help.quick"))] = False,
    plan_path: Annotated[Path | None, typer.Option("--plan", help=t("help.demo_plan"), show_default=False)] = None,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from flows.simulate import demo_span, run_demo

    plan_path = (plan_path or BUNDLED_PLAN).resolve()
    first, last = demo_span(read_plan(plan_path))
    data_dir = (out or Path(tempfile.mkdtemp(prefix="dutyflow-demo-"))).resolve()
    console.print(t("demo.data_dir", path=data_dir))
    start, end = first.toordinal(), last.toordinal()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[day]}"),
        TimeElapsedColumn(),
        console=console.console,
    ) as bar:
        task = bar.add_task(t("demo.progress"), total=end - start, day="")

        def advance(day: dt.date, _: str) -> None:
            bar.update(task, completed=min(day.toordinal() - start, end - start), day=day.strftime("%d/%m/%Y"))

        try:
            result = run_demo(data_dir, plan_path=plan_path, seed=seed, quick=quick, progress=advance)
        except Exception as exc:  # any failure ends with a sentence, never a traceback
            raise fail(t("demo.failed", reason=str(exc) or type(exc).__name__, path=data_dir)) from None
        bar.update(task, completed=end - start)
    console.table(
        t("demo.summary_title"),
        [t("demo.col_what"), t("demo.col_count")],
        [[t(f"demo.template.{template}"), str(count)] for template, count in sorted(result.messages.items())]
        + [[t(f"demo.state.{state.replace(' ', '_')}"), str(count)] for state, count in sorted(result.states.items())],
        justify=("left", "right"),
    )
    console.print(t("demo.cast", never=result.cast.get("never", ""), corrects=result.cast.get("corrects", "")))
    if result.cast.get("email"):
        console.print(t("mailin.demo_email", units=result.cast["email"]))
    for key in ("pdf", "docx", "html", "status", "mail"):
        if key in result.files:
            console.print(t(f"demo.file.{key}", path=result.files[key]))
    if result.issued is not None:
        issued = result.issued
        console.print(t("approval.demo_issued", number=issued.number, sent=issued.sent, path=issued.signed))
        for line in issued.verification:
            console.print(f"  {line}", soft_wrap=True)
        console.print(t("approval.demo_verify", file=issued.signed, trust=issued.trust), soft_wrap=True)
    console.print(t("demo.eml", path=data_dir / "mail"))
    console.print(t("demo.prefect_ui", home=data_dir / "prefect"))
    for note in result.notes:
        errors.print(Text(str(note), style="yellow"))
    console.print(t("demo.done_in", seconds=round(result.seconds), days=result.days))
