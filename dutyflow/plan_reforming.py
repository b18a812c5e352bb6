"""The 2025 reorganisation applied to the plan being run, handed to the plan page's check → diff → apply.

`reform_current` takes the current plan's own file when it can be found unchanged (in the file store
under the hash it was loaded with, as the console's plan page keeps it, or at the path it was loaded
from, as `dutyflow plan load` names it), so the office's comments and order are kept, as
`dutyflow plan reform` keeps them; otherwise the plan as stored (its validated document, written out
as YAML: the same plan, without the file's comments). It runs the CLI's own `reform_plan` on it and
keeps the reformed file in the file store under its sha256, read back as the plan page's `Uploaded`:
what the office then sees is the loader rehearsed on that file (`plan_change.preview`), and what it
applies is that file (decision "A plan's diff is its load rehearsed"). Nothing is changed here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine

from dutyflow import plan_change
from dutyflow.reform import ReformResult, reform_plan
from dutyflow.store.db import session_scope
from dutyflow.store.files import FileStore
from dutyflow.store.queries import current_plan

__all__ = ["CurrentPlanFile", "Reformed", "current_plan_file", "reform_current"]


@dataclass(frozen=True)
class CurrentPlanFile:
    """The text of the plan being run, and the name of the file it came from."""

    name: str
    """The file's name; a plan loaded by the console's plan page, kept under its hash, is named by its code."""
    text: str
    from_file: bool
    """False: the file was moved or changed since it was loaded; the text is the stored plan's."""


@dataclass(frozen=True)
class Reformed:
    """The reform written into the current plan: what it did (`result`), and the reformed file kept
    for the plan page (None when nothing had to change)."""

    day: dt.date
    source: CurrentPlanFile
    result: ReformResult
    upload: plan_change.Uploaded | None
    name: str
    download_sha256: str = ""
    """The reformed file's hash in the store it is downloaded from, when one was given."""


def current_plan_file(engine: Engine, files: FileStore) -> CurrentPlanFile:
    with session_scope(engine) as session:
        row = current_plan(session)
        sha256, source, document = row.sha256, Path(row.source_path), dict(row.document)
        name = f"{row.code}.yaml" if source.name == sha256 else source.name
    for path in (files.path_of(sha256), source):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() == sha256:
            return CurrentPlanFile(name, data.decode("utf-8"), True)
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=120)
    return CurrentPlanFile(name, text, False)


def reform_current(engine: Engine, files: FileStore, on: dt.date, *, downloads: FileStore | None = None) -> Reformed:
    """The current plan with the 2025 reform applied from `on`; raises `ReformError` (or `PlanError`)
    with the CLI's messages when it cannot be written. With `downloads`, the reformed file is also
    kept there, for the office to download (its contacts to fill in, the CLI's plan file to update)."""
    current = current_plan_file(engine, files)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (current.name or "ke-hoach.yaml")
        path.write_text(current.text, encoding="utf-8")
        result = reform_plan(path, on)
    name = f"{Path(current.name).stem or 'ke-hoach'}-sap-xep-{on:%Y%m%d}.yaml"
    if not result.closed:
        return Reformed(on, current, result, None, name)
    data = result.text.encode("utf-8")
    upload = plan_change.keep_upload(files, data)
    return Reformed(on, current, result, upload, name, downloads.put(data) if downloads is not None else "")
