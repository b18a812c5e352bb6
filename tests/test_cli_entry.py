"""The command starts in a fresh interpreter: its imports have no cycle that only some orders hide."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dutyflow.paths import PLANS_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_python_m_dutyflow_cli_checks_a_plan_in_a_fresh_interpreter() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "dutyflow.cli", "plan", "check", str(PLANS_DIR / "cao-bang-2026.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Kế hoạch hợp lệ: 67 đơn vị")
