"""The plan package: its modules import one another one way (no import inside a function to
dodge a cycle, as `plan` and `periods` once did), any of them can be imported first, and every
name the rest of the code imports from `dutyflow.plan` is still there."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import dutyflow.plan

PACKAGE = Path(dutyflow.plan.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_no_module_of_the_plan_package_imports_inside_a_function() -> None:
    late = []
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                late.extend(
                    f"{path.name}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                )
    assert not late


@pytest.mark.parametrize("module", MODULES)
def test_each_module_can_be_imported_first(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import dutyflow.plan.{module}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=PACKAGE.parent.parent,
    )
    assert done.returncode == 0, done.stderr


def test_the_names_others_import_from_dutyflow_plan_are_there() -> None:
    root = PACKAGE.parent.parent
    wanted: set[str] = set()
    for folder in ("dutyflow", "flows", "tasks", "tests", "bench", "tools"):
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "dutyflow.plan":
                    wanted.update(alias.name for alias in node.names)
    assert wanted, "nothing imports from dutyflow.plan: the search is broken"
    assert sorted(name for name in wanted if not hasattr(dutyflow.plan, name)) == []
    assert wanted <= set(dutyflow.plan.__all__)
