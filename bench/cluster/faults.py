"""Process-level fault tests of the cluster (`bash bench/cluster.sh up` first).

    python -m bench.cluster.faults [SCENARIO ...] [--trials 10] [--communes 1000]
    bash bench/cluster.sh faults [SCENARIO ...]

Scenarios (default: all, in this order):
  kill-worker   SIGKILL the process running a chase flow run at a random point, --trials times;
                then rerun the same day and the next working day. Lost must be 0; duplicates only
                for rows 'claimed' at the kill, re-sent with the same Message-ID.
  smtp-outage   stop the SMTP sink during a chase, start it again; the task retries deliver
                everything; the outage shows in `dutyflow status --json` ("problem") meanwhile.
  two-runs      two flow runs of the chase deployment with the same as_of at once, one per
                worker: 0 duplicates, both complete; then the same with no portal token issued yet
                (both runs create the units' first links at once).
  pg-restart    `pg_ctlcluster --skip-systemctl-redirect 15 main restart` during a chase; the
                store stays consistent; a rerun completes the chase; counts match the sink.
  load-crash    SIGKILL `dutyflow plan load` of the national plan inside its transaction: the
                store must be as before or as after (table fingerprints).
  submit-crash  SIGKILL a process submitting files in a loop (dutyflow.intake.submit_file): the
                store must equal the store after some whole number of submissions.

The in-process versions of these faults are tests/test_chase_exactly_once.py and
tests/test_chase_smtp_faults.py; here real processes die. Every wait is bounded; each scenario
prints its figures and PASS or FAIL, and the exit status is 1 when one failed.

Why DUTYFLOW_CLAIM_LEASE_MINUTES=0.05 in the chase runs of these tests: a claim that was never
confirmed is taken over once `now - claimed_at` exceeds the lease, and `now` is the run's own
clock: 08:00 of its `as_of` day (flows/_common.py `resolve_now`). So a rerun on the SAME day never
re-sends such a claim, whatever the lease (its `now` equals `claimed_at`): the run on the next
working day (08:00, a day later) does. A lease of 3 seconds keeps "a day later" far past the lease
and still protects the claims of a live run, which all carry the same `now`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import Engine, text

from bench.cluster import config, prefect_api, store
from bench.cluster.fingerprint import Fingerprint, compare, counts, dsn, fingerprint
from bench.cluster.run import districts_for, plan_file
from bench.cluster.sinklog import clear_sink, count_lines, read_sink

DAY = dt.date(2025, 5, 26)
"""The chase day: every unit's escalation step is due (bench/cluster/run.py)."""
NEXT_DAY = dt.date(2025, 5, 27)
"""The next working day: no new step falls due, so its run only takes over unconfirmed claims."""
FAULT_ENV = {
    "DUTYFLOW_CLAIM_LEASE_MINUTES": "0.05",
    "DUTYFLOW_BATCH_SIZE": "100",
    "DUTYFLOW_RETRY_DELAY_SECONDS": "4",
}
RUN_TIMEOUT = 600.0
CLUSTER_SH = config.ROOT / "bench" / "cluster.sh"


def say(text_: str) -> None:
    print(text_, flush=True)


# --------------------------------------------------------------------------- chase plumbing


@dataclass
class Stage:
    """One flow run of the scenario and what the sink got meanwhile."""

    label: str
    state: str
    delivered: int
    seconds: float


@dataclass
class ChaseCheck:
    """The verdict on the outbox and the sink after a scenario."""

    expected_slots: int
    sink_messages: int
    sink_distinct: int
    duplicate_deliveries: int
    duplicated_ids: set[str]
    lost_slots: int
    unknown_at_sink: int
    unexplained_duplicates: int
    rows_by_status: dict[str, int]
    mixed_messages: int
    """Message-IDs whose outbox rows do not all have the same status (a half-recorded message)."""
    digests: int
    """Weekly digests delivered (one is due on the chase day, a Monday)."""

    @property
    def ok(self) -> bool:
        return (
            self.lost_slots == 0
            and self.unknown_at_sink == 0
            and self.unexplained_duplicates == 0
            and self.mixed_messages == 0
            and set(self.rows_by_status) <= {"sent", "refused"}
            and self.digests == 1
        )

    def lines(self) -> list[str]:
        return [
            f"expected outbox slots {self.expected_slots}; rows {dict(sorted(self.rows_by_status.items()))}",
            f"sink: {self.sink_messages} deliveries, {self.sink_distinct} distinct Message-IDs",
            f"lost (expected slot not delivered) {self.lost_slots}; Message-IDs at the sink unknown to the outbox "
            f"{self.unknown_at_sink}",
            f"duplicates: {self.duplicate_deliveries} extra deliveries of {len(self.duplicated_ids)} Message-IDs, "
            f"{self.unexplained_duplicates} not explained by a claim unconfirmed at the fault",
            f"messages with rows in different states {self.mixed_messages}; weekly digests delivered {self.digests}",
        ]


def check_chase(engine: Engine, cluster: config.Cluster, expected: store.Expected, unconfirmed: set[str]) -> ChaseCheck:
    """Lost, duplicates and consistency, from the outbox and the sink's log.

    A slot (obligation, round, step, recipient) is delivered when its row is sent (or refused) and
    its Message-ID reached the sink addressed to that recipient. A duplicate is explained when its
    Message-ID belongs to a row that was 'claimed' (unconfirmed) when the fault hit."""
    deliveries = read_sink(cluster.sink_log)
    at_sink = Counter(d.message_id for d in deliveries)
    reached = {(d.message_id, r) for d in deliveries for r in d.recipients}
    outbox = store.outbox(engine)
    by_key = {key: (status, mid, rcpt) for key, status, mid, rcpt, _ in outbox.rows}
    lost = 0
    for slot in expected.slots:
        status, mid, rcpt = by_key.get(slot, ("missing", "", ""))
        if status not in {"sent", "refused"} or (mid, rcpt) not in reached:
            lost += 1
    statuses_of: dict[str, set[str]] = {}
    for _, status, mid, _, _ in outbox.rows:
        statuses_of.setdefault(mid, set()).add(status)
    duplicated = {mid for mid, n in at_sink.items() if n > 1}
    return ChaseCheck(
        expected_slots=len(expected.slots),
        sink_messages=len(deliveries),
        sink_distinct=len(at_sink),
        duplicate_deliveries=sum(n - 1 for n in at_sink.values()),
        duplicated_ids=duplicated,
        lost_slots=lost,
        unknown_at_sink=len(set(at_sink) - outbox.message_ids()),
        unexplained_duplicates=len(duplicated - unconfirmed),
        rows_by_status=dict(outbox.by_status),
        mixed_messages=sum(1 for s in statuses_of.values() if len(s) > 1),
        digests=len({mid for key, _, mid, _, _ in outbox.rows if key.startswith("digest:")} & set(at_sink)),
    )


class ChaseBench:
    """The cluster store holding the fault-test plan, reset to "announced, nothing sent" on demand."""

    def __init__(self, cluster: config.Cluster, communes: int) -> None:
        self.cluster = cluster
        self.communes = communes
        self.engine = store.engine_for(cluster)
        self._expected: store.Expected | None = None

    def prepare(self) -> store.Expected:
        """Load the plan once (if the store holds another one), then reset the outbox."""
        if self._expected is None:
            units = self._units()
            wanted = 1 + districts_for(self.communes) + self.communes
            if units != wanted:
                say(f"  loading a plan of {self.communes} communes into {self.cluster.store_db} ...")
                path, _ = plan_file(self.cluster, self.communes)
                self.engine.dispose()
                store.reset_schema(self.cluster)
                store.dutyflow(self.cluster, "plan", "load", str(path))
                store.announce(self.engine, store.morning(DAY))
                store.issue_tokens(self.engine, store.morning(DAY), store.secret_of(self.cluster))
        self.reset()
        if self._expected is None:
            self._expected = store.expected_on(self.engine, DAY)
            say(f"  {self._expected.messages} messages ({len(self._expected.slots)} outbox slots) due on {DAY}")
        return self._expected

    def _units(self) -> int:
        try:
            with self.engine.connect() as connection:
                return int(connection.execute(text("SELECT count(*) FROM units")).scalar_one())
        except Exception:
            return -1

    def reset(self) -> None:
        store.reset_chase(self.engine, store.morning(DAY))
        clear_sink(self.cluster.sink_log)

    def unconfirmed(self) -> set[str]:
        """Message-IDs of the rows that are 'claimed' now (sent or not, nobody confirmed them)."""
        return store.outbox(self.engine).message_ids("claimed")

    def run(self, label: str, day: dt.date, env: dict[str, str] | None = None, timeout: float = RUN_TIMEOUT) -> Stage:
        """One chase run through the deployment, waited for."""
        before = count_lines(self.cluster.sink_log)
        start = time.monotonic()
        (run_id,) = prefect_api.start_runs(prefect_api.CHASE, {"as_of": day.isoformat()}, env=env or FAULT_ENV)
        (final,) = prefect_api.wait_runs([run_id], timeout=timeout)
        return Stage(
            label,
            prefect_api.state_of(final),
            count_lines(self.cluster.sink_log) - before,
            time.monotonic() - start,
        )

    def finish(self, stages: list[Stage], *, tries: int = 2) -> None:
        """Rerun until the chase is done: the same day while a run did not complete or left failed
        rows or due units (a retry), then the next working day for unconfirmed claims (the lease)."""
        for _ in range(tries):
            rows = store.outbox(self.engine).by_status
            completed = all(part == "Completed" for part in stages[-1].state.split("+"))
            if completed and not rows.get("failed") and not store.pending_units(self.engine, DAY):
                break
            stages.append(self.run(f"rerun as_of {DAY}", DAY))
        if store.outbox(self.engine).by_status.get("claimed") or store.pending_units(self.engine, NEXT_DAY):
            stages.append(self.run(f"rerun as_of {NEXT_DAY}", NEXT_DAY))


def wait_sink(log: Path, target: int, timeout: float, every: float = 0.02) -> int:
    """Until the sink has `target` messages; return the count (raise after `timeout` s)."""
    start = time.monotonic()
    while True:
        n = count_lines(log)
        if n >= target:
            return n
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"the sink has {n} of {target} messages after {timeout:.0f}s")
        time.sleep(every)


def flow_run_process(run_id: UUID, timeout: float = 120) -> int:
    """The pid of the process executing the flow run, checked against its environment."""
    run = prefect_api.wait_started(run_id, timeout)
    pid = prefect_api.infrastructure_pid(run)
    if pid is None:
        raise RuntimeError(f"flow run {run_id} has no infrastructure pid")
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    if f"PREFECT__FLOW_RUN_ID={run_id}".encode() not in environ:
        raise RuntimeError(f"pid {pid} is not the process of flow run {run_id}")
    return pid


def print_stages(stages: list[Stage]) -> None:
    for stage in stages:
        say(f"    {stage.label:<28} {stage.state:<10} {stage.delivered:>6} delivered  {stage.seconds:6.1f} s")


# --------------------------------------------------------------------------- scenarios


@dataclass
class Result:
    name: str
    ok: bool
    figures: dict[str, Any] = field(default_factory=dict)


def kill_worker(cluster: config.Cluster, bench: ChaseBench, trials: int, rng: random.Random) -> Result:
    """SIGKILL the flow run's process at a random message count, then rerun (same day, next day)."""
    say("\n== kill-worker: SIGKILL the process running the chase flow run, at random points")
    rows: list[dict[str, Any]] = []
    all_ok = True
    for trial in range(1, trials + 1):
        expected = bench.prepare()
        target = rng.randint(1, max(1, int(expected.messages * 0.95)))
        (run_id,) = prefect_api.start_runs(prefect_api.CHASE, {"as_of": DAY.isoformat()}, env=FAULT_ENV)
        pid = flow_run_process(run_id)
        at_kill = wait_sink(cluster.sink_log, target, timeout=RUN_TIMEOUT, every=0.005)
        os.kill(pid, signal.SIGKILL)
        killed_at = count_lines(cluster.sink_log)
        (crashed,) = prefect_api.wait_runs([run_id], timeout=120)
        unconfirmed = bench.unconfirmed()
        # Claimed, but not at the sink when the process died: killed between claim and send.
        not_sent = len(unconfirmed - {d.message_id for d in read_sink(cluster.sink_log)})
        stages = [Stage("killed run", prefect_api.state_of(crashed), killed_at, 0.0)]
        stages.append(bench.run(f"rerun as_of {DAY}", DAY))
        still_claimed = len(bench.unconfirmed())
        stages.append(bench.run(f"rerun as_of {NEXT_DAY}", NEXT_DAY))
        check = check_chase(bench.engine, cluster, expected, unconfirmed)
        row = {
            "trial": trial,
            "kill_after": at_kill,
            "sink_at_kill": killed_at,
            "killed_state": stages[0].state,
            "claimed_at_kill": len(unconfirmed),
            "claimed_not_sent": not_sent,
            "rerun_same_day": stages[1].delivered,
            "claimed_after_same_day": still_claimed,
            "rerun_next_day": stages[2].delivered,
            "sink": check.sink_messages,
            "duplicates": check.duplicate_deliveries,
            "unexplained": check.unexplained_duplicates,
            "lost": check.lost_slots,
            "ok": check.ok,
        }
        rows.append(row)
        all_ok &= check.ok
        say(
            f"  trial {trial:2}: kill at {killed_at:>5}/{expected.messages} ({stages[0].state}), claimed at kill "
            f"{len(unconfirmed)} ({not_sent} not yet at the sink); same-day rerun +{stages[1].delivered} (claims left {still_claimed}); next-day "
            f"rerun +{stages[2].delivered}; duplicates {check.duplicate_deliveries} (unexplained "
            f"{check.unexplained_duplicates}); lost {check.lost_slots}  {'ok' if check.ok else 'FAIL'}"
        )
        if not check.ok:
            for line in check.lines():
                say(f"      {line}")
    keys = ("claimed_at_kill", "claimed_not_sent", "duplicates", "unexplained", "lost")
    total = {k: sum(r[k] for r in rows) for k in keys}
    say(
        f"  {trials} kills: claimed at kill {total['claimed_at_kill']} ({total['claimed_not_sent']} not yet sent), "
        f"duplicates {total['duplicates']} "
        f"(unexplained {total['unexplained']}), lost {total['lost']}  {'PASS' if all_ok else 'FAIL'}"
    )
    return Result("kill-worker", all_ok, {"trials": rows, **total})


def status_problems(cluster: config.Cluster) -> tuple[int, str]:
    """`dutyflow status --json`: how many obligations show a problem, and one of them."""
    done = store.dutyflow(cluster, "status", "--json", "--as-of", DAY.isoformat(), timeout=120)
    lines = json.loads(done.stdout)
    problems = [line["problem"] for line in lines if line.get("problem")]
    return len(problems), (problems[0] if problems else "")


def smtp_outage(cluster: config.Cluster, bench: ChaseBench, outage_s: float) -> Result:
    """Stop the sink at a quarter of the chase, for `outage_s` seconds, then start it again."""
    say(f"\n== smtp-outage: the SMTP sink stopped for {outage_s:.0f} s during a chase")
    expected = bench.prepare()
    problems_before, _ = status_problems(cluster)
    start = time.monotonic()
    (run_id,) = prefect_api.start_runs(prefect_api.CHASE, {"as_of": DAY.isoformat()}, env=FAULT_ENV)
    wait_sink(cluster.sink_log, expected.messages // 4, timeout=RUN_TIMEOUT)
    subprocess.run(["bash", str(CLUSTER_SH), "sink-stop"], check=True, timeout=60)
    down_at = time.monotonic()
    at_stop = count_lines(cluster.sink_log)
    time.sleep(min(3.0, outage_s / 3))
    problems_during, sample = status_problems(cluster)
    rows_during = store.outbox(bench.engine).by_status
    time.sleep(max(0.0, outage_s - (time.monotonic() - down_at)))
    subprocess.run(["bash", str(CLUSTER_SH), "sink-start"], check=True, timeout=60)
    outage = time.monotonic() - down_at
    unconfirmed = bench.unconfirmed()
    (final,) = prefect_api.wait_runs([run_id], timeout=RUN_TIMEOUT)
    stages = [Stage("run with the outage", prefect_api.state_of(final), count_lines(cluster.sink_log), 0)]
    stages[0].seconds = time.monotonic() - start
    tasks = prefect_api.task_runs([run_id])
    retried = [t for t in tasks if (t.run_count or 0) > 1]
    delays = retry_delays(retried)
    unconfirmed |= bench.unconfirmed()
    bench.finish(stages)
    problems_after, _ = status_problems(cluster)
    check = check_chase(bench.engine, cluster, expected, unconfirmed)
    ok = check.ok and problems_during > 0 and problems_after == problems_before
    say(f"  sink stopped at {at_stop}/{expected.messages} messages, down {outage:.1f} s")
    say(
        f"  during the outage: outbox {dict(rows_during)}; `dutyflow status --json`: {problems_during} "
        f"obligations with a problem, e.g. {sample[:110]!r}"
    )
    say(
        f"  task runs {len(tasks)}, retried {len(retried)} (attempts {sorted(t.run_count for t in retried)}); "
        f"delays between attempts: {delays}"
    )
    print_stages(stages)
    say(f"  problems in status: before {problems_before}, during {problems_during}, after {problems_after}")
    for line in check.lines():
        say(f"  {line}")
    say(f"  {'PASS' if ok else 'FAIL'}")
    return Result(
        "smtp-outage",
        ok,
        {
            "outage_s": round(outage, 1),
            "stopped_at": at_stop,
            "problems_during": problems_during,
            "problems_after": problems_after,
            "retried_tasks": len(retried),
            "retry_delays_s": delays,
            "stages": [s.__dict__ for s in stages],
            "duplicates": check.duplicate_deliveries,
            "lost": check.lost_slots,
        },
    )


def retry_delays(tasks: list[Any]) -> list[float]:
    """Seconds between a failed attempt and the next start, from the task runs' state history."""
    from prefect.client.orchestration import get_client

    out: list[float] = []
    with get_client(sync_client=True) as client:
        for task in tasks[:4]:
            states = sorted(client.read_task_run_states(task.id), key=lambda s: s.timestamp)
            for before, after in itertools.pairwise(states):
                if before.name == "AwaitingRetry" and after.name in {"Running", "Retrying"}:
                    out.append(round((after.timestamp - before.timestamp).total_seconds(), 1))
    return out


def two_runs(cluster: config.Cluster, bench: ChaseBench) -> Result:
    """Two flow runs of the same deployment, same as_of, at once; then again with no tokens issued."""
    say("\n== two-runs: two flow runs of chase/dutyflow-chase with the same as_of at once")
    figures: dict[str, Any] = {}
    ok = True
    for variant in ("tokens issued", "no token issued yet"):
        expected = bench.prepare()
        if variant == "no token issued yet":
            with bench.engine.begin() as connection:
                connection.execute(text("DELETE FROM unit_tokens"))
        start = time.monotonic()
        ids = prefect_api.start_runs(prefect_api.CHASE, {"as_of": DAY.isoformat()}, count=2, env=FAULT_ENV)
        final = prefect_api.wait_runs(ids, timeout=RUN_TIMEOUT)
        wall = time.monotonic() - start
        per_run = prefect_api.figures(final, cluster.log_dir)
        overlap = overlap_seconds(per_run)
        unconfirmed = bench.unconfirmed()
        stages = [Stage("two runs at once", "+".join(r.state for r in per_run), count_lines(cluster.sink_log), wall)]
        bench.finish(stages)
        if variant == "no token issued yet":
            store.issue_tokens(bench.engine, store.morning(DAY), store.secret_of(cluster))  # as the bench expects them
        check = check_chase(bench.engine, cluster, expected, unconfirmed)
        workers = {r.worker for r in per_run}
        errors = failure_messages(final)
        variant_ok = check.ok and check.duplicate_deliveries == 0 and len(workers) == 2 and overlap > 0
        # Both runs must complete: before fe5c9a1 the second variant failed both runs (IntegrityError
        # on the unit's first portal token), though the outbox still sent each message once.
        variant_ok &= all(r.state == "Completed" for r in per_run)
        ok &= variant_ok
        say(f"  [{variant}]")
        for r in per_run:
            say(f"    {r.worker}: {r.state}, sent {r.sent}, {r.seconds or 0:.1f} s")
        say(f"    the two runs overlapped {overlap:.1f} s; wall {wall:.1f} s")
        for message in errors:
            say(f"    failure: {message[:160]}")
        print_stages(stages)
        for line in check.lines():
            say(f"    {line}")
        say(f"    {'PASS' if variant_ok else 'FAIL'}")
        figures[variant] = {
            "states": [r.state for r in per_run],
            "sent": [r.sent for r in per_run],
            "workers": sorted(workers),
            "overlap_s": round(overlap, 1),
            "duplicates": check.duplicate_deliveries,
            "lost": check.lost_slots,
            "errors": [m[:200] for m in errors],
        }
    return Result("two-runs", ok, figures)


def overlap_seconds(runs: list[prefect_api.RunFigures]) -> float:
    starts = [r.started for r in runs if r.started]
    ends = [r.ended for r in runs if r.ended]
    if len(starts) < 2 or len(ends) < 2:
        return 0.0
    return max(0.0, (min(ends) - max(starts)).total_seconds())


def failure_messages(runs: list[Any]) -> list[str]:
    """The first line of each unsuccessful run's state message."""
    return [
        r.state.message.splitlines()[0] for r in runs if r.state and r.state.name != "Completed" and r.state.message
    ]


def wait_quiet_postgres(cluster: config.Cluster, timeout: float) -> int:
    """Wait (bounded) until no other database has a query running; return how many still do."""
    start = time.monotonic()
    ours = {cluster.store_db, cluster.prefect_db, "postgres"}
    while True:
        with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
            busy = [
                row[0]
                for row in connection.execute(
                    "SELECT datname FROM pg_stat_activity WHERE datname IS NOT NULL AND state <> 'idle'"
                    " AND pid <> pg_backend_pid()"
                )
                if row[0] not in ours
            ]
        if not busy or time.monotonic() - start > timeout:
            return len(busy)
        time.sleep(0.5)


def pg_restart(cluster: config.Cluster, bench: ChaseBench, pg_cluster: list[str]) -> Result:
    """Restart PostgreSQL (store and Prefect's database) at a third of the chase."""
    say("\n== pg-restart: PostgreSQL restarted during a chase")
    expected = bench.prepare()
    # The restart cuts every client of the server: wait (bounded) for a moment when no other
    # database is running a query (other people's tests use the same PostgreSQL), then start.
    waited = time.monotonic()
    wait_quiet_postgres(cluster, timeout=60)
    waited = time.monotonic() - waited
    start = time.monotonic()
    (run_id,) = prefect_api.start_runs(prefect_api.CHASE, {"as_of": DAY.isoformat()}, env=FAULT_ENV)
    wait_sink(cluster.sink_log, expected.messages // 3, timeout=RUN_TIMEOUT)
    others = wait_quiet_postgres(cluster, timeout=0)
    at_restart = count_lines(cluster.sink_log)
    t0 = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *pg_cluster, "restart"], check=True, timeout=120)
    restart_s = time.monotonic() - t0
    bench.engine.dispose()  # its pooled connections died with the server
    (final,) = prefect_api.wait_runs([run_id], timeout=RUN_TIMEOUT)
    stages = [Stage("run with the restart", prefect_api.state_of(final), count_lines(cluster.sink_log), 0)]
    stages[0].seconds = time.monotonic() - start
    errors = failure_messages([final])
    unconfirmed = bench.unconfirmed()
    consistent_after_fault = consistency(bench.engine)
    bench.finish(stages)
    check = check_chase(bench.engine, cluster, expected, unconfirmed)
    consistent_end = consistency(bench.engine)
    during = at_restart < expected.messages
    ok = check.ok and not consistent_after_fault and not consistent_end and during
    say(
        f"  restart at {at_restart}/{expected.messages} messages took {restart_s:.1f} s "
        f"(waited {waited:.1f} s for a quiet server; {others} query(ies) of other databases running at the restart)"
    )
    if not during:
        say("  the restart came after the chase had sent everything: not a fault during the run")
    for message in errors:
        say(f"  the run failed: {message[:200]}")
    say(f"  claimed (unconfirmed) right after the fault: {len(unconfirmed)}")
    say(f"  consistency right after the fault: {consistent_after_fault or 'ok'}; at the end: {consistent_end or 'ok'}")
    print_stages(stages)
    for line in check.lines():
        say(f"  {line}")
    say(f"  {'PASS' if ok else 'FAIL'}")
    return Result(
        "pg-restart",
        ok,
        {
            "restart_at": at_restart,
            "restart_s": round(restart_s, 1),
            "claimed_after_fault": len(unconfirmed),
            "stages": [s.__dict__ for s in stages],
            "duplicates": check.duplicate_deliveries,
            "lost": check.lost_slots,
            "errors": [m[:200] for m in errors],
        },
    )


def consistency(engine: Engine) -> list[str]:
    """What would be half-written: rows without status or Message-ID, a message whose rows differ
    in status, an obligation with an undelivered row but nothing scheduled to look at it again."""
    checks = (
        (
            "SELECT count(*) FROM notifications WHERE status NOT IN ('sent', 'failed', 'claimed', 'refused')"
            " OR message_id IS NULL OR message_id = ''",
            "{} rows without a valid status or Message-ID",
        ),
        (
            "SELECT count(*) FROM (SELECT message_id FROM notifications GROUP BY message_id"
            " HAVING count(DISTINCT status) > 1) AS m",
            "{} messages with rows in different states",
        ),
        (
            "SELECT count(DISTINCT o.id) FROM obligations o JOIN notifications n ON n.obligation_id = o.id"
            " WHERE n.status IN ('claimed', 'failed') AND o.next_action_at IS NULL",
            "{} obligations with an undelivered message and no next action",
        ),
    )
    with engine.connect() as connection:
        counts = [(connection.execute(text(sql)).scalar_one(), message) for sql, message in checks]
    return [message.format(count) for count, message in counts if count]


# --------------------------------------------------------------------------- crashes of a write


def recreate(cluster: config.Cluster, name: str, template: str | None = None) -> None:
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def drop(cluster: config.Cluster, *names: str) -> None:
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_transaction(cluster: config.Cluster, database: str) -> bool:
    """Whether a client of `database` is inside a transaction right now (the load is writing)."""
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND xact_start IS NOT NULL"
            " AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()
    return bool(row and row[0])


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError("condition not met")
        time.sleep(every)
    return time.monotonic() - start


def plan_load_process(cluster: config.Cluster, database: str, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(store.DUTYFLOW), "plan", "load", str(path)],
        env=store.cli_env(cluster, database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def load_crash(cluster: config.Cluster, communes: int, trials: int, rng: random.Random) -> Result:
    """SIGKILL `dutyflow plan load` of the national plan while its transaction is open."""
    say(f"\n== load-crash: SIGKILL `dutyflow plan load` of a {communes}-commune plan inside its transaction")
    base, ref, victim = "dutyflow_fault_load_base", "dutyflow_fault_load_ref", "dutyflow_fault_load"
    path, _ = plan_file(cluster, communes)
    recreate(cluster, base)
    store.dutyflow(cluster, "db", "upgrade", database=base)
    before = fingerprint(dsn(cluster.admin_dsn, base), skip_clock_columns=True)
    # The reference: a clean load into a copy of the same empty store, its writing phase timed.
    recreate(cluster, ref, template=base)
    started = time.monotonic()
    process = plan_load_process(cluster, ref, path)
    parse_s = wait_until(lambda: in_transaction(cluster, ref) or process.poll() is not None, timeout=300)
    write_start = time.monotonic()
    if process.wait(timeout=600) != 0:
        raise RuntimeError("the reference plan load failed")
    write_s = time.monotonic() - write_start
    total_s = time.monotonic() - started
    after = fingerprint(dsn(cluster.admin_dsn, ref), skip_clock_columns=True)
    say(f"  clean load: {total_s:.1f} s (parse {parse_s:.1f} s, then {write_s:.1f} s in the transaction)")
    say(f"  before: {counts(before) or 'no rows but alembic_version'}")
    say(f"  after:  {counts(after)}")
    rows = []
    ok = True
    for trial in range(1, trials + 1):
        recreate(cluster, victim, template=base)
        victim_process = plan_load_process(cluster, victim, path)

        def writing(process: subprocess.Popen[bytes] = victim_process) -> bool:
            return in_transaction(cluster, victim) or process.poll() is not None

        wait_until(writing, timeout=300)
        delay = rng.uniform(0.0, write_s * 0.95)
        time.sleep(delay)
        inside = in_transaction(cluster, victim)
        victim_process.send_signal(signal.SIGKILL)
        victim_process.wait(timeout=30)
        # PostgreSQL rolls back when it notices the client is gone; wait for the backend to end.
        wait_until(lambda: not in_transaction(cluster, victim), timeout=60)
        found = fingerprint(dsn(cluster.admin_dsn, victim), skip_clock_columns=True)
        verdict = compare(found, before, after)
        ok &= verdict.verdict in {"before", "after"}
        rows.append({"delay_s": round(delay, 2), "inside_transaction": inside, "verdict": verdict.verdict})
        say(
            f"  trial {trial}: killed {delay:.1f} s into the transaction (still open: {inside}) -> store as "
            f"{verdict.verdict}{' ' + str(verdict.differing) if verdict.differing else ''}; {counts(found) or 'empty'}"
        )
    drop(cluster, base, ref, victim)
    say(f"  {'PASS' if ok else 'FAIL'}")
    return Result("load-crash", ok, {"clean_load_s": round(total_s, 1), "write_s": round(write_s, 1), "trials": rows})


def submit_crash(cluster: config.Cluster, communes: int, count: int, trials: int, rng: random.Random) -> Result:
    """SIGKILL a process submitting files in a loop; the store must equal some whole prefix."""
    say(f"\n== submit-crash: SIGKILL a process doing dutyflow.intake.submit_file in a loop ({count} files)")
    base, ref, victim = "dutyflow_fault_submit_base", "dutyflow_fault_submit_ref", "dutyflow_fault_submit"
    path, _ = plan_file(cluster, communes)
    recreate(cluster, base)
    store.dutyflow(cluster, "db", "upgrade", database=base)
    store.dutyflow(cluster, "plan", "load", str(path), database=base)
    engine = store.engine_for(cluster, base)
    store.announce(engine, store.morning(DAY))
    engine.dispose()
    recreate(cluster, ref, template=base)
    with tempfile.TemporaryDirectory(prefix="dutyflow-fault-") as tmp:
        prints_file = Path(tmp) / "prints.json"
        start = time.monotonic()
        subprocess.run(
            [*submitter_command(ref, Path(tmp) / "ref", count), "--fingerprints", str(prints_file)],
            check=True,
            timeout=900,
            stdout=subprocess.DEVNULL,
        )
        reference: list[Fingerprint] = [
            {t: (int(v[0]), str(v[1])) for t, v in p.items()} for p in json.loads(prints_file.read_text())
        ]
        per_submission = (time.monotonic() - start) / count
        say(
            f"  clean run: {count} submissions in {time.monotonic() - start:.1f} s (fingerprinted after each);"
            f" after all: {counts(reference[-1], ['submissions', 'data_values', 'audit_events'])}"
        )
        rows = []
        ok = True
        for trial in range(1, trials + 1):
            recreate(cluster, victim, template=base)
            folder = Path(tmp) / f"crash-{trial}"
            target = rng.randint(1, count - 1)
            process = subprocess.Popen(
                submitter_command(victim, folder, count), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
            )
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("committed ") and int(line.split()[1]) >= target:
                    break
            # Then a random instant within the next submission or so: inside its transaction or not.
            time.sleep(rng.uniform(0.0, per_submission))
            inside = in_transaction(cluster, victim)
            process.send_signal(signal.SIGKILL)
            rest, _ = process.communicate(timeout=60)
            printed = max(
                [int(x.split()[1]) for x in [line, *rest.splitlines()] if x.startswith("committed ")], default=0
            )
            wait_until(lambda: not in_transaction(cluster, victim), timeout=60)
            found = fingerprint(dsn(cluster.admin_dsn, victim))
            matches = [i for i, p in enumerate(reference) if p == found]
            orphans = orphan_files(folder, found, victim, cluster)
            if matches:
                verdict = f"as after submission {matches[0]}"
            else:
                near = reference[min(printed, count)]
                verdict = f"BETWEEN (matches no whole submission; differs from #{printed} in "
                verdict += f"{sorted(t for t in found if found[t] != near.get(t))})"
            good = bool(matches) and matches[0] in {printed, printed + 1}
            ok &= good
            rows.append(
                {
                    "printed": printed,
                    "inside_transaction": inside,
                    "match": matches[0] if matches else None,
                    "orphan_files": orphans,
                }
            )
            say(
                f"  trial {trial}: killed after 'committed {printed}' (a transaction open: {inside}) -> store {verdict}; "
                f"files stored but not referenced: {orphans}  {'ok' if good else 'FAIL'}"
            )
    drop(cluster, base, ref, victim)
    say(f"  {'PASS' if ok else 'FAIL'}")
    return Result("submit-crash", ok, {"count": count, "trials": rows})


def submitter_command(database: str, data_dir: Path, count: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.cluster.submitter",
        "--database",
        database,
        "--data-dir",
        str(data_dir),
        "--count",
        str(count),
    ]


def orphan_files(folder: Path, _print: Fingerprint, database: str, cluster: config.Cluster) -> int:
    """Uploaded files on disk that no submission row names (written before the crashed commit)."""
    on_disk = {p.name for p in (folder / "uploads").glob("*/*") if len(p.name) == 64}
    with psycopg.connect(dsn(cluster.admin_dsn, database)) as connection:
        named = {row[0] for row in connection.execute("SELECT file_sha256 FROM submissions") if row[0]}
    return len(on_disk - named)


# --------------------------------------------------------------------------- main

SCENARIOS = ("kill-worker", "smtp-outage", "two-runs", "pg-restart", "load-crash", "submit-crash")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)}; default: all")
    parser.add_argument("--trials", type=int, default=10, help="kills of the kill-worker scenario")
    parser.add_argument("--communes", type=int, default=1000, help="plan of the chase scenarios (>= 1,000 messages)")
    parser.add_argument("--load-communes", type=int, default=10_500, help="plan of the load-crash scenario")
    parser.add_argument("--load-trials", type=int, default=3, help="kills of the load-crash scenario")
    parser.add_argument("--submit-trials", type=int, default=6, help="kills of the submit-crash scenario")
    parser.add_argument("--submissions", type=int, default=90)
    parser.add_argument(
        "--outages",
        default="10,40",
        help="seconds the SMTP sink stays down, one smtp-outage run each (10: within the task retries, "
        "3 x 4 s; 40: beyond them)",
    )
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--pg-cluster", default="15 main", help="version and name for pg_ctlcluster")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - {*SCENARIOS, "all"}
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    chosen = (
        SCENARIOS
        if not args.scenarios or "all" in args.scenarios
        else tuple(s for s in SCENARIOS if s in args.scenarios)
    )
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    cluster = config.load()
    say(f"fault tests {', '.join(chosen)} (seed {seed}); cluster state {cluster.state}")
    if any(s in chosen for s in SCENARIOS[:4]) and len(prefect_api.online_workers(cluster.pool)) < 2:
        raise SystemExit("the chase scenarios need two workers online: bash bench/cluster.sh up")
    bench = ChaseBench(cluster, args.communes)
    results: list[Result] = []
    started = time.monotonic()
    for name in chosen:
        t0 = time.monotonic()
        if name == "kill-worker":
            result = kill_worker(cluster, bench, args.trials, rng)
        elif name == "smtp-outage":
            parts = [smtp_outage(cluster, bench, float(s)) for s in args.outages.split(",")]
            result = Result(
                name, all(p.ok for p in parts), {f"outage_{p.figures['outage_s']}s": p.figures for p in parts}
            )
        elif name == "two-runs":
            result = two_runs(cluster, bench)
        elif name == "pg-restart":
            result = pg_restart(cluster, bench, args.pg_cluster.split())
        elif name == "load-crash":
            result = load_crash(cluster, args.load_communes, args.load_trials, rng)
        else:
            result = submit_crash(cluster, args.communes, args.submissions, args.submit_trials, rng)
        result.figures["seconds"] = round(time.monotonic() - t0, 1)
        results.append(result)
    bench.engine.dispose()
    say(f"\nsummary ({time.monotonic() - started:.0f} s, seed {seed})")
    for result in results:
        say(f"  {result.name:<13} {'PASS' if result.ok else 'FAIL'}  ({result.figures['seconds']} s)")
    folder = cluster.state / "results"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    out = folder / f"faults-{stamp}.json"
    out.write_text(json.dumps([r.__dict__ for r in results], indent=2, default=str), encoding="utf-8")
    say(f"  figures saved in {out}")
    raise SystemExit(0 if all(r.ok for r in results) else 1)


if __name__ == "__main__":
    main()
