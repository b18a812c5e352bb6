"""`shared`: a part of a message rendered once for every recipient given the same values."""

from __future__ import annotations

import datetime as dt

import jinja2
import markupsafe

from dutyflow.templating import SHARED_KEPT, _strict, shared
from tests.threads import all_at_once


def _environment(templates: dict[str, str]) -> jinja2.Environment:
    html_only = jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False)
    env = _strict(html_only, jinja2.DictLoader(templates))
    env.globals["shared"] = shared
    return env


def test_a_shared_part_renders_as_it_would_inline_and_once_per_content() -> None:
    calls: list[str] = []
    env = _environment(
        {
            "part.txt.j2": "{{ seen(name) }}{% for d in duties %}{{ d.title }} {{ d.day|dmy }};{% endfor %}\n",
            "whole.txt.j2": 'Gửi {{ unit }}: {{ shared("part.txt.j2", duties=duties, name=unit_kind) -}}\nHết.',
        }
    )

    def seen(name: str) -> str:
        calls.append(name)
        return ""

    env.globals["seen"] = seen
    duties = [{"title": "Nhiệm vụ 1", "day": dt.date(2025, 5, 19)}]
    first = env.get_template("whole.txt.j2").render(unit="Xã A", unit_kind="xã", duties=duties)
    second = env.get_template("whole.txt.j2").render(unit="Xã B", unit_kind="xã", duties=[dict(duties[0])])
    assert first == "Gửi Xã A: Nhiệm vụ 1 19/5/2025;Hết."
    assert second == "Gửi Xã B: Nhiệm vụ 1 19/5/2025;Hết."
    assert calls == ["xã"]  # equal contents, another list: rendered once
    other = env.get_template("whole.txt.j2").render(
        unit="Sở C", unit_kind="xã", duties=[{**duties[0], "title": "Khác"}]
    )
    assert other == "Gửi Sở C: Khác 19/5/2025;Hết."
    assert calls == ["xã", "xã"]


def test_a_shared_html_part_is_escaped_once() -> None:
    env = _environment(
        {
            "part.html.j2": "<b>{{ title }}</b>",
            "whole.html.j2": '<p>{{ shared("part.html.j2", title=title) }}</p>',
        }
    )
    rendered = env.get_template("whole.html.j2").render(title="Văn phòng HĐND & UBND <huyện>")
    assert rendered == "<p><b>Văn phòng HĐND &amp; UBND &lt;huyện&gt;</b></p>"
    assert isinstance(shared(env, "part.html.j2", title="x"), markupsafe.Markup)


def test_the_remembered_parts_are_bounded() -> None:
    env = _environment({"part.txt.j2": "{{ n }}"})
    for n in range(SHARED_KEPT + 10):
        assert shared(env, "part.txt.j2", n=n) == str(n)
    assert len(env.shared_kept) == SHARED_KEPT  # type: ignore[attr-defined]
    assert shared(env, "part.txt.j2", n=0) == "0"  # forgotten, rendered again


def test_threads_rendering_past_the_bound_at_once_all_get_their_part() -> None:
    """A flow's task threads render at once; when the remembered parts are full, two of them must
    not both forget the same oldest part (the second found it gone and raised)."""
    env = _environment({"part.txt.j2": "{{ n }}"})
    for n in range(SHARED_KEPT):
        shared(env, "part.txt.j2", n=-1 - n)
    failures: list[BaseException] = []

    def render(i: int) -> None:
        for n in range(i * 2000, (i + 1) * 2000):
            try:
                assert shared(env, "part.txt.j2", n=n) == str(n)
            except BaseException as exc:  # any failure in a thread is the test's
                failures.append(exc)

    all_at_once(render)
    assert failures == []
    assert len(env.shared_kept) == SHARED_KEPT  # type: ignore[attr-defined]
