"""The same national chase on the embedded default, for comparison with the cluster.

    python -m bench.cluster.embedded [--communes 10500] [--batch-size 200]

The embedded default: a SQLite store file, the Prefect server started by
the flow itself (ephemeral, on in-memory SQLite: file SQLite
stalls), one process running every task run. The steps are those of `bench/cluster.sh run`:
the generated plan loaded with `dutyflow plan load`, every obligation announced with one UPDATE,
every portal token issued; then `dutyflow run chase --as-of 2025-05-26` in one process, sending
to a MailSink-based counting sink on a free local port. Nothing here touches the cluster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.cluster import config, store
from bench.cluster.run import CHASE_DAY, districts_for, plan_file
from bench.cluster.sink import CountingSink
from bench.cluster.sinklog import read_sink, summarise
from dutyflow.store.db import make_engine


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=10_500)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4, help="PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS")
    args = parser.parse_args(argv)
    cluster = config.load()
    day: dt.date = CHASE_DAY
    path, _ = plan_file(cluster, args.communes)
    with tempfile.TemporaryDirectory(prefix="dutyflow-embedded-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'dutyflow.db'}"
        sink = CountingSink(folder / "deliveries.tsv", port=0)
        sink.start()
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PREFECT_API_URL", "PREFECT_SERVER_DATABASE", "PREFECT_API_DATABASE"))
        }
        secret = "embedded-bench-secret"
        env |= {
            "DUTYFLOW_DATABASE_URL": url,
            "DUTYFLOW_DATA_DIR": str(folder / "data"),
            "DUTYFLOW_SECRET_KEY": secret,
            "DUTYFLOW_SMTP_HOST": "127.0.0.1",
            "DUTYFLOW_SMTP_PORT": str(sink.port),
            "DUTYFLOW_BATCH_SIZE": str(args.batch_size),
            "PREFECT_HOME": str(folder / "prefect-home"),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": "sqlite+aiosqlite:///:memory:",
            "PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS": str(args.threads),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }

        def dutyflow(*words: str) -> float:
            start = time.perf_counter()
            subprocess.run([str(store.DUTYFLOW), *words], env=env, check=True, capture_output=True, timeout=3600)
            return time.perf_counter() - start

        print(f"embedded: {args.communes} communes, SQLite {url}", flush=True)
        dutyflow("db", "upgrade")
        load_s = dutyflow("plan", "load", str(path))
        engine = make_engine(url)
        announced = store.announce(engine, store.morning(day))
        store.issue_tokens(engine, store.morning(day), secret)
        expected = store.expected_on(engine, day)
        print(f"  plan load {load_s:.1f} s; {announced} announced; {expected.messages} messages due", flush=True)
        engine.dispose()
        chase_s = dutyflow("run", "chase", "--as-of", day.isoformat())
        sink.close()
        summary = summarise(read_sink(folder / "deliveries.tsv"))
    span = (summary.last or 0) - (summary.first or 0)
    print("\nchase on the embedded default (SQLite store, ephemeral Prefect on in-memory SQLite, one process)")
    print(f"  plan                              {args.communes} communes, {districts_for(args.communes)} districts")
    print(f"  messages at the sink              {summary.messages} ({summary.distinct} distinct)")
    print(f"  `dutyflow run chase` wall time    {chase_s:.1f} s (process start to exit)")
    print(f"  messages/s over the wall time     {summary.messages / chase_s:.1f}")
    if span:
        print(f"  first -> last delivery            {span:.1f} s, {summary.messages / span:.1f} messages/s")


if __name__ == "__main__":
    main()
