"""Prefect's side of `dutyflow.run_now`: a flow run now through its served deployment (the run's
address in the Prefect UI), or in this process on the given resources when none is served; a changed
schedule pushed to the served deployment. The CLI's `run` commands and the console share it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from dutyflow.messages import t
from dutyflow.resources import Resources
from dutyflow.run_now import Pushed, RunFlow, RunRequest, RunResult, runnable_flows
from dutyflow.store.db import session_scope
from dutyflow.wording import plan_wording
from flows import _prefect_api


def run_in_process(rt: Resources, request: RunRequest) -> RunResult:
    """Run `request`'s flow here, on `rt`, and say what it did (the CLI's lines)."""
    from flows._common import override
    from flows.assign import assign
    from flows.chase import chase
    from flows.consolidate import consolidate_flow

    if request.flow is RunFlow.INTAKE_MAIL:
        return _intake_mail(rt, request)
    with override(rt):
        if request.flow is RunFlow.CONSOLIDATE:
            report = consolidate_flow(as_of=request.as_of, final=request.report.final)
            addressee = plan_wording(rt.loaded_plan()).report_addressee
            headline = t("cli.report_final", addressee=addressee) if report.final else t("cli.report_draft")
            return RunResult(request.flow, summary=headline, files=list(report.files), notes=list(report.notes))
        flow = assign if request.flow is RunFlow.ASSIGN else chase
        mail = flow(as_of=request.as_of)
    return RunResult(
        request.flow, summary=t("cli.flow_done", flow=request.flow.label, units=mail.units, sent=mail.sent)
    )


def _intake_mail(rt: Resources, request: RunRequest) -> RunResult:
    """Read the office's mailbox now; what it did, and each message waiting for the office's review."""
    from dutyflow.mailin.ledger import review_queue
    from flows._common import override
    from flows.intake_mail import intake_mail

    with override(rt):
        done = intake_mail(as_of=request.as_of)
    with session_scope(rt.engine) as session:
        waiting = [
            t("mailin.review_line", sender=row.sender, subject=row.subject, reason=row.reason).strip()
            for row in review_queue(session)
        ]
    return RunResult(request.flow, summary=t("mailin.done", **asdict(done)), notes=waiting)


@dataclass(frozen=True)
class PrefectLauncher:
    """Runs and schedules through the Prefect server of the settings (PREFECT_API_URL), when one is
    configured and serves the flow's deployment; otherwise runs in this process on `rt`."""

    rt: Resources

    def push_schedule(self, flow: str, cron: str, timezone: str) -> tuple[Pushed, str]:
        if not _prefect_api.served_api():
            return Pushed.NOT_SERVED, ""
        try:
            pushed = _prefect_api.push_schedule(flow, cron, timezone)
        except Exception as exc:  # the server did not answer: the schedule applies at the next `serve`
            return Pushed.FAILED, str(exc)
        return (Pushed.PUSHED if pushed else Pushed.NOT_SERVED), ""

    def flows(self) -> list[RunFlow]:
        return runnable_flows(mailbox=self.rt.imap_mailbox() is not None)

    def run(self, request: RunRequest) -> RunResult:
        if _prefect_api.served_api():
            url = _prefect_api.start_deployment_run(request.flow.value, request.parameters())
            if url is not None:
                return RunResult(request.flow, run_url=url)
        return run_in_process(self.rt, request)


__all__ = ["PrefectLauncher", "run_in_process"]
