"""No message shows an empty bracket, or a bracket around nothing but punctuation, when an
optional value is missing: every email template, every optional value of its context left out
in turn (and all of them at once)."""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
from collections.abc import Iterator
from typing import Any

import jinja2
import pytest

from dutyflow.mail import MailRenderer
from dutyflow.paths import TEMPLATES_DIR
from tests.test_mail_templates import NAMES, common, context

EMPTY = re.compile(r"[(\[]\s*[)\]]|[(\[]\s*[,;:–-]|[,;:–-]\s*[)\]]|Đồng chí\s*,")
TAG = re.compile(r"<[^>]+>")
# What the notifier may leave out (see notify.py), as the notifier leaves it out: path (list
# indices dropped) → (the missing value, the templates whose context may lack it; None: all).
OPTIONAL: dict[str, tuple[Any, frozenset[str] | None]] = {
    "portal_url": (None, None),
    "submission.file_name": (None, None),  # typed into the web form
    "submission.sha256": ("", None),
    "submission.received": ([], None),
    "submission.reasons": ([], None),
    "submission.warnings": ([], None),
    "submission.last_day": (None, None),  # no time left to send it again
    "items.extended_until": (None, None),
    "items.forms": ([], None),
    "items.attachments_allowed": (False, None),
    "items.reports_for": ([], None),
    "report.files": ([], None),
    "late": ([], None),
    "duties": ([], None),
    "original_subject": ("", frozenset({"mail_refused"})),
    "items": ([], frozenset({"assignment"})),
}
TEMPLATES = sorted(p.name.removesuffix(".subject.j2") for p in (TEMPLATES_DIR / "email").glob("*.subject.j2"))


def submission(status: str) -> dict[str, Any]:
    return {
        "deliverable_name": "Báo cáo 6 tháng đầu năm về công tác trẻ em",
        "period_label": "6 tháng đầu năm 2025",
        "version": 2,
        "status": status,
        "status_text": "Đã chấp nhận",
        "channel_text": "Trang tiếp nhận",
        "received_at_text": "09:00 ngày 16/05/2025",
        "file_name": "bao-cao-6-thang.xlsx",
        "sha256": "ab" * 32,
        "received": ["Phụ lục I: 24 ô số liệu"],
        "reasons": ["Ô C12 của Phụ lục I: tử số lớn hơn mẫu số."],
        "warnings": ["Phụ lục I, ô G30: Số trẻ em có hoàn cảnh đặc biệt ở hai phụ lục phải bằng nhau"],
        "last_day": dt.date(2025, 5, 19),
        "timeliness_text": "đúng hạn (hạn cuối 19/05/2025)",
    }


def full_context(name: str) -> dict[str, Any]:
    if name in NAMES:
        return context(name)
    base = common()
    if name == "receipt":
        return base | {"submission": submission("accepted")}
    if name == "returned":
        return base | {"submission": submission("returned")}
    if name == "new_link":
        return base
    if name == "mail_refused":
        return base | {
            "original_subject": "TL: Báo cáo 6 tháng đầu năm",
            "problems": ["Tệp «bao-cao.xls» là bảng tính Excel cũ (.xls): hãy lưu lại dưới dạng .xlsx rồi gửi lại."],
        }
    if name == "report_final":
        return base | {"report": {"title": "Báo cáo kết quả năm 2025", "files": ["bao-cao.pdf", "bao-cao.docx"]}}
    if name == "withdrawn":
        item = {
            "deliverable_name": "Danh sách hằng tháng",
            "period_label": "tháng 7/2025",
            "last_day": dt.date(2025, 8, 5),
        }
        return base | {
            "items": [
                item | {"why": "passed", "successor_name": "UBND xã Quang Hán"},
                item | {"why": "removed", "successor_name": None, "period_label": "tháng 8/2025"},
                item | {"why": "closed", "successor_name": None, "period_label": "tháng 9/2025"},
            ]
        }
    if name == "report_issued":
        return base | {
            "issued": {
                "number": "12/BC-UBND",
                "title": "Báo cáo kết quả thực hiện công tác trẻ em năm 2025",
                "issued_on": dt.date(2025, 11, 21),
                "signer": "Trần Thị Bình",
                "addressee": "Sở Y tế tỉnh Cao Bằng",
                "files": ["bao-cao-ky-so.pdf"],
            }
        }
    if name == "report_approval":
        return base | {
            "approval": {
                "title": "Báo cáo kết quả thực hiện công tác trẻ em năm 2025",
                "state": "Dự thảo",
                "last_day": dt.date(2025, 11, 24),
            }
        }
    raise AssertionError(f"no context for the email template {name!r}: add one here")


def optional_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            here = (*path, key)
            name = ".".join(str(k) for k in here if not isinstance(k, int))
            if name in OPTIONAL:
                yield here, name
            yield from optional_paths(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from optional_paths(item, (*path, index))


def put(ctx: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = ctx
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def variants(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    full = full_context(name)
    yield "full", full
    everything = copy.deepcopy(full)
    for path, key in reversed(list(optional_paths(full))):
        empty, templates = OPTIONAL[key]
        if templates is not None and name not in templates:
            continue
        ctx = copy.deepcopy(full)
        put(ctx, path, copy.deepcopy(empty))
        yield f"{'.'.join(map(str, path))}={empty!r}", ctx
        put(everything, path, copy.deepcopy(empty))
    yield "all missing", everything


def test_every_email_template_is_swept() -> None:
    assert set(TEMPLATES) >= {
        *NAMES,
        "receipt",
        "returned",
        "new_link",
        "report_final",
        "withdrawn",
        "report_issued",
        "report_approval",
    }
    for name in TEMPLATES:
        full_context(name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_empty_brackets_when_a_value_is_missing(name: str) -> None:
    renderer = MailRenderer()
    rendered = 0
    problems = []
    for label, ctx in variants(name):
        try:
            subject, text, html = renderer.render(name, ctx)
        except (TypeError, jinja2.UndefinedError) as exc:
            problems.append(f"{label} → does not render: {exc}")
            continue
        rendered += 1
        page = html_lib.unescape(TAG.sub(" ", html))
        for part, content in (("subject", subject), ("text", text), ("html", page)):
            for line in content.splitlines():
                if EMPTY.search(line) or "None" in line:
                    problems.append(f"{label} → {part}: {line.strip()}")
    assert rendered >= 1
    assert not problems, "\n".join(problems)
