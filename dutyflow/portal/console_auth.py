"""Who may open the console's pages: every console route takes its person from here, so one place
says which dependency guards them. All console pages are read pages: any role may open them
(docs/decisions.md, "One dependency per role, CSRF checked by method")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dutyflow.portal.deps import require_reader
from dutyflow.portal.signin import Officer

ReaderDep = Annotated[Officer, Depends(require_reader)]
"""Anyone signed in to the office's pages (staff, leadership, auditor) may read the console."""
