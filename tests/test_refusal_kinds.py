"""A refusal's kind, named by the core, decides the portal's HTTP status: never its words."""

from __future__ import annotations

import pytest

from dutyflow.intake import (
    FileRefused,
    IntakeRefused,
    NothingEntered,
    NotYours,
    TooBig,
    TooMany,
    UnknownObligation,
)
from dutyflow.portal.errors import HTTP_STATUS, Refusal
from dutyflow.refusals import RefusalKind


def test_every_kind_has_one_status() -> None:
    assert set(HTTP_STATUS) == set(RefusalKind)
    assert len(set(HTTP_STATUS.values())) == len(RefusalKind)


@pytest.mark.parametrize(
    ("refused", "status"),
    [
        (IntakeRefused, 400),
        (NothingEntered, 400),
        (UnknownObligation, 404),
        (NotYours, 403),
        (TooBig, 413),
        (TooMany, 429),
        (FileRefused, 415),
    ],
)
@pytest.mark.parametrize("words", ["quá lớn", "không tìm thấy", "quá nhiều lần", "", "413"])
def test_an_intake_refusal_is_answered_by_its_kind_whatever_it_says(
    refused: type[IntakeRefused], status: int, words: str
) -> None:
    exc = refused(words)
    assert Refusal(exc.kind, str(exc)).status_code == status
