"""Draft a plan YAML from the Kế hoạch itself (`dutyflow plan draft`, docs/decisions.md, 16).

Module map, one job each, in the order a draft runs:

- `rules`: loads the drafting rules (templates/plandraft/rules.yaml): phrases, patterns, unit words;
- `document`: reads .txt, .docx or text-layer .pdf into numbered paragraphs with section ids;
- `numbering`: renders Word's automatic numbering of a .docx ("I.", "1.", "a)", "-");
- `header`: issuer, number, date, place, title, legal basis, signer, recipients;
- `targets`: the targets of the objectives: measure, direction, value, baseline, numerator/denominator;
- `units`: the addressees of the organisation section, groups, communes from the unit register;
- `duties`: one duty per paragraph, with the units in charge and the partners;
- `regime`: deliverables, last days and rules, recurrences, the consolidated report;
- `draft`: assembles the plan with a comment for every value and the "chưa xử lý" list;
- `write`: lays the commented YAML out;
- `compare`: the share of a reference plan (or of a fixture's expected reading) the draft recovered;
- the CLI command is an adapter of the CLI: dutyflow/cli/draft.py.

Everything here is pure: no clock, no network; the register is read through
`units.register_communes`, which a caller may replace (or pass None to skip).
"""

from dutyflow.plandraft.document import DraftError
from dutyflow.plandraft.draft import Draft, draft_plan
from dutyflow.plandraft.rules import Rules, load_rules

__all__ = ["Draft", "DraftError", "Rules", "draft_plan", "load_rules"]
