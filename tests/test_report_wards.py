"""A ward (phường) or a special zone (đặc khu) is reported with the communes, not as a department."""

from __future__ import annotations

import re
from pathlib import Path

from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import UnitKind, load_plan
from tests.test_report_docx import body_lines, build


def test_a_ward_is_counted_and_listed_with_the_communes(tmp_path: Path) -> None:
    source = BUNDLED_PLAN.read_text(encoding="utf-8")
    ward = (
        source.replace('kind: commune\n    gso_code: "01453"', 'kind: ward\n    gso_code: "01453"')
        .replace("kinds: [commune, town]", "kinds: [commune, ward, town]")
        .replace("kinds: [department, agency, organisation, front, commune, town]", "kinds: [department, agency, organisation, front, commune, ward, town]")
    )
    assert ward.count("ward") == 3
    edited = tmp_path / "plan.yaml"
    edited.write_text(ward, encoding="utf-8")
    plan = load_plan(edited)
    assert plan.unit("xa-tri-phuong").kind is UnitKind.WARD

    lines = body_lines(build(tmp_path / "report", final=True, plan=plan).docx)

    assert "Có 20/21 xã, thị trấn đã gửi báo cáo; chưa gửi: UBND xã Đoài Dương." in lines
    assert not [line for line in lines if re.fullmatch(r"\d+\. UBND xã Tri Phương", line)]
