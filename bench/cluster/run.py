"""`bash bench/cluster.sh run`: a national plan through the cluster's chase, and its figures.

    python -m bench.cluster.run [--communes 10500] [--runs N] [--batch-size 200] [--day 2025-05-26]

1. bench/generate_plan.py writes the synthetic plan (N communes, N/15 districts up to 700);
2. the store is emptied and migrated (`dutyflow db upgrade`), the plan loaded (`dutyflow plan load`);
3. every obligation is announced with ONE UPDATE (state='announced', next_action_at = the chase
   day's morning) instead of the assignment emails, and every unit's portal token is issued (what
   the assignment emails, which carry the links, would have done);
4. the engine's finding pass says what the chase must send that day (it sends nothing);
5. `--runs` flow runs (default: one per worker) of the chase deployment are started with the same
   `as_of`; each worker takes one (`--limit 1`). Inside a run the units are split in batches of
   DUTYFLOW_BATCH_SIZE, one task run each. Two runs of the same chase share the work through the
   outbox: a message claimed by one is skipped by the other (docs/decisions.md, 4);
6. when every run is final: messages at the sink, wall time, messages/s, task runs, per-worker share,
   and a check that every due message was delivered exactly once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import FlowRun

from bench.cluster import config, prefect_api, store
from bench.cluster.sinklog import clear_sink, count_lines, read_sink, summarise
from bench.generate_plan import write_plan

CHASE_DAY = dt.date(2025, 5, 26)
"""A Monday a week after the 6-month report's last day (19/5): every unit's escalation step is due
(the same day as bench/bench_chase.py)."""


def districts_for(communes: int) -> int:
    return max(1, min(700, communes // 15))


def plan_file(cluster: config.Cluster, communes: int) -> tuple[Path, float]:
    """The generated plan (kept between runs: the generator is deterministic) and the time it took."""
    path = cluster.state / "plans" / f"national-{communes}.yaml"
    start = time.perf_counter()
    if not path.exists():
        write_plan(path, communes, districts_for(communes))
    return path, time.perf_counter() - start


def prepare(cluster: config.Cluster, communes: int, day: dt.date) -> dict[str, Any]:
    """A fresh store holding the plan, every obligation announced; timed step by step."""
    figures: dict[str, Any] = {"communes": communes, "districts": districts_for(communes)}
    path, figures["generate_s"] = plan_file(cluster, communes)
    start = time.perf_counter()
    store.reset_schema(cluster)
    figures["reset_s"] = time.perf_counter() - start
    start = time.perf_counter()
    store.dutyflow(cluster, "plan", "load", str(path))
    figures["plan_load_s"] = time.perf_counter() - start
    engine = store.engine_for(cluster)
    start = time.perf_counter()
    figures["announced"] = store.announce(engine, store.morning(day))
    figures["announce_s"] = time.perf_counter() - start
    start = time.perf_counter()
    figures["tokens"] = store.issue_tokens(engine, store.morning(day), store.secret_of(cluster))
    figures["tokens_s"] = time.perf_counter() - start
    start = time.perf_counter()
    expected = store.expected_on(engine, day)
    figures["finding_s"] = time.perf_counter() - start
    figures["units_due"] = expected.units
    figures["messages_due"] = expected.messages
    figures["slots_due"] = len(expected.slots)
    engine.dispose()
    return figures


def chase(
    cluster: config.Cluster, day: dt.date, runs: int, env: dict[str, str], timeout: float, expected: int
) -> tuple[list[FlowRun], float]:
    """Start `runs` chase runs at once, print progress, return them when final, and the wall time."""
    clear_sink(cluster.sink_log)
    start = time.monotonic()
    ids = prefect_api.start_runs(prefect_api.CHASE, {"as_of": day.isoformat()}, count=runs, env=env)
    last = [0.0]

    def tick(current: list[FlowRun]) -> None:
        if time.monotonic() - last[0] >= 10:
            last[0] = time.monotonic()
            states = Counter(prefect_api.state_of(r) for r in current)
            print(
                f"  {time.monotonic() - start:6.0f}s  sink {count_lines(cluster.sink_log):>6}/{expected}"
                f"  runs {dict(states)}",
                flush=True,
            )

    final = prefect_api.wait_runs(ids, timeout=timeout, tick=tick, every=1.0)
    return final, time.monotonic() - start


def report(cluster: config.Cluster, figures: dict[str, Any], runs: list[FlowRun], wall: float, day: dt.date) -> bool:
    engine = store.engine_for(cluster)
    sink = summarise(read_sink(cluster.sink_log))
    outbox = store.outbox(engine)
    per_run = prefect_api.figures(runs, cluster.log_dir)
    tasks = prefect_api.task_runs([r.id for r in runs])
    digests = sum(1 for t in tasks if t.name.startswith("digest"))
    retried = sum(1 for t in tasks if (t.run_count or 0) > 1)
    span = (sink.last - sink.first) if sink.first is not None and sink.last is not None else 0.0
    delivered_ids = {d for d in outbox.message_ids("sent", "refused")}
    sink_ids = set(read_ids(cluster))
    lost = delivered_ids - sink_ids
    left = store.pending_units(engine, day)
    engine.dispose()

    print("\nchase on the cluster")
    rows = [
        ("plan", f"{figures['communes']} communes, {figures['districts']} districts"),
        ("generate plan / reset store", f"{figures['generate_s']:.1f} s / {figures['reset_s']:.1f} s"),
        ("dutyflow plan load", f"{figures['plan_load_s']:.1f} s"),
        ("announce (one UPDATE)", f"{figures['announced']} obligations in {figures['announce_s']:.2f} s"),
        ("portal tokens issued", f"{figures['tokens']} units in {figures['tokens_s']:.1f} s"),
        (
            "due on " + day.isoformat(),
            f"{figures['units_due']} units, {figures['messages_due']} messages, {figures['slots_due']} outbox slots"
            f" (finding pass {figures['finding_s']:.1f} s)",
        ),
        ("flow runs", ", ".join(f"{r.state}" for r in per_run)),
        ("task runs", f"{len(tasks)} ({len(tasks) - digests} batches of units, {digests} digest), {retried} retried"),
        ("messages at the sink", f"{sink.messages} ({sink.distinct} distinct Message-IDs, {len(sink.duplicated)} dup)"),
        ("outbox rows", ", ".join(f"{k} {v}" for k, v in sorted(outbox.by_status.items()))),
        ("wall time (submit -> all final)", f"{wall:.1f} s"),
        ("messages/s over the wall time", f"{sink.messages / wall:.1f}" if wall else "-"),
        ("first -> last delivery", f"{span:.1f} s, {sink.messages / span:.1f} messages/s" if span else "-"),
        ("units still due after the run", str(left)),
        ("sent in the outbox but not at the sink", str(len(lost))),
    ]
    for run in per_run:
        share = f"{run.sent / max(sink.messages, 1):.0%}" if run.sent is not None else "?"
        seconds = f"{run.seconds:.1f} s" if run.seconds is not None else "-"
        rows.append((f"  {run.worker} ({run.name})", f"{run.state}, {run.sent} sent ({share}), {seconds}"))
    width = max(len(label) for label, _ in rows)
    print("-" * (width + 40))
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    ok = (
        all(r.state == "Completed" for r in per_run)
        and sink.messages == figures["messages_due"] + outbox_digests(outbox)
        and not sink.duplicated
        and not lost
        and left == 0
    )
    print(f"\nresult: {'OK' if ok else 'NOT OK'}: every due message delivered once" if ok else "\nresult: NOT OK")
    save(cluster, figures | {"wall_s": wall, "sink": sink.messages, "span_s": span, "runs": len(runs)})
    return ok


def outbox_digests(outbox: store.Outbox) -> int:
    """Weekly digest messages (not about one obligation): distinct Message-IDs of digest rows."""
    return len({mid for key, status, mid, _, _ in outbox.rows if key.startswith("digest:") and status == "sent"})


def read_ids(cluster: config.Cluster) -> list[str]:
    return [d.message_id for d in read_sink(cluster.sink_log)]


def save(cluster: config.Cluster, record: dict[str, Any]) -> None:
    folder = cluster.state / "results"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    (folder / f"run-{stamp}.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--runs", type=int, default=0, help="chase runs at once (default: one per worker)")
    parser.add_argument("--batch-size", type=int, default=200, help="DUTYFLOW_BATCH_SIZE of the runs")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=CHASE_DAY)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the runs")
    args = parser.parse_args(argv)
    cluster = config.load()
    runs = args.runs or len(prefect_api.online_workers(cluster.pool))
    if runs < 1:
        raise SystemExit("no worker online: bash bench/cluster.sh up")
    print(f"preparing the store: {args.communes} communes ...", flush=True)
    figures = prepare(cluster, args.communes, args.day)
    print(
        f"  plan load {figures['plan_load_s']:.1f} s; {figures['messages_due']} messages due on {args.day}", flush=True
    )
    print(f"chase: {runs} flow run(s) of {prefect_api.CHASE}, as_of {args.day}, batches of {args.batch_size}")
    env = {"DUTYFLOW_BATCH_SIZE": str(args.batch_size)}
    final, wall = chase(cluster, args.day, runs, env, args.timeout, figures["messages_due"])
    ok = report(cluster, figures, final, wall, args.day)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
