"""The plan (Kế hoạch) package: its model, loading, error reports, cross-checks and periods.

A plan file is YAML. `load_plan(path)` returns a `Plan` or raises `PlanError` carrying every
problem of the file at once, each with its line, its field and a Vietnamese explanation. The
modules depend one way: `fields` ← `model` ← `periods`, `errors`, `checks` ← `load`; `source` reads
the YAML and knows nothing of plans.
"""

from dutyflow.plan.errors import MAX_ISSUES, PlanError, PlanIssue
from dutyflow.plan.fields import Code, DeadlineRule, Direction, Email, GsoCode, LongText, Measure, Text, UnitKind
from dutyflow.plan.load import load_plan, parse_plan
from dutyflow.plan.model import (
    Audience,
    CalendarConfig,
    ChaseConfig,
    Contact,
    DataElement,
    DayNote,
    Deliverable,
    DigestConfig,
    Duty,
    Form,
    FormRow,
    FormRule,
    Indicator,
    Issuer,
    LadderStep,
    Plan,
    PlanHeader,
    Recurrence,
    ReportConfig,
    Signer,
    Strict,
    Unit,
    UnitGroup,
)
from dutyflow.plan.periods import Period, expand_periods

__all__ = [
    "MAX_ISSUES",
    "Audience",
    "CalendarConfig",
    "ChaseConfig",
    "Code",
    "Contact",
    "DataElement",
    "DayNote",
    "DeadlineRule",
    "Deliverable",
    "DigestConfig",
    "Direction",
    "Duty",
    "Email",
    "Form",
    "FormRow",
    "FormRule",
    "GsoCode",
    "Indicator",
    "Issuer",
    "LadderStep",
    "LongText",
    "Measure",
    "Period",
    "Plan",
    "PlanError",
    "PlanHeader",
    "PlanIssue",
    "Recurrence",
    "ReportConfig",
    "Signer",
    "Strict",
    "Text",
    "Unit",
    "UnitGroup",
    "UnitKind",
    "expand_periods",
    "load_plan",
    "parse_plan",
]
