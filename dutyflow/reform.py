"""The 2025 reorganisation of administrative units written into a plan (`dutyflow plan reform`).

`reform_plan(path, on)` returns the plan file's text with the reform applied from the 2025
conversion table, and what it did:

- every unit with a legacy commune-level code (`gso_code`) that lives across `on` gets
  `closes: <on>` and `successor:`, the new unit the table names for it; an old unit divided
  between several new ones gets the table's default one, and a comment names the others;
- every unit with a legacy district code gets `closes: <on>` and a comment: districts ended,
  with no successor;
- each successor not yet in the plan is added after the last closed unit, with `opens: <on>`,
  its official name and code from the register in force, and placeholder contacts on the
  reserved .example domain for the office to fill in.

The file is edited as text, line by line, so its comments, blank lines, quoting and ordering
stay as they were; what is added is rendered from `templates/plan/`. The result is validated as
a plan before it is returned. Running it again on its own output changes nothing.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dutyflow import register
from dutyflow.messages import t
from dutyflow.plan import Plan, PlanError, Unit, UnitKind, load_plan
from dutyflow.plan_units import DraftUnit, draft_units, template
from dutyflow.register import REFORM_DAY, RegisteredUnit

__all__ = ["ReformError", "ReformResult", "reform_plan"]


class ReformError(Exception):
    """The reform cannot be written into this plan; the message is Vietnamese and says why."""


@dataclass
class ReformResult:
    text: str
    closed: list[tuple[str, str | None]] = field(default_factory=list)
    """(old unit's code, its successor's code or None), in plan order."""
    opened: list[str] = field(default_factory=list)
    """Codes of the units added, in the order they were added."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(unit code, why it was left as it was)."""


@dataclass
class _Closing:
    index: int
    unit: Unit
    legacy: RegisteredUnit
    successor: str | None = None
    """The new unit's administrative code."""
    others: tuple[str, ...] = ()


def reform_plan(path: Path, on: dt.date = REFORM_DAY) -> ReformResult:
    """The plan at `path` with the 2025 reform applied from `on` (see the module's docstring).

    Raises PlanError when the plan itself is not valid, ReformError when the reform cannot be
    written into it."""
    if on < REFORM_DAY:
        raise ReformError(t("register.reform_before", day=on.isoformat()))
    plan = load_plan(path)
    text = path.read_text(encoding="utf-8")
    result = ReformResult(text)
    closings = _closings(plan, on, result)
    if not closings:
        return result
    successors, drafts = _new_units(plan, on, closings)
    result.text = _edit(text, on, closings, successors, drafts)
    result.closed = [(c.unit.code, successors[c.successor] if c.successor else None) for c in closings]
    result.opened = [d.code for d in drafts]
    _validate(path, result.text)
    return result


def _closings(plan: Plan, on: dt.date, result: ReformResult) -> list[_Closing]:
    last_legacy_day = REFORM_DAY - dt.timedelta(days=1)
    closings = []
    for i, unit in enumerate(plan.units):
        if not (unit.is_open_on(on - dt.timedelta(days=1)) and unit.is_open_on(on)):
            continue
        if unit.gso_code is None:
            if unit.kind.is_commune_level or unit.kind is UnitKind.DISTRICT:
                result.skipped.append((unit.code, t("register.reform_no_code")))
            continue
        legacy = register.lookup(unit.gso_code, last_legacy_day)
        if legacy is None:
            result.skipped.append((unit.code, t("register.reform_not_in_register", code=unit.gso_code)))
            continue
        if legacy.level == 1:
            continue  # provinces go on (those merged into another are a later plan's business)
        closing = _Closing(i, unit, legacy)
        if legacy.level == 3:
            closing.successor, closing.others = register.successors(legacy.code)
        closings.append(closing)
    return closings


def _new_units(plan: Plan, on: dt.date, closings: list[_Closing]) -> tuple[dict[str, str], list[DraftUnit]]:
    """The plan code of each successor, by administrative code, and the units to add: a
    successor the plan already has (open from `on` with that code) is not added again."""
    codes = {u.gso_code: u.code for u in plan.units if u.gso_code and u.opens == on}
    wanted: list[RegisteredUnit] = []
    for closing in closings:
        code = closing.successor
        if code is None or code in codes or any(w.code == code for w in wanted):
            continue
        new = register.lookup(code, on)
        if new is None:
            raise ReformError(t("register.reform_successor_missing", code=code, day=on.strftime("%d/%m/%Y")))
        wanted.append(new)
    drafts = draft_units(wanted, taken=[u.code for u in plan.units], opens=on)
    codes.update({d.gso_code: d.code for d in drafts})
    return codes, drafts


def _name(code: str, on: dt.date) -> str:
    unit = register.lookup(code, on)
    return f"{unit.name} ({code})" if unit else code


def _edit(text: str, on: dt.date, closings: list[_Closing], successors: dict[str, str], drafts: list[DraftUnit]) -> str:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    items = _unit_nodes(text)
    inserts: dict[int, list[str]] = {}  # after line index (0-based) → lines
    last_end = 0
    for closing in closings:
        node = items[closing.index]
        if node.flow_style:
            raise ReformError(t("register.reform_flow_style", code=closing.unit.code, line=node.start_mark.line + 1))
        keys = {k.value: (k, v) for k, v in node.value}
        indent = " " * keys["code"][0].start_mark.column
        after = keys["gso_code"][1].end_mark.line
        added: list[str] = []
        if closing.successor is None:
            added.append(f"{indent}# {t('register.reform_comment_district', day=on.strftime('%d/%m/%Y'))}\n")
        elif closing.others:
            comment = t(
                "register.reform_comment_divided",
                name=closing.legacy.name,
                successor=_name(closing.successor, on),
                others=", ".join(_name(c, on) for c in closing.others),
            )
            added.append(f"{indent}# {comment}\n")
        values = {"closes": on.isoformat()}
        if closing.successor is not None:
            values["successor"] = successors[closing.successor]
        for key, value in values.items():
            if key in keys:
                line = keys[key][0].start_mark.line
                lines[line] = f"{indent}{key}: {value}\n"
            else:
                added.append(f"{indent}{key}: {value}\n")
        inserts.setdefault(after, []).extend(added)
        last_end = max(last_end, _content_end(node))
    if drafts:
        block = template("reform_units.yaml.j2").render(units=drafts, day=on.strftime("%d/%m/%Y"))
        dash_column = items[closings[-1].index].start_mark.column - 2
        inserts.setdefault(last_end, []).extend(_reindent(block, dash_column - 2).splitlines(keepends=True))
    for after in sorted(inserts, reverse=True):
        lines[after + 1 : after + 1] = inserts[after]
    return "".join(lines)


def _unit_nodes(text: str) -> list[yaml.MappingNode]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, yaml.MappingNode)  # load_plan accepted the file
    units = next(v for k, v in root.value if k.value == "units")
    assert isinstance(units, yaml.SequenceNode)
    return list(units.value)


def _content_end(node: yaml.Node) -> int:
    """0-based index of the last line holding part of `node` (not the comments after it)."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(last, tuple) else last)
    mark = node.end_mark
    return mark.line if mark.column > 0 else mark.line - 1


def _reindent(block: str, shift: int) -> str:
    if shift == 0:
        return block
    out = []
    for line in block.splitlines(keepends=True):
        if line.strip():
            line = " " * shift + line if shift > 0 else line[min(-shift, len(line) - len(line.lstrip(" "))) :]
        out.append(line)
    return "".join(out)


def _validate(path: Path, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        written = Path(folder) / path.name
        written.write_text(text, encoding="utf-8")
        try:
            load_plan(written)
        except PlanError as exc:
            raise ReformError(t("register.reform_invalid", errors=exc.render())) from None
