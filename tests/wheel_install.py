"""Shared by the tests of the package as a user gets it: a wheel built from this checkout, once a
session, and its installation away from the checkout.

The dependencies cannot be downloaded here, so the wheel is installed without them into a folder of
its own (`pip install --no-deps --target`) and run by this virtualenv's interpreter with that folder
first on PYTHONPATH: the code, templates, plans and migrations come from the wheel, the libraries
from the virtualenv.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).parent.parent


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout."""
    out = tmp_path_factory.mktemp("wheel")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(CHECKOUT)],
        cwd=out,
    )
    [built] = out.glob("dutyflow-*.whl")
    return built


@dataclass(frozen=True)
class Installed:
    """The wheel installed into `target`; `env` runs it (and nothing of the checkout) from `cwd`."""

    target: Path
    cwd: Path
    env: dict[str, str]

    def run(self, args: list[str], timeout: float = 120) -> str:
        return run(args, cwd=self.cwd, env=self.env, timeout=timeout)


def install(wheel: Path, folder: Path) -> Installed:
    """`wheel` installed under `folder`, with an empty current directory to run it from."""
    target, cwd = folder / "site", folder / "cwd"
    cwd.mkdir(parents=True)
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)], cwd=cwd)
    # Prefect's ephemeral API server gets 20 s to start by default: too short on a busy 2-core machine.
    env = {**os.environ, "PYTHONPATH": str(target), "COLUMNS": "160", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    for key in [k for k in env if k.startswith("DUTYFLOW_")]:
        del env[key]
    return Installed(target, cwd, env)
