"""Who may open the console's pages: every console route takes its person from here, so one place
says which dependency guards them. Today the office's shared session; the named accounts' role
dependencies replace these aliases when they arrive. All console pages are read pages (any role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dutyflow.portal.deps import office_session
from dutyflow.store.models import AdminSessionRow

ReaderDep = Annotated[AdminSessionRow, Depends(office_session)]
"""Anyone signed in to the office's pages may read the console."""
