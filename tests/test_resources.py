"""The resources object: the plan it serves follows the store, the provider the flows read is overridable."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from dutyflow.plan import load_plan
from dutyflow.resources import Resources
from dutyflow.store.db import session_scope
from dutyflow.store.sync import load_plan_into_store
from flows._common import override, resources
from tests.conftest import at


def load(engine: Engine, path: Path, day: str) -> None:
    with session_scope(engine) as session:
        load_plan_into_store(session, load_plan(path), path, now=at(day), actor="t")


def test_the_plan_is_validated_once_and_follows_a_reload(engine: Engine, mini_plan_path: Path, tmp_path: Path) -> None:
    load(engine, mini_plan_path, "2025-04-20")
    runtime = Resources.for_test(engine, tmp_path / "data")
    first = runtime.loaded_plan()
    assert first.plan.title == "Kế hoạch thử nghiệm năm 2025"
    assert runtime.loaded_plan() is first  # the same stored version: not validated again
    text = mini_plan_path.read_text(encoding="utf-8")
    mini_plan_path.write_text(text.replace("Kế hoạch thử nghiệm năm 2025", "Kế hoạch thử nghiệm (sửa)"), "utf-8")
    load(engine, mini_plan_path, "2025-04-22")
    assert runtime.loaded_plan().plan.title == "Kế hoạch thử nghiệm (sửa)"


def test_the_flows_provider_gives_the_override_inside_the_block_only(engine: Engine, tmp_path: Path) -> None:
    outer = Resources.for_test(engine, tmp_path / "a")
    inner = Resources.for_test(engine, tmp_path / "b")
    with override(outer):
        assert resources() is outer
        with override(inner):
            assert resources() is inner
        assert resources() is outer
