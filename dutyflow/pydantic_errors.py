"""pydantic's validation errors in the words of the person who wrote the input, in Vietnamese.

pydantic's own messages are English ("Input should be 'a', 'b' or 'c'"). `describe` turns one
error into a message of the catalogue's `validation` section, by family of error type, naming the
allowed values and fields from the model itself ("«a», «b» hoặc «c»"). Every type outside the
families gets `validation.invalid_value`; tests/test_plan_errors.py sweeps every field of the plan
with hostile values and checks that none of the types a plan can hold falls through to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from dutyflow.messages import t

__all__ = ["allowed_fields", "describe", "model_of", "one_of", "shown"]

Loc = tuple[str | int, ...]

# Prefix of a pydantic error type -> its message in the catalogue (validation.errors.<name>).
FAMILIES = {
    "missing": "missing",
    "extra_forbidden": "extra_forbidden",
    "string_type": "string_type",
    "string_unicode": "string_type",
    "string_too_short": "string_too_short",
    "string_too_long": "string_too_long",
    "too_long": "string_too_long",
    "too_short": "too_short",
    "string_pattern_mismatch": "string_pattern_mismatch",
    "date_": "date",
    "datetime_": "date",
    "int_": "int",
    "decimal_": "number",
    "float_": "number",
    "finite_number": "finite_number",
    "bool_": "bool",
    "list_type": "list",
    "dict_type": "dict",
    "model_type": "dict",
    "model_attributes_type": "dict",
    "literal_error": "literal",
    "enum": "literal",
    "greater_than_equal": "greater_than_equal",
    "less_than_equal": "less_than_equal",
    "greater_than": "greater_than",
    "less_than": "less_than",
}


def describe(error: Any, model: type[BaseModel], pattern_hint: Callable[[str], str] | None = None) -> str:
    """The message for one error of `model.model_validate` (an item of `ValidationError.errors()`).
    `pattern_hint` says in words what a regular expression of the model expects."""
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    loc: Loc = tuple(error["loc"])
    value = shown(error.get("input"))
    family = next((name for prefix, name in FAMILIES.items() if kind.startswith(prefix)), None)
    if family is None:
        return t("validation.invalid_value", value=value)
    extra: dict[str, Any] = {}
    if family == "extra_forbidden":
        extra["allowed"] = allowed_fields(model, loc)
    elif family == "literal":
        extra["expected"] = one_of(_choices(_annotation_at(model, loc)) or _quoted_in(str(ctx.get("expected", ""))))
    elif family == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        extra["expected"] = pattern_hint(pattern) if pattern_hint is not None else pattern
    elif family == "string_too_long":
        extra["limit"] = ctx.get("max_length", "")
    elif family in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        extra["bound"] = next((v for k, v in ctx.items() if k in {"ge", "le", "gt", "lt"}), "")
    return t(f"validation.errors.{family}", value=value, **extra)


def shown(value: Any) -> str:
    """How a value of the input reads in a message: short, and in the author's terms."""
    if value is None:
        return t("validation.shown.empty")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return t("validation.shown.mapping")
    if isinstance(value, list | tuple):
        return t("validation.shown.list")
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def one_of(values: list[str]) -> str:
    """«a», «b» hoặc «c»."""
    quoted = [f"«{v}»" for v in values]
    if len(quoted) < 2:
        return "".join(quoted)
    return t("validation.one_of", items=", ".join(quoted[:-1]), last=quoted[-1])


def allowed_fields(model: type[BaseModel], loc: Loc) -> str:
    """Names of the fields the model at `loc`'s parent accepts, for a typo's message."""
    parent = model_of(_annotation_at(model, loc[:-1]))
    return ", ".join(parent.model_fields) if parent is not None else "…"


def model_of(annotation: Any) -> type[BaseModel] | None:
    """The first pydantic model inside `annotation` (through Optional, list, Annotated…)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def _quoted_in(expected: str) -> list[str]:
    """The values of pydantic's own list ("'a', 'b' or 'c'"), when the model cannot say."""
    return re.findall(r"'([^']*)'", expected)


def _annotation_at(model: type[BaseModel], loc: Loc) -> Any:
    """The type annotation of the field at `loc` (list indexes skipped), or None."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        holder = model_of(current)
        if holder is None or part not in holder.model_fields:
            return None
        current = holder.model_fields[part].annotation
    return current


def _choices(annotation: Any) -> list[str]:
    """The allowed values of a Literal or an Enum inside `annotation`."""
    if annotation is None:
        return []
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(member.value) for member in annotation]
    if get_origin(annotation) is Literal:
        return [str(arg) for arg in get_args(annotation)]
    return [choice for arg in get_args(annotation) for choice in _choices(arg)]
