"""One way to write a number, everywhere a person reads one (decision "One way to write a number"):
the forms, the portal's web form, the report (DOCX and HTML), emails and messages."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from dutyflow import formatting, indicators, templating
from dutyflow.forms import FormTarget, web_fields
from dutyflow.forms.layout import target_label
from dutyflow.mail import MailRenderer
from dutyflow.paths import BUNDLED_PLAN
from dutyflow.plan import Measure, load_plan
from dutyflow.report.build import build_from_input
from dutyflow.report.context import template_context
from dutyflow.report.data import report_context
from tests.test_mail_templates import context
from tests.test_report_docx import body_lines, fixed_input

ROOT = Path(__file__).resolve().parent.parent
TRAILING_ZERO = re.compile(r"\d,\d*0(?![\d.,])")
"""A decimal written with a zero it does not need: "9,50", "90,00", "15,10"."""
HAND_FORMATTING = re.compile(r"""\{[^{}]*:[^{}]*\.\d+f\}|%\.\d+f|:,\}|\.quantize\(|"\{:,""")
SIGN = {Measure.PERCENT: "%", Measure.PERMILLE: "‰", Measure.PER_100000: "/100.000", Measure.COUNT: ""}


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (Decimal("9.50"), None, "9,5"),
        (Decimal("9.50"), 2, "9,5"),
        (Decimal("90.00"), 2, "90"),
        (Decimal("15.099"), 2, "15,1"),
        (Decimal("4878.30"), 2, "4.878,3"),
        (Decimal("0.125"), 2, "0,13"),  # half up
        (1234567, None, "1.234.567"),
        (-1234.5, None, "-1.234,5"),
        (Decimal("1E+3"), None, "1.000"),
    ],
)
def test_a_number_reads_the_same_whoever_writes_it(value: Decimal, digits: int | None, expected: str) -> None:
    assert formatting.format_number(value, digits) == expected
    assert formatting.vn_number(value, digits) == expected
    assert indicators.format_number(Decimal(value), digits) == expected


def test_every_writer_of_numbers_is_the_one_function() -> None:
    one = formatting.format_number
    assert formatting.vn_number is one
    assert templating.environment().filters["vn_number"] is one
    assert templating.docx_environment().filters["vn_number"] is one


def test_no_module_or_template_formats_a_number_by_hand() -> None:
    """Everything a person reads goes through the one function: no f-string precision, no
    %-format, no quantize for display outside it."""
    # The function itself; rounding a value to judge it (indicators) or to store it (validate).
    allowed = {ROOT / "dutyflow/formatting.py", ROOT / "dutyflow/indicators.py", ROOT / "dutyflow/forms/validate.py"}
    found = []
    for path in [*(ROOT / "dutyflow").rglob("*.py"), *(ROOT / "dutyflow/templates").rglob("*.j2")]:
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if HAND_FORMATTING.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_a_target_reads_the_same_on_the_form_the_web_form_and_the_report(tmp_path: Path) -> None:
    plan = load_plan(BUNDLED_PLAN)
    fractional = [i for i in plan.indicators if i.target is not None and i.target != i.target.to_integral_value()]
    assert fractional  # 15,1%, 99,1%, 0,7‰ … in the bundled plan
    unit = next(u.code for u in plan.units if u.kind == "commune")
    deliverable = next(d for d in plan.deliverables if d.code == "bao-cao-nam")
    target = FormTarget(plan, unit, deliverable.code, "2025", "năm 2025")
    references = " ".join(f.reference for code in deliverable.forms for f in web_fields(target, code))
    rows = {r["code"]: r for r in _indicator_rows(tmp_path)}
    docx = "\n".join(body_lines(build_from_input(fixed_input(plan), tmp_path, final=True, pdf=False).docx))
    for indicator in fractional:
        assert indicator.target is not None
        written = formatting.format_number(indicator.target) + SIGN[indicator.measure]
        assert target_label(indicator) == written
        assert written in rows[indicator.code]["target"], (indicator.code, rows[indicator.code]["target"])
        assert written in docx
        if indicator.code in {
            i.code for i in plan.indicators if unit in {u.code for u in plan.expand_units(i.reported_by)}
        }:
            assert written in references, indicator.code


def _indicator_rows(tmp_path: Path) -> list[dict[str, str]]:
    context_ = template_context(report_context(fixed_input(), final=True))
    return [row for group in context_["indicator_groups"] for row in group["rows"]]


def test_no_document_writes_a_zero_it_does_not_need(tmp_path: Path) -> None:
    files = build_from_input(fixed_input(), tmp_path, final=True, pdf=False)
    texts = {
        "docx": "\n".join(body_lines(files.docx)),
        "html": files.html.read_text(encoding="utf-8"),
    }
    renderer = MailRenderer()
    digest = context("digest") | {"counts": {"expected": 30, "received": 15, "overdue": 15}}
    texts["digest"] = "\n".join(renderer.render("digest", digest))
    found = {name: TRAILING_ZERO.findall(text) for name, text in texts.items()}
    assert not any(found.values()), found
    assert "đạt 50%" in texts["digest"]
