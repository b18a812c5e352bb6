"""One definition of "running in CI", and the one way a test says a tool or service is missing.

In CI (the `CI` environment variable set to anything but empty, 0, false or no) nothing may skip:
`conftest.pytest_runtest_makereport` turns every skip, whoever raised it (`pytest.skip`,
`importorskip`, a `skipif` mark), into a failure. On a developer's machine a missing tool skips
with the reason, so the rest of the suite still runs.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in FALSE_WORDS


def unavailable(reason: str) -> NoReturn:
    """A tool or service the test needs is missing: a failure in CI, a skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI)", pytrace=False)
    pytest.skip(reason)
