"""Where the cluster's parts live: one place for ports, database names and paths.

`bench/cluster.sh` exports these variables; the defaults here are the same, so a module of this
package can also be run on its own. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository the workers import the flows from."""


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class Cluster:
    state: Path
    pg_host: str
    pg_port: int
    pg_user: str
    store_db: str
    prefect_db: str
    prefect_port: int
    smtp_port: int
    workers: int
    pool: str

    # ------------------------------------------------------------------ databases

    def pg_url(self, database: str, driver: str = "psycopg") -> str:
        return f"postgresql+{driver}://{self.pg_user}@{self.pg_host}:{self.pg_port}/{database}"

    @property
    def store_url(self) -> str:
        """DUTYFLOW_DATABASE_URL of every worker: the dutyflow store."""
        return self.pg_url(self.store_db)

    @property
    def prefect_db_url(self) -> str:
        """The Prefect server's own database (asyncpg, as Prefect requires)."""
        return self.pg_url(self.prefect_db, "asyncpg")

    @property
    def admin_dsn(self) -> str:
        """A libpq DSN for maintenance (CREATE DATABASE, pg_stat_activity)."""
        return f"host={self.pg_host} port={self.pg_port} user={self.pg_user} dbname=postgres"

    # ------------------------------------------------------------------ services

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    @property
    def sink_log(self) -> Path:
        return self.state / "sink" / "deliveries.tsv"

    @property
    def data_dir(self) -> Path:
        return self.state / "data"

    @property
    def log_dir(self) -> Path:
        return self.state / "log"

    @property
    def run_dir(self) -> Path:
        return self.state / "run"


def load() -> Cluster:
    return Cluster(
        state=Path(_env("DUTYFLOW_CLUSTER_DIR", "/tmp/dutyflow-cluster")),
        pg_host=_env("CLUSTER_PG_HOST", "127.0.0.1"),
        pg_port=int(_env("CLUSTER_PG_PORT", "5432")),
        pg_user=_env("CLUSTER_PG_USER", "postgres"),
        store_db=_env("CLUSTER_STORE_DB", "dutyflow_cluster"),
        prefect_db=_env("CLUSTER_PREFECT_DB", "prefect_cluster"),
        prefect_port=int(_env("CLUSTER_PREFECT_PORT", "4250")),
        smtp_port=int(_env("CLUSTER_SMTP_PORT", "8125")),
        workers=int(_env("CLUSTER_WORKERS", "2")),
        pool=_env("CLUSTER_POOL", "dutyflow"),
    )


def export_prefect_env(cluster: Cluster) -> None:
    """Point this process's Prefect client at the cluster's server (what bench/cluster.sh exports),
    unless the environment already does. Must run before `prefect` is imported."""
    os.environ.setdefault("PREFECT_API_URL", cluster.api_url)
    os.environ.setdefault("PREFECT_HOME", str(cluster.state / "prefect-home"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
