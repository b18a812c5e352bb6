"""Email templates: every message renders from a realistic context, escapes HTML, reads as text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import jinja2
import pytest

from dutyflow.formatting import dmy, ngay, vn_number
from dutyflow.mail import MailRenderer, environment

NAMES = ["assignment", "reminder", "due_today", "overdue", "overdue_second", "escalation", "digest"]
UNIT_NAME = 'Phòng Văn hóa & Thông tin <huyện> "Trùng Khánh"'
TAG = re.compile(r"</?(?:p|br|div|span|strong|em|ol|ul|li|a|h\d|table|thead|tbody|tr|td|th|html|head|body)\b", re.I)
ENTITY = re.compile(r"&(?:amp|lt|gt|quot|#\d+);")
PORTAL = "https://baocao.trungkhanh.example.vn/u/vhtt?token=abc&lang=vi"


def common(portal_url: str | None = PORTAL) -> dict[str, Any]:
    return {
        "plan": {
            "title": "Kế hoạch thực hiện công tác trẻ em năm 2025 trên địa bàn huyện Trùng Khánh",
            "year": 2025,
            "issuer_short_name": "UBND huyện Trùng Khánh",
            "place": "Trùng Khánh",
            "leader": "Phó Chủ tịch UBND huyện Trùng Khánh phụ trách lĩnh vực",
            "leader_title": "Phó Chủ tịch",
            "addressee": "Lãnh đạo UBND huyện Trùng Khánh",
            "reporters": "các cơ quan, đơn vị và Ủy ban nhân dân các xã, thị trấn",
            "office": "Văn phòng",
        },
        "office": {"name": "Văn phòng HĐND&UBND huyện Trùng Khánh", "email": "vanphong@trungkhanh.example.vn"},
        "unit": {
            "code": "vhtt",
            "name": UNIT_NAME,
            "focal_name": "Nông Thị Hạnh",
            "head_name": "Hoàng Văn Đức",
        },
        "portal_url": portal_url,
        "today": dt.date(2025, 5, 19),
    }


def pending(**overrides: Any) -> list[dict[str, Any]]:
    first = {
        "deliverable_name": "Báo cáo 6 tháng đầu năm về công tác trẻ em",
        "period_label": "6 tháng đầu năm 2025",
        "last_day": dt.date(2025, 5, 19),
        "last_day_off": False,
        "days_left": 3,
        "days_overdue": 0,
        "extended_until": None,
        "reports_for": ["UBND xã Ngọc Khê"],
    }
    second = {
        "deliverable_name": "Phụ lục I - Kết quả thực hiện chỉ tiêu",
        "period_label": "6 tháng đầu năm 2025",
        "last_day": dt.date(2025, 5, 19),
        "last_day_off": False,
        "days_left": 3,
        "days_overdue": 0,
        "extended_until": None,
        "reports_for": [],
    }
    return [{**first, **overrides}, {**second, **overrides}]


def assignment() -> dict[str, Any]:
    return {
        "duties": [
            {
                "code": "v3",
                "section": "V.3",
                "title": "Bảo đảm quyền tham gia của trẻ em & phòng, chống xâm hại",
                "text": "Chủ trì, phối hợp với UBND các xã, thị trấn tuyên truyền về quyền trẻ em; "
                "tổ chức diễn đàn trẻ em cấp huyện <định kỳ> và tổng hợp ý kiến, nguyện vọng của trẻ em.",
                "partner": False,
            },
            {
                "code": "v1",
                "section": "V.1",
                "title": "Chủ trì triển khai Kế hoạch",
                "text": "Chủ trì phối hợp với các cơ quan liên quan tổ chức triển khai nội dung của Kế hoạch.",
                "partner": True,
            },
        ],
        "items": [
            {
                "deliverable_name": "Báo cáo 6 tháng",
                "period_label": "6 tháng đầu năm 2025",
                "due": dt.date(2025, 6, 15),
                "rule": "before",
                "last_day": dt.date(2025, 6, 13),
                "last_day_off": False,
                "forms": [{"code": "PL1", "name": "Phụ lục I", "title": "Kết quả thực hiện các chỉ tiêu"}],
                "attachments_allowed": True,
                "reports_for": [],
            },
            {
                "deliverable_name": "Báo cáo năm",
                "period_label": "Năm 2025",
                "due": dt.date(2025, 12, 5),
                "rule": "by",
                "last_day": dt.date(2025, 12, 5),
                "last_day_off": False,
                "forms": [],
                "attachments_allowed": False,
                "reports_for": ["UBND xã Ngọc Khê", "UBND xã Phong Châu"],
            },
        ],
    }


def digest() -> dict[str, Any]:
    return {
        "late": [
            {
                "unit_name": "UBND xã Ngọc Khê",
                "deliverable_name": "Báo cáo 6 tháng",
                "period_label": "6 tháng đầu năm 2025",
                "last_day": dt.date(2025, 5, 5),
                "days_overdue": 3,
                "reminders_sent": 2,
            },
            {
                "unit_name": UNIT_NAME,
                "deliverable_name": "Báo cáo 6 tháng",
                "period_label": "6 tháng đầu năm 2025",
                "last_day": dt.date(2025, 5, 5),
                "days_overdue": 12,
                "reminders_sent": 0,
            },
        ],
        "counts": {"expected": 29, "received": 25, "overdue": 4},
    }


def context(name: str, portal_url: str | None = PORTAL) -> dict[str, Any]:
    if name == "assignment":
        return {**common(portal_url), **assignment()}
    if name == "digest":
        return {**common(portal_url), **digest()}
    return {**common(portal_url), "items": pending()}


def render(name: str, ctx: dict[str, Any] | None = None) -> tuple[str, str, str]:
    return MailRenderer().render(name, ctx if ctx is not None else context(name))


# --------------------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2025, 2, 5), "ngày 05 tháng 02 năm 2025"),
        (dt.date(2025, 5, 19), "ngày 19 tháng 5 năm 2025"),
        (dt.date(2025, 11, 19), "ngày 19 tháng 11 năm 2025"),
        (dt.date(2025, 1, 10), "ngày 10 tháng 01 năm 2025"),
        (dt.date(2025, 12, 9), "ngày 09 tháng 12 năm 2025"),
    ],
)
def test_it_writes_long_dates_the_decree_30_way(day: dt.date, expected: str) -> None:
    assert ngay(day) == expected


def test_it_writes_short_dates_without_leading_zeros() -> None:
    assert dmy(dt.date(2025, 5, 19)) == "19/5/2025"
    assert dmy(dt.date(2025, 2, 5)) == "5/2/2025"


def test_it_refuses_to_format_something_that_is_not_a_date() -> None:
    with pytest.raises(TypeError):
        ngay("2025-05-19")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1234.5, None, "1.234,5"),
        (1234567, None, "1.234.567"),
        (Decimal("0.5"), None, "0,5"),
        (-1234.5, None, "-1.234,5"),
        (86.20689655, 1, "86,2"),
        (Decimal("2.25"), 1, "2,3"),
        (100, 1, "100"),
        (Decimal("9.50"), 2, "9,5"),
    ],
)
def test_it_writes_numbers_the_vietnamese_way(value: int | float | Decimal, digits: int | None, expected: str) -> None:
    assert vn_number(value, digits) == expected


def test_it_shares_one_cached_environment_escaping_only_html_templates() -> None:
    env = environment()
    assert env is environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.from_string("{{ x }}").render(x="<&>") == "<&>"
    assert env.get_template("email/reminder.txt.j2").environment is env


# --------------------------------------------------------------------------- every template


@pytest.mark.parametrize("name", NAMES)
def test_it_renders_a_one_line_subject(name: str) -> None:
    subject, _, _ = render(name)
    assert subject
    assert "\n" not in subject and "\r" not in subject
    assert subject == subject.strip()
    assert "  " not in subject


@pytest.mark.parametrize("name", NAMES)
def test_it_renders_a_text_part_that_reads_without_html(name: str) -> None:
    _, text, _ = render(name)
    assert not TAG.search(text), TAG.search(text)
    assert not ENTITY.search(text)
    assert "{{" not in text and "{%" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    assert "Trân trọng./." in text
    assert "Văn phòng HĐND&UBND huyện Trùng Khánh" in text


@pytest.mark.parametrize("name", NAMES)
def test_it_wraps_the_text_part_except_links(name: str) -> None:
    _, text, _ = render(name)
    long_lines = [line for line in text.splitlines() if len(line) > 76 and "https://" not in line]
    assert long_lines == []


@pytest.mark.parametrize("name", NAMES)
def test_it_keeps_ampersands_brackets_and_quotes_literal_in_the_text_part(name: str) -> None:
    _, text, _ = render(name)
    flat = " ".join(text.split())
    assert UNIT_NAME in flat
    assert "HĐND&UBND" in flat


@pytest.mark.parametrize("name", NAMES)
def test_it_escapes_user_values_in_the_html_part(name: str) -> None:
    _, _, html = render(name)
    assert "Phòng Văn hóa &amp; Thông tin &lt;huyện&gt; &#34;Trùng Khánh&#34;" in html
    assert "<huyện>" not in html
    assert "HĐND&amp;UBND" in html
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in html


@pytest.mark.parametrize("name", NAMES)
def test_it_dates_every_message_in_the_date_line_style(name: str) -> None:
    _, text, html = render(name)
    assert text.startswith("Trùng Khánh, ngày 19 tháng 5 năm 2025\n")
    assert "Trùng Khánh, ngày 19 tháng 5 năm 2025" in html


@pytest.mark.parametrize("name", NAMES)
def test_it_needs_every_key_of_the_context(name: str) -> None:
    ctx = context(name)
    del ctx["office"]
    with pytest.raises(jinja2.UndefinedError):
        render(name, ctx)


@pytest.mark.parametrize("name", [name for name in NAMES if name != "digest"])
def test_it_asks_for_a_reply_by_email_when_there_is_no_portal(name: str) -> None:
    _, text, html = render(name, context(name, portal_url=None))
    flat = " ".join(text.split())
    assert "trả lời thư này" in flat
    assert "vanphong@trungkhanh.example.vn" in flat
    assert "None" not in text and "None" not in html
    assert 'href="mailto:vanphong@trungkhanh.example.vn"' in html


@pytest.mark.parametrize("name", [name for name in NAMES if name != "digest"])
def test_it_links_the_units_portal_page(name: str) -> None:
    _, text, html = render(name)
    assert "https://baocao.trungkhanh.example.vn/u/vhtt?token=abc&lang=vi\n" in text
    assert 'href="https://baocao.trungkhanh.example.vn/u/vhtt?token=abc&amp;lang=vi"' in html


def test_it_refuses_a_template_name_that_is_a_path() -> None:
    with pytest.raises(ValueError):
        MailRenderer().render("../portal/index", context("reminder"))


# --------------------------------------------------------------------------- each message


def test_it_lists_duties_and_every_deliverable_with_its_last_day_in_the_assignment() -> None:
    subject, text, html = render("assignment")
    flat = " ".join(text.split())
    assert subject == (
        "Thông báo nhiệm vụ và thời hạn báo cáo – "
        "Kế hoạch thực hiện công tác trẻ em năm 2025 trên địa bàn huyện Trùng Khánh"
    )
    assert "1. Bảo đảm quyền tham gia của trẻ em & phòng, chống xâm hại (mục V.3 của Kế hoạch)" in flat
    assert "2. Phối hợp: Chủ trì triển khai Kế hoạch (mục V.1 của Kế hoạch)" in flat
    assert "<em>Phối hợp:</em> <strong>Chủ trì triển khai Kế hoạch</strong>" in html
    assert "tổ chức diễn đàn trẻ em cấp huyện <định kỳ>" in flat
    assert "gửi trước ngày 15 tháng 6 năm 2025 (ngày cuối cùng tiếp nhận: 13/6/2025)" in flat
    assert "gửi chậm nhất ngày 05 tháng 12 năm 2025 (ngày cuối cùng tiếp nhận: 5/12/2025)" in flat
    assert "Phụ lục I: Kết quả thực hiện các chỉ tiêu" in flat
    assert "Được gửi kèm văn bản, tài liệu liên quan." in flat
    assert "tệp lịch (.ics)" in flat
    assert "tệp lịch (.ics)" in html
    assert "trước ngày 15 tháng 6 năm 2025" in html


def test_it_lists_several_deliverables_due_the_same_day_in_one_reminder() -> None:
    subject, text, html = render("reminder")
    flat = " ".join(text.split())
    assert subject == "Nhắc thời hạn gửi 2 báo cáo – hạn cuối 19/5/2025"
    assert "1. Báo cáo 6 tháng đầu năm về công tác trẻ em – 6 tháng đầu năm 2025" in flat
    assert "2. Phụ lục I - Kết quả thực hiện chỉ tiêu – 6 tháng đầu năm 2025" in flat
    assert flat.count("Hạn cuối: ngày 19 tháng 5 năm 2025; còn 3 ngày.") == 2
    assert html.count("<li") == 2


def test_it_names_the_single_deliverable_in_the_subject() -> None:
    ctx = {**common(), "items": pending()[:1]}
    subject, _, _ = render("reminder", ctx)
    assert subject == (
        "Nhắc thời hạn gửi Báo cáo 6 tháng đầu năm về công tác trẻ em (6 tháng đầu năm 2025) – hạn cuối 19/5/2025"
    )


def test_it_shows_an_extended_deadline() -> None:
    ctx = {**common(), "items": pending(extended_until=dt.date(2025, 2, 5))}
    subject, text, _ = render("reminder", ctx)
    assert "(đã gia hạn đến ngày 05 tháng 02 năm 2025)" in " ".join(text.split())
    assert subject.endswith("hạn cuối 5/2/2025")


def test_it_says_the_deadline_is_today() -> None:
    ctx = {**common(), "items": pending(days_left=0)}
    subject, text, _ = render("due_today", ctx)
    flat = " ".join(text.split())
    assert subject == "Hôm nay là hạn cuối gửi 2 báo cáo"
    assert "Hôm nay, ngày 19 tháng 5 năm 2025, là ngày cuối cùng" in flat
    assert "hạn cuối là hôm nay" in flat


def test_it_counts_days_overdue() -> None:
    ctx = {**common(), "items": pending(days_left=0, days_overdue=4)}
    subject, text, html = render("overdue", ctx)
    assert subject == "Đề nghị gửi 2 báo cáo đã quá hạn"
    assert "đã quá hạn 4 ngày" in text
    assert "đã quá hạn 4 ngày" in html


def test_it_says_the_unit_head_is_copied_on_the_second_overdue_notice() -> None:
    ctx = {**common(), "items": pending(days_left=0, days_overdue=9)}
    subject, text, html = render("overdue_second", ctx)
    flat = " ".join(text.split())
    assert subject.startswith("Nhắc lần hai")
    assert "Đồng gửi: Đồng chí Hoàng Văn Đức, Thủ trưởng đơn vị" in flat
    assert "đồng gửi đồng chí Hoàng Văn Đức" in flat
    assert "Hoàng Văn Đức" in html


def test_it_addresses_the_escalation_to_the_head_and_names_the_focal_officer() -> None:
    ctx = {**common(), "items": pending(days_left=0, days_overdue=15)}
    subject, text, _ = render("escalation", ctx)
    flat = " ".join(text.split())
    assert subject.startswith("Đề nghị chỉ đạo hoàn thành 2 báo cáo quá hạn")
    assert "Kính gửi: Đồng chí Hoàng Văn Đức" in flat
    assert "đã nhắc đồng chí Nông Thị Hạnh, cán bộ đầu mối" in flat
    assert "chỉ đạo hoàn thành" in flat
    assert "cán bộ đầu mối)" not in flat  # not addressed to the focal officer


def test_it_sums_up_the_district_and_lists_the_latest_units_first_in_the_digest() -> None:
    subject, text, html = render("digest")
    flat = " ".join(text.split())
    assert subject == "Tình hình báo cáo đến ngày 19/5/2025: 4 báo cáo quá hạn"
    assert "Phó Chủ tịch UBND huyện Trùng Khánh" in flat
    assert "Đã nhận: 25 (đạt 86,2%)" in flat
    assert flat.index(UNIT_NAME) < flat.index("UBND xã Ngọc Khê")
    assert "quá hạn 12 ngày; chưa nhắc." in flat
    assert "quá hạn 3 ngày; đã nhắc 2 lần." in flat
    assert html.index("Phòng Văn hóa &amp; Thông tin") < html.index("UBND xã Ngọc Khê")


def test_it_reports_no_rate_and_no_late_unit_when_nothing_is_due() -> None:
    ctx = {**common(), "late": [], "counts": {"expected": 0, "received": 0, "overdue": 0}}
    _, text, html = render("digest", ctx)
    assert "đạt" not in text
    assert "Không có báo cáo nào quá hạn." in text
    assert "Không có báo cáo nào quá hạn." in html
