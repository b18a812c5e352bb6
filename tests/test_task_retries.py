"""Task retries only what cannot send a message twice."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from dutyflow.notify import DeliveryFailed
from tasks.notify import _only_safe_failures


class State:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error

    def result(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (DeliveryFailed("xa-a remind-5: connection refused"), True),
        (OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly")), True),
        (ValueError("a bug"), False),
        (None, False),
    ],
)
def test_it_retries_refused_sends_and_lost_connections_only(error: BaseException | None, retried: bool) -> None:
    assert _only_safe_failures(None, None, State(error)) is retried
