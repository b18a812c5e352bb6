"""The package as a user gets it: the wheel built from this checkout holds every file the package
reads, and installed away from the checkout it is what runs (the short demo year runs from it:
tests/test_demo.py)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.wheel_install import CHECKOUT, install


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


def test_the_installed_wheel_is_what_runs_from_an_empty_directory(wheel: Path, tmp_path: Path) -> None:
    installed = install(wheel, tmp_path)
    where = installed.run(
        [sys.executable, "-c", "import dutyflow, flows, tasks; print(dutyflow.__file__, flows.__file__, tasks.__file__)"]
    ).split()
    assert all(Path(path).is_relative_to(installed.target) for path in where), where
    assert "Chạy thử trọn năm kế hoạch mẫu" in installed.run([str(installed.target / "bin" / "dutyflow"), "demo", "--help"])
    assert not list(installed.cwd.iterdir())
