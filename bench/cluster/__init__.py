"""The scale-out topology of dutyflow on one machine, and its process-level fault tests.

`bash bench/cluster.sh up|run|faults|status|down`; see docs/reliability.md.
"""

from bench.cluster import config

# Any module of this package talks to the cluster's Prefect server, never to an ephemeral one.
config.export_prefect_env(config.load())
