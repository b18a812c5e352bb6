"""In CI nothing skips: every way of skipping becomes a failure; elsewhere a skip stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci import in_ci

CHECKOUT = Path(__file__).parent.parent

SKIPPING = '''
import pytest
from tests.ci import unavailable

def test_skip():
    pytest.skip("no tool")

def test_importorskip():
    pytest.importorskip("a_module_that_is_not_installed")

@pytest.mark.skipif(True, reason="never here")
def test_skipif():
    pass

def test_unavailable():
    unavailable("the relay is down")

@pytest.mark.xfail(reason="known")
def test_xfail():
    assert False

def test_passes():
    pass
'''


SKIPPING_MODULE = '''
import pytest
pytest.importorskip("another_module_that_is_not_installed")

def test_never_collected():
    pass
'''


def run_pytest(tmp_path: Path, ci: str, module: str = SKIPPING) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n"
    )
    (tmp_path / "test_skipping.py").write_text(module)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(CHECKOUT)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("yes", True), ("", False), ("0", False), ("false", False)])
def test_ci_is_one_definition(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def test_in_ci_every_skip_is_a_failure(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "true")
    assert result.returncode == 1, result.stdout
    # A skipif mark skips during set-up, so pytest counts it as an error rather than a failure.
    assert "3 failed, 1 passed, 1 xfailed, 1 error" in result.stdout, result.stdout
    for name in ("test_skip", "test_importorskip", "test_unavailable"):
        assert f"FAILED test_skipping.py::{name}" in result.stdout, (name, result.stdout)
    assert "ERROR test_skipping.py::test_skipif" in result.stdout, result.stdout


def test_in_ci_a_module_that_skips_itself_is_an_error(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "true", SKIPPING_MODULE)
    assert result.returncode != 0, result.stdout
    assert "ERROR test_skipping.py - skipped in CI" in result.stdout, result.stdout
    elsewhere = run_pytest(tmp_path, "", SKIPPING_MODULE)
    assert elsewhere.returncode == 5 and "1 skipped" in elsewhere.stdout, elsewhere.stdout


def test_elsewhere_a_skip_stays_a_skip(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 4 skipped, 1 xfailed" in result.stdout, result.stdout
