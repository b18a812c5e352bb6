"""The package as a user gets it: a wheel built from this checkout, installed, runs the full demo.

The dependencies cannot be downloaded here, so the wheel is installed without them into a folder of
its own (`pip install --no-deps --target`) and run by this virtualenv's interpreter with that folder
first on PYTHONPATH: the code, templates, plans and migrations come from the wheel, the libraries
from the virtualenv. It runs from an empty directory, so nothing of the checkout can be found by
accident, and the test checks that `dutyflow` was imported from the install folder.
"""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).parent.parent
pytestmark = pytest.mark.slow


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(CHECKOUT)],
        cwd=out,
    )
    [built] = out.glob("dutyflow-*.whl")
    return built


def test_the_wheel_holds_every_file_the_package_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "dutyflow", "flows", "tasks"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout.split()
    packaged = {n for n in names if ".dist-info/" not in n}
    assert tracked and packaged == set(tracked), (sorted(set(tracked) - packaged), sorted(packaged - set(tracked)))
    for needed in (
        "dutyflow/plans/trung-khanh-2025.yaml",
        "dutyflow/templates/report/bao-cao.docx",
        "dutyflow/templates/messages/vi.yaml",
        "dutyflow/store/migrations/env.py",
        "dutyflow/store/migrations/script.py.mako",
    ):
        assert needed in names, needed
    assert any(n.startswith("dutyflow/store/migrations/versions/") and n.endswith(".py") for n in names)


def test_the_installed_wheel_runs_the_demo(wheel: Path, tmp_path: Path) -> None:
    target, cwd, out = tmp_path / "site", tmp_path / "cwd", tmp_path / "demo"
    cwd.mkdir()
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(target), str(wheel)], cwd=cwd)
    # Prefect's ephemeral API server gets 20 s to start by default: too short on a busy 2-core machine.
    env = {**os.environ, "PYTHONPATH": str(target), "COLUMNS": "160", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    for key in [k for k in env if k.startswith("DUTYFLOW_")]:
        del env[key]

    where = run(
        [sys.executable, "-c", "import dutyflow, flows, tasks; print(dutyflow.__file__, flows.__file__, tasks.__file__)"],
        cwd=cwd,
        env=env,
    ).split()
    assert all(Path(path).is_relative_to(target) for path in where), where

    # The console script the wheel installs, as a user would type it: the README's demo on the bundled
    # plan, its short year (every template, migration and plan the package carries is read by it; the
    # whole year's 31 units add minutes, not files: the README's demo command runs it from a checkout,
    # and tests/test_demo.py checks the short year's messages kind by kind).
    output = run(
        [str(target / "bin" / "dutyflow"), "demo", "--quick", "--out", str(out)], cwd=cwd, env=env, timeout=1200
    )
    assert "Xong trong" in output, output
    assert (out / "dutyflow.db").is_file()
    assert "hạn hôm nay" in output  # the summary counts the messages of a last day
    emls = sorted((out / "mail").glob("*.eml"))
    assert len(emls) > 100
    first = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert str(first["Subject"]).startswith("Thông báo nhiệm vụ và thời hạn báo cáo")
    final = next((out / "reports" / "trung-khanh-2025").glob("*-chinh-thuc"))
    for suffix in (".docx", ".pdf", ".html"):
        [path] = list(final.glob(f"*{suffix}"))
        assert path.stat().st_size > 5_000, path
    assert "Báo cáo kết quả thực hiện" in (out / "tinh-hinh.html").read_text(encoding="utf-8")
    assert not list(cwd.iterdir()), "the demo writes into its own folder, nothing into the current directory"
