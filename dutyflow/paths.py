"""Where the package's own files live (templates, bundled plans), independent of the cwd.

Templates and bundled plans are package data: they ship inside the wheel and are found through
importlib.resources, so an installed (non-editable) package finds them as a checkout does.
The operator's files (settings, data folder, a plan of their own) are found by `dutyflow.settings`
from the current directory, never from here (docs/decisions.md, "Relative paths are the caller's").
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("dutyflow")))
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PLANS_DIR = PACKAGE_DIR / "plans"
BUNDLED_PLAN = PLANS_DIR / "trung-khanh-2025.yaml"
