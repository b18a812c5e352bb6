"""Where the project's own files live (templates, bundled config), independent of the cwd."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
CONFIG_DIR = PROJECT_ROOT / "config"
BUNDLED_PLAN = CONFIG_DIR / "plans" / "trung-khanh-2025.yaml"
SETTINGS_FILE = CONFIG_DIR / "settings.toml"
