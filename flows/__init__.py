"""Prefect flows of dutyflow. Thin: each calls the core through dutyflow.notify, on the resources of flows._common."""

import os

# Offline by default: no analytics, no telemetry (a district server may have no internet at all).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
