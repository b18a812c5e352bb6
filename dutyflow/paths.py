"""Where the project's own files live (templates, bundled plans), independent of the cwd.

Templates and bundled plans are package data: they ship inside the wheel and are found through
importlib.resources, so an installed (non-editable) package finds them as a checkout does.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("dutyflow")))
PROJECT_ROOT = PACKAGE_DIR.parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
PLANS_DIR = PACKAGE_DIR / "plans"
BUNDLED_PLAN = PLANS_DIR / "trung-khanh-2025.yaml"
CONFIG_DIR = PROJECT_ROOT / "config"
SETTINGS_FILE = CONFIG_DIR / "settings.toml"
