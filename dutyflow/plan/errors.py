"""A plan file's problems: each with its line, its field and a Vietnamese explanation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dutyflow.messages import t
from dutyflow.plan.model import Plan
from dutyflow.plan.source import Location
from dutyflow.pydantic_errors import describe, shown


@dataclass(frozen=True)
class PlanIssue:
    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return t("plan.location", path=self.path, line=self.line, field=self.field, message=self.message)


MAX_ISSUES = 200
"""Issues spelled out per file; beyond them a file's errors are counted, not translated (a 15 MB
list of wrong items would otherwise give millions of lines and minutes of work)."""


class PlanError(Exception):
    """Every problem of one plan file (the first `MAX_ISSUES` spelled out, the rest counted)."""

    def __init__(self, path: Path, issues: list[PlanIssue], more: int = 0) -> None:
        self.path = path
        self.issues = sorted(issues, key=lambda i: (i.line, i.field))
        self.more = more
        super().__init__(self.render())

    def render(self) -> str:
        head = t("plan.summary", path=self.path, count=len(self.issues) + self.more)
        tail = [f"  {t('plan.more_issues', count=self.more)}"] if self.more else []
        return "\n".join([head, *(f"  - {issue}" for issue in self.issues), *tail])


def field_name(loc: Location) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{shown(part)}" if out else shown(part))
    return out or t("plan.whole_file")


def translate(error: Any) -> str:
    """A pydantic error in the plan author's words (our own validators' reasons first)."""
    if error["type"] == "value_error":
        reason = str((error.get("ctx") or {}).get("error", ""))
        if reason == "control_chars":
            return t("plan.control_chars")
        if reason.startswith("email:"):
            return t("plan.email", reason=f"«{shown(reason[6:])}»")
    return describe(error, Plan, _pattern_hint)


def _pattern_hint(pattern: str) -> str:
    hints = {r"^(\d{2}|\d{3}|\d{5})$": "gso_code", r"^[A-Z]{2}$": "country"}
    if pattern in hints:
        return t(f"plan.pattern_hint.{hints[pattern]}")
    if pattern.startswith("^[A-Za-z0-9]"):
        return t("plan.pattern_hint.code")
    if pattern.startswith(r"^\d+"):
        return t("plan.pattern_hint.version")
    return pattern
