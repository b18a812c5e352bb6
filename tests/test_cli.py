"""The `dutyflow` command as an administrator uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.paths import BUNDLED_PLAN

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DUTYFLOW_DATA_DIR": str(tmp_path / "data"),
        "DUTYFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'store.db'}",
        "COLUMNS": "200",
    }


def run(args: list[str], env: dict[str, str]):
    return runner.invoke(app, args, env=env, catch_exceptions=False)


def test_plan_check_accepts_the_bundled_plan(env: dict[str, str]) -> None:
    result = run(["plan", "check", str(BUNDLED_PLAN)], env)
    assert result.exit_code == 0, result.output
    assert "Kế hoạch hợp lệ" in result.output
    assert "33 chỉ tiêu" in result.output


def test_plan_check_of_a_broken_copy_fails_with_the_line(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = BUNDLED_PLAN.read_text(encoding="utf-8")
    broken.write_text(text.replace("rule: before", "rule: truoc", 1), encoding="utf-8")
    line = text[: text.index("rule: before")].count("\n") + 1
    result = run(["plan", "check", str(broken)], env)
    assert result.exit_code == 1
    assert f"dòng {line}" in result.output
    assert "rule" in result.output


def test_plan_show_json_has_the_promised_shape(env: dict[str, str]) -> None:
    result = run(["plan", "show", str(BUNDLED_PLAN), "--json"], env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("units", "duties", "indicators", "forms", "deliverables"):
        assert isinstance(data[key], list) and data[key], key
    assert {"code", "name", "kind"} <= data["units"][0].keys()
    assert {"code", "name", "measure", "direction", "target"} <= data["indicators"][0].keys()
    six_months = next(d for d in data["deliverables"] if d["due"] == "2025-05-20")
    assert six_months["rule"] == "before"
    assert six_months["last_day"] == "2025-05-19"
    assert len(six_months["units"]) >= 30
    communes = {u["gso_code"] for u in data["units"] if u["kind"] in {"commune", "town"}}
    assert len(communes) == 21 and "01447" in communes and "01525" in communes


def test_status_before_any_database_says_how_to_start(env: dict[str, str]) -> None:
    result = run(["status"], env)
    assert result.exit_code == 1
    assert "dutyflow db upgrade" in result.output


def test_status_on_19_may_lists_every_six_month_report_as_due_that_day(env: dict[str, str]) -> None:
    assert run(["db", "upgrade"], env).exit_code == 0
    loaded = run(["plan", "load", str(BUNDLED_PLAN)], env)
    assert loaded.exit_code == 0, loaded.output
    assert run(["plan", "load", str(BUNDLED_PLAN)], env).output.strip().endswith("không thay đổi gì.")
    result = run(["status", "--as-of", "2025-05-19", "--json"], env)
    lines = json.loads(result.stdout)
    six = [line for line in lines if line["last_day"] == "2025-05-19" and line["period"] == "2025"]
    reporting_units = json.loads(run(["plan", "show", "--json"], env).stdout)
    expected = next(d for d in reporting_units["deliverables"] if d["due"] == "2025-05-20")["units"]
    assert sorted(line["unit"] for line in six) == sorted(expected)
    assert {line["standing"] for line in six} == {"due_today"}
    table = run(["status", "--as-of", "2025-05-19", "--unit", "tu-phap"], env)
    assert table.exit_code == 0
    assert "hạn hôm nay" in table.output and "19/05/2025" in table.output


def test_status_rejects_a_bad_date_and_an_unknown_unit(env: dict[str, str]) -> None:
    run(["db", "upgrade"], env)
    run(["plan", "load", str(BUNDLED_PLAN)], env)
    bad = run(["status", "--as-of", "19/13/2025"], env)
    assert bad.exit_code == 2 and "ngày/tháng/năm" in bad.output and "19/13/2025" in bad.output
    as_an_office_writes_it = run(["status", "--as-of", "19/5/2025"], env)
    assert as_an_office_writes_it.exit_code == 0, as_an_office_writes_it.output
    assert as_an_office_writes_it.output == run(["status", "--as-of", "2025-05-19"], env).output
    unknown = run(["status", "--unit", "khong-co"], env)
    assert unknown.exit_code == 1 and "khong-co" in unknown.output


def test_an_administrator_extends_pauses_resumes_and_reschedules(env: dict[str, str]) -> None:
    run(["db", "upgrade"], env)
    run(["plan", "load", str(BUNDLED_PLAN)], env)
    extended = run(
        ["extend", "tu-phap", "bao-cao-6-thang", "--until", "2025-05-26", "--reason", "Bão lũ", "--as-of", "2025-05-19"],
        env,
    )
    assert extended.exit_code == 0, extended.output
    assert "26/05/2025" in extended.output
    paused = run(["pause", "xa-tri-phuong", "--reason", "Sáp nhập đơn vị", "--as-of", "2025-05-13"], env)
    assert paused.exit_code == 0, paused.output
    assert run(["pause", "xa-tri-phuong", "--reason", "x"], env).exit_code == 1
    assert run(["resume", "xa-tri-phuong"], env).exit_code == 0
    scheduled = run(["schedule", "set", "chase", "--cron", "30 7 * * 1-5"], env)
    assert scheduled.exit_code == 0, scheduled.output
    assert run(["schedule", "set", "chase", "--cron", "mỗi sáng"], env).exit_code == 1
    shown = run(["schedule", "show"], env)
    assert "30 7 * * 1-5" in shown.output and "0 7 * * 1-5" in shown.output
    status = run(["status", "--as-of", "2025-05-20", "--unit", "tu-phap"], env)
    assert "26/05/2025" in status.output  # the extended last day
    assert "Bão lũ" in status.output and "Sáp nhập đơn vị" in status.output  # recent changes, with reasons
    data = json.loads(run(["status", "--as-of", "2025-05-20", "--unit", "tu-phap", "--json"], env).stdout)
    six = next(line for line in data if line["deliverable"] == "bao-cao-6-thang")
    assert six["extended_until"] == "2025-05-26" and six["standing"] == "on_track"


def test_extend_refuses_without_a_reason_or_with_an_unknown_unit(env: dict[str, str]) -> None:
    run(["db", "upgrade"], env)
    run(["plan", "load", str(BUNDLED_PLAN)], env)
    unknown = run(["extend", "khong-co", "bao-cao-6-thang", "--until", "2025-05-26", "--reason", "x"], env)
    assert unknown.exit_code == 1 and "khong-co" in unknown.output
    blank = run(["extend", "tu-phap", "bao-cao-6-thang", "--until", "2025-05-26", "--reason", " "], env)
    assert blank.exit_code == 1 and "lý do" in blank.output
