"""A Kế hoạch drafted as a plan YAML and checked, for `dutyflow plan draft` and the console's draft page.

`draft_upload` takes a document as a browser sends it (its bytes and the name it was given): the type
is judged by the name's ending before anything is read, the size against the portal's upload limit,
then the document goes through the same drafter the CLI runs (`plandraft.draft_plan`) and the draft
through the plan check (`load_plan`). Nothing is loaded: the draft is kept, in a store of drafts of
its own beside the uploads, only so that the page can offer it for download.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dutyflow.formatting import format_size
from dutyflow.messages import t
from dutyflow.plan import PlanError, PlanIssue, load_plan
from dutyflow.plandraft.document import DraftError
from dutyflow.plandraft.draft import draft_plan
from dutyflow.plandraft.found import Unplaced
from dutyflow.store.files import FileStore

__all__ = ["SUFFIXES", "Drafted", "document_name", "draft_name", "draft_upload", "drafts_store"]

SUFFIXES = (".docx", ".pdf", ".txt")
"""What the drafter reads (`plandraft.document.read_document`)."""

MAX_NAME = 120
"""A document's name is kept to this many characters (it names the draft and its download)."""


@dataclass(frozen=True)
class Drafted:
    """A draft: its file name, its YAML text, what it holds, what it could not place, and the plan
    check's problems (empty when the draft passes it)."""

    source: str
    name: str
    text: str
    counts: dict[str, int]
    unplaced: Sequence[Unplaced]
    issues: Sequence[PlanIssue] = ()
    more: int = 0
    sha256: str = field(default="")
    """The draft's hash in the drafts store (`drafts_store`), once kept."""


def draft_name(source: str) -> str:
    """The draft of `ke-hoach.docx` is `ke-hoach.draft.yaml` (the CLI's default `--out` too)."""
    return f"{Path(source).stem}.draft.yaml"


def drafts_store(files: FileStore) -> FileStore:
    """Plan files the console's tools make (drafts, reformed plans) are kept apart from the uploads,
    so their download serves nothing else."""
    return FileStore(files.root / "plan-drafts")


def document_name(name: str) -> str:
    """The name a browser gave, without the folders some send (C:\\…\\ke-hoach.docx)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        return base[:MAX_NAME]
    return f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}"


def draft_upload(data: bytes, name: str, *, max_bytes: int, store: FileStore | None = None) -> Drafted:
    """Draft the document `data` named `name` and check the draft; `DraftError` (in Vietnamese,
    naming the file) when it is of another type, too large, empty, or cannot be read (a scan
    without a text layer among them). With `store`, the draft is kept there for download."""
    source = document_name(name) or "ke-hoach"
    suffix = Path(source).suffix.lower()
    if suffix not in SUFFIXES:
        raise DraftError(t("plandraft.unknown_type", path=source, suffix=suffix or t("plandraft.no_suffix")))
    if len(data) > max_bytes:
        raise DraftError(
            t("console_plantools.draft.too_big", name=source, size=format_size(len(data)), limit=format_size(max_bytes))
        )
    if not data:
        raise DraftError(t("console_plantools.draft.empty_file", name=source))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / source
        path.write_bytes(data)
        try:
            draft = draft_plan(path)
        except DraftError as exc:  # its message names the file by the path it was read from
            raise DraftError(str(exc).replace(str(path), source)) from None
        text = draft.yaml()
        written = Path(folder) / draft_name(source)
        written.write_text(text, encoding="utf-8")
        issues: Sequence[PlanIssue] = ()
        more = 0
        try:
            load_plan(written)
        except PlanError as exc:
            issues, more = exc.issues, exc.more
    sha256 = store.put(text.encode("utf-8")) if store is not None else ""
    return Drafted(source, draft_name(source), text, dict(draft.counts), list(draft.unplaced), issues, more, sha256)
