"""The email renderer: templates/email/<name>.{subject,txt,html}.j2 into subject, text and HTML.

Every user-facing word lives in templates/; the environment is `dutyflow.templating`'s and its
filters `dutyflow.formatting`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import jinja2

from dutyflow.templating import environment

_TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_BLANK_LINES = re.compile(r"\n{3,}")

def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


class MailRenderer:
    """Renders templates/email/<name>.{subject,txt,html}.j2 into (subject, text, html)."""

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self._env = env if env is not None else environment()

    def render(self, name: str, context: Mapping[str, object]) -> tuple[str, str, str]:
        if not _TEMPLATE_NAME.match(name):
            raise ValueError(f"not an email template name: {name!r}")
        subject = self._env.get_template(f"email/{name}.subject.j2").render(context)
        text = self._env.get_template(f"email/{name}.txt.j2").render(context)
        html = self._env.get_template(f"email/{name}.html.j2").render(context)
        return " ".join(subject.split()), _tidy_text(text), html
