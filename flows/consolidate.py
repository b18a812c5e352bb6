"""Flow `consolidate`: the plan's consolidated report, a draft before the last days, the final one after.

The final report is made, recorded and emailed once for its consolidated obligation: a scheduled
run on a later day returns it and sends nothing new (`dutyflow.consolidate`)."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from dutyflow.consolidate import Consolidation, consolidate, is_final
from dutyflow.flow_results import ReportRun
from dutyflow.messages import t
from dutyflow.notify import Notifier
from dutyflow.wording import plan_wording, report_email_title
from flows._common import resolve_now, resources, run_name
from tasks.notify import send_report


@task(name="build-report", cache_policy=NO_CACHE)
def build(as_of: dt.date, now: dt.datetime, final: bool) -> Consolidation:
    runtime = resources()
    out_root = runtime.settings.data_dir / "reports"
    return consolidate(runtime.engine, runtime.files, out_root, as_of, now, final=final)


def email(notifier: Notifier, delay: float, result: Consolidation, as_of: dt.date, now: dt.datetime) -> int:
    """The final report to the leadership, once for its consolidated obligation; a send refused
    before it began is retried like every other sending task (tasks/notify.py)."""
    if not result.final or result.obligation_id is None:
        return 0
    files = [p for p in (result.files.pdf, result.files.docx, result.files.narratives) if p is not None]
    title = report_email_title(notifier.plan)
    task = send_report.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=delay))
    return len(task(notifier, files, as_of, now, title, result.obligation_id).sent)


@flow(name="consolidate", flow_run_name=lambda: run_name("flows.consolidate_run"), log_prints=True)
def consolidate_flow(as_of: dt.date | None = None, final: bool | None = None) -> ReportRun:
    runtime = resources()
    notifier = runtime.notifier()
    today, now = resolve_now(as_of, notifier.calendar.tz)
    make_final = is_final(runtime.engine, today) if final is None else final
    result = build(today, now, make_final)
    sent = email(notifier, runtime.settings.retry_delay_seconds, result, today, now)
    paths = [
        p for p in (result.files.docx, result.files.pdf, result.files.html, result.files.narratives) if p is not None
    ]
    create_table_artifact(
        key="consolidate-indicators", table=result.indicators, description=t("flows.consolidate_title")
    )
    lines = [
        t("flows.summary_title", title=t("flows.consolidate_title"), day=today.strftime("%d/%m/%Y")),
        t("flows.report_kind_final", addressee=plan_wording(notifier.plan).report_addressee)
        if make_final
        else t("flows.report_kind_draft"),
        t("flows.report_files", files=", ".join(str(p) for p in paths)),
        *[f"- {note}" for note in result.files.notes],
    ]
    create_markdown_artifact(key="consolidate-summary", markdown="\n".join(lines))
    return ReportRun(final=make_final, files=[str(p) for p in paths], sent=sent, notes=list(result.files.notes))
