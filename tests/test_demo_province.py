"""`dutyflow demo --plan`: the short demo runs the province's 2026 plan over its own year."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutyflow.cli import app
from dutyflow.paths import PLANS_DIR
from dutyflow.plan import load_plan
from tests.test_wording_levels import foreign


@pytest.mark.slow
def test_the_short_demo_runs_the_province_plan_through_2026(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    plan = PLANS_DIR / "cao-bang-2026.yaml"
    result = CliRunner().invoke(
        app,
        ["demo", "--quick", "--plan", str(plan), "--out", str(out), "--seed", "2025"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())

    # Messages per kind, for seed 2025 (deterministic: the same seed gives the same year).
    expected = {
        "Thư giao nhiệm vụ": 6,
        "Thư nhắc trước hạn": 38,
        "Thư báo hạn hôm nay": 15,
        "Thư báo quá hạn": 12,
        "Thư báo quá hạn lần hai (đồng gửi thủ trưởng)": 10,
        "Thư đề nghị thủ trưởng chỉ đạo": 7,
        "Bản tổng hợp hằng tuần gửi lãnh đạo": 27,
        "Thư xác nhận đã nhận báo cáo": 15,
        "Thư đề nghị sửa báo cáo": 1,
        "Thư gửi báo cáo đã phát hành (ký số) tới nơi nhận": 1,
        "Thư gửi báo cáo tổng hợp cho lãnh đạo": 1,
    }
    # Piped, the summary table is one tab-separated row per line (docs/decisions.md, 18).
    rows = dict(line.split("\t") for line in result.output.splitlines() if line.count("\t") == 1)
    assert {label: rows.get(label) for label in expected} == {label: str(n) for label, n in expected.items()}
    assert rows["Nghĩa vụ đã hoàn thành (báo cáo được chấp nhận)"] == "16"
    assert rows["Nghĩa vụ chưa nộp"] == "6"
    assert "UBND xã Nam Quang không nộp báo cáo nào" in text and "UBND xã Bảo Lâm nộp báo cáo 6 tháng sai" in text
    # The short plan keeps the office, two sở and three xã of the province.
    reduced = (out / "ke-hoach-rut-gon.yaml").read_text(encoding="utf-8")
    assert reduced.count("kind: province_department") == 2 and reduced.count("kind: commune") == 3

    emls = sorted((out / "mail").glob("*.eml"))
    assert len(emls) == sum(expected.values())
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in emls]
    first = messages[0]
    assert str(first["Subject"]).startswith("Thông báo nhiệm vụ và thời hạn báo cáo")
    assert "Kế hoạch thực hiện công tác trẻ em năm 2026 trên địa bàn tỉnh Cao Bằng" in str(first["Subject"])
    recipients = {a.addr_spec for m in messages for field in ("To", "Cc") if m[field] for a in m[field].addresses}
    # The province's own units, and the ministry the issued report is addressed to (the plan's `report`).
    assert recipients and all(
        addr.endswith(".caobang.example") or addr == "vanthu@boyte.thunghiem.example" for addr in recipients
    ), recipients
    assert "vanthu@boyte.thunghiem.example" in recipients
    # The simulated clock ran over the plan's own year: the assignment on 21/4/2026, the final
    # report on 19/11/2026 (two working days before 24/11, a day off in 2026).
    body = first.get_body(preferencelist=("plain",))
    assert body is not None and "Cao Bằng, ngày 21 tháng 4 năm 2026" in body.get_content()
    assert "19/11/2026" in text

    reports = out / "reports" / "cao-bang-2026"
    final = next(reports.glob("2026-11-19-chinh-thuc"))
    draft = next(reports.glob("2026-11-16-du-thao"))
    for suffix in (".docx", ".pdf", ".html"):
        [path] = list(final.glob(f"*{suffix}"))
        assert path.stat().st_size > 5_000, path
    assert list(draft.glob("*-du-thao.docx"))
    report = next(final.glob("*.html")).read_text(encoding="utf-8")
    assert "UBND tỉnh Cao Bằng báo cáo kết quả" in report and "ngày 19 tháng 11 năm 2026" in report
    assert "Báo cáo kết quả thực hiện" in (out / "tinh-hinh.html").read_text(encoding="utf-8")
    assert "Xong trong" in text
    # No district's wording in a province's outputs (decisions.md, "Wording from the plan"): the
    # province's plan never says "huyện", nor names the district's office.
    bodies = [m.get_body(preferencelist=("plain",)) for m in messages]
    texts = [("report", report), *((f"email {m['Subject']}", b.get_content()) for m, b in zip(messages, bodies, strict=True) if b)]
    assert len(texts) == len(messages) + 1
    assert foreign(load_plan(plan), texts) == []


def test_a_demo_plan_that_is_not_valid_is_refused_in_vietnamese(tmp_path: Path) -> None:
    broken = tmp_path / "ke-hoach.yaml"
    broken.write_text("plan:\n  code: x\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["demo", "--quick", "--plan", str(broken), "--out", str(tmp_path / "d")])

    assert result.exit_code == 1
    assert "Lỗi:" in result.output and str(broken) in " ".join(result.output.split())
    assert "Traceback" not in result.output and not (tmp_path / "d").exists()
