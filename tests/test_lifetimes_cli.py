"""`plan show` and `status` show units' lifetimes and successions, and tell same-named units apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.cli import app
from tests.conftest import FIXTURES
from tests.test_lifetimes_merger import as_written_in_january

runner = CliRunner()
MERGER_PLAN = FIXTURES / "merger-plan.yaml"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'store.db'}",
        "COLUMNS": "250",
    }


def run(args: list[str], env: dict[str, str]):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def test_plan_show_gives_each_unit_its_lifetime_and_successor(env: dict[str, str]) -> None:
    summary = json.loads(run(["plan", "show", str(MERGER_PLAN), "--json"], env).stdout)
    units = {u["code"]: u for u in summary["units"]}
    assert units["xa-a"]["closes"] == "2025-07-01" and units["xa-a"]["successor"] == "xa-hop-nhat"
    assert units["xa-hop-nhat"]["opens"] == "2025-07-01" and units["xa-hop-nhat"]["closes"] is None
    assert units["tu-phap"]["lifetime"] == ""
    table = " ".join(run(["plan", "show", str(MERGER_PLAN)], env).output.split())
    assert "kết thúc hoạt động từ ngày 01/07/2025; chuyển giao cho UBND xã Hợp Nhất" in table
    assert "tiếp nhận nhiệm vụ của UBND xã A, UBND xã B, UBND xã C" in table


def test_status_names_units_with_their_lifetimes_and_says_where_withdrawn_reports_went(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run(["db", "upgrade"], env).exit_code == 0
    january = tmp_path / "plan.yaml"
    january.write_text(as_written_in_january(MERGER_PLAN.read_text(encoding="utf-8")), encoding="utf-8")
    assert run(["plan", "load", str(january)], env).exit_code == 0
    # Reloaded with the merger (the clock is past 1/7/2025): every report still owed is the successor's.
    assert run(["plan", "load", str(MERGER_PLAN)], env).exit_code == 0
    lines = json.loads(run(["status", "--json"], env).stdout)
    old = [line for line in lines if line["unit"] == "xa-a"]
    assert old and {line["unit_closes"] for line in old} == {"2025-07-01"}
    assert {line["unit_successor"] for line in old} == {"xa-hop-nhat"}
    new = [line for line in lines if line["unit"] == "xa-hop-nhat"]
    assert {line["unit_opens"] for line in new} == {"2025-07-01"}
    annual = [line for line in lines if line["deliverable"] == "bao-cao-nam" and line["standing"] != "withdrawn"]
    assert sorted(line["unit"] for line in annual) == ["tu-phap", "xa-hop-nhat"]  # owed once
    table = " ".join(run(["status", "--unit", "xa-a"], env).output.split())
    assert "UBND xã A (đến 30/06/2025)" in table
    assert "không còn phải nộp" in table and "chuyển cho UBND xã Hợp Nhất" in table
    table = " ".join(run(["status", "--unit", "xa-hop-nhat"], env).output.split())
    assert "UBND xã Hợp Nhất (từ 01/07/2025)" in table
    # On 2/7/2025 nothing had been withdrawn yet: the reload came later, and status as of a day
    # shows what had happened by then.
    then = json.loads(run(["status", "--as-of", "2025-07-02", "--json"], env).stdout)
    assert not [line for line in then if line["standing"] == "withdrawn"]


def test_plan_check_refuses_issuers_out_of_date_order(env: dict[str, str], tmp_path: Path) -> None:
    text = MERGER_PLAN.read_text(encoding="utf-8")
    earlier = '    - from: 2025-03-01\n      issuer: {name: "TỈNH KHÁC", short_name: "UBND tỉnh Khác", place: "Khác"}\n'
    broken = tmp_path / "plan.yaml"
    broken.write_text(
        text.replace("      signer: {authority", earlier + "      signer: {authority", 1), encoding="utf-8"
    )
    assert "TỈNH KHÁC" in broken.read_text(encoding="utf-8")
    result = run(["plan", "check", str(broken)], env)
    assert result.exit_code == 1
    assert "01/03/2025" in result.output and "succession" in result.output
