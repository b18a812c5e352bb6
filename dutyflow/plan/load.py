"""Loading a plan file: read it, validate it, cross-check it, or raise `PlanError` with every
problem of the file at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dutyflow.messages import t
from dutyflow.plan.checks import cross_check
from dutyflow.plan.errors import MAX_ISSUES, PlanError, PlanIssue, field_name, translate
from dutyflow.plan.model import Plan
from dutyflow.plan.source import SourceMap, YamlSourceError, load_yaml_with_lines


def load_plan(path: Path | str) -> Plan:
    """Read, validate and cross-check a plan file; raise PlanError with every problem found."""
    path = Path(path)
    try:
        data, source = load_yaml_with_lines(path)
    except YamlSourceError as exc:
        raise PlanError(path, [PlanIssue(path, p.line, field_name(p.loc), p.message) for p in exc.problems]) from None
    if not isinstance(data, dict):
        shape = "empty" if data is None else "list" if isinstance(data, list) else "scalar"
        raise PlanError(path, [PlanIssue(path, source.lines.get((), 1), t("plan.whole_file"), t(f"plan.not_a_mapping.{shape}"))])
    return parse_plan(data, source)


def parse_plan(data: dict[str, Any], source: SourceMap) -> Plan:
    """Validate and cross-check `data`; raise PlanError with the file's problems, its model errors
    and (when the model holds) its cross-check problems, the first `MAX_ISSUES` of them spelled out."""
    issues = [PlanIssue(source.path, p.line, field_name(p.loc), p.message) for p in source.problems[:MAX_ISSUES]]
    found = len(source.problems)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False)[: max(0, MAX_ISSUES - len(issues))]:
            loc = tuple(error["loc"])
            issues.append(PlanIssue(source.path, source.line_of(loc), field_name(loc), translate(error)))
        raise PlanError(source.path, issues, more=found + exc.error_count() - len(issues)) from None
    problems = list(cross_check(plan, source))
    for loc, message in problems[: max(0, MAX_ISSUES - len(issues))]:
        issues.append(PlanIssue(source.path, source.line_of(loc), field_name(loc), message))
    if issues:
        raise PlanError(source.path, issues, more=found + len(problems) - len(issues))
    return plan

