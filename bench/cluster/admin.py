"""Small chores of bench/cluster.sh: create the databases, wait for a service, show the status.

python -m bench.cluster.admin ensure-databases
python -m bench.cluster.admin wait-postgres|wait-port PORT|wait-http URL|wait-workers N [--timeout S]
python -m bench.cluster.admin status
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import psycopg

from bench.cluster import config
from bench.cluster.sinklog import read_sink


def ensure_databases(cluster: config.Cluster) -> None:
    """CREATE DATABASE for the store and for Prefect's server, when missing."""
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as connection:
        for name in (cluster.store_db, cluster.prefect_db):
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists:
                print(f"[cluster] database {name} exists")
            else:
                connection.execute(f'CREATE DATABASE "{name}"')
                print(f"[cluster] database {name} created")


def wait_for(what: str, probe: Callable[[], bool], timeout: float) -> None:
    """Poll `probe` every 0.25 s until it is true; exit 1 after `timeout` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if probe():
                print(f"[cluster] {what} ready after {time.monotonic() - start:.1f}s")
                return
        except Exception:  # any failure means "not yet"
            pass
        time.sleep(0.25)
    print(f"[cluster] {what} not ready after {timeout:.0f}s", file=sys.stderr)
    raise SystemExit(1)


def _postgres_ready(cluster: config.Cluster) -> bool:
    with psycopg.connect(cluster.admin_dsn, connect_timeout=2) as connection:
        return connection.execute("SELECT 1").fetchone() is not None


def _port_open(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:  # a 127.0.0.1 URL we built
        return bool(response.status == 200)


def _workers_online(cluster: config.Cluster, count: int) -> bool:
    from bench.cluster.prefect_api import online_workers

    return len(online_workers(cluster.pool)) >= count


def status(cluster: config.Cluster) -> None:
    from bench.cluster.prefect_api import deployments, online_workers

    try:
        _http_ok(f"{cluster.api_url}/health")
    except (OSError, urllib.error.URLError):
        print(f"  prefect API        down ({cluster.api_url})")
        return
    print(f"  prefect API        up   ({cluster.api_url}, database {cluster.prefect_db})")
    workers = online_workers(cluster.pool)
    print(f"  pool {cluster.pool:<13} {len(workers)} worker(s) online: {', '.join(sorted(workers)) or '-'}")
    print(f"  deployments        {', '.join(sorted(deployments())) or '-'}")
    deliveries = read_sink(cluster.sink_log)
    print(f"  sink               port {cluster.smtp_port}, {len(deliveries)} message(s) in {cluster.sink_log}")
    print(f"  store              {cluster.store_url}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("ensure-databases")
    sub.add_parser("status")
    for name, arg in (("wait-postgres", None), ("wait-port", "port"), ("wait-http", "url"), ("wait-workers", "count")):
        command = sub.add_parser(name)
        if arg:
            command.add_argument(arg)
        command.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args(argv)
    cluster = config.load()
    if args.command == "ensure-databases":
        ensure_databases(cluster)
    elif args.command == "status":
        status(cluster)
    elif args.command == "wait-postgres":
        wait_for("PostgreSQL", lambda: _postgres_ready(cluster), args.timeout)
    elif args.command == "wait-port":
        wait_for(f"port {args.port}", lambda: _port_open(int(args.port)), args.timeout)
    elif args.command == "wait-http":
        wait_for(args.url, lambda: _http_ok(args.url), args.timeout)
    elif args.command == "wait-workers":
        wait_for(f"{args.count} worker(s)", lambda: _workers_online(cluster, int(args.count)), args.timeout)


if __name__ == "__main__":
    main()
