"""Where an obligation stood at an instant of the past, from what the store remembers.

Pure: the stored submissions and audited changes in, plain values out. `dutyflow status --as-of D`
uses it so that a later submission, decision, extension or pause does not show on D
(docs/decisions.md, "Status as of a day is rebuilt from history").

A submission keeps only its latest decision. One decided by the office after the instant was,
before that decision, waiting for the office if its deliverable requires acceptance, and accepted
on receipt otherwise; an office acceptance followed by an office return, both after receipt, is
the one history this cannot tell apart (it reads as waiting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from dutyflow.states import ObligationState as State
from dutyflow.states import SubmissionStatus

T = TypeVar("T")


@dataclass(frozen=True)
class Submitted:
    """One stored submission, as much of it as history needs."""

    version: int
    received_at: dt.datetime
    status: SubmissionStatus
    decided_at: dt.datetime | None


def status_then(submission: Submitted, until: dt.datetime | None, needs_review: bool) -> SubmissionStatus:
    """The submission's status just before `until` (None: now). It must have been received by then."""
    if until is None or (submission.decided_at is not None and submission.decided_at < until):
        return submission.status
    if submission.decided_at is None:
        return SubmissionStatus.SUBMITTED
    return SubmissionStatus.SUBMITTED if needs_review else SubmissionStatus.ACCEPTED


def received_by(submissions: Sequence[Submitted], until: dt.datetime | None) -> list[Submitted]:
    """The submissions received before `until`, oldest version first."""
    return sorted(
        (s for s in submissions if until is None or s.received_at < until),
        key=lambda s: s.version,
    )


def state_then(
    stored: State,
    submissions: Sequence[Submitted],
    until: dt.datetime | None,
    *,
    needs_review: bool,
    announced: bool,
    changed_at: dt.datetime | None = None,
) -> State:
    """The obligation's state just before `until`, following the intake's rules: an accepted version
    stands until the office returns it; otherwise the latest version decides. A withdrawn
    obligation (`changed_at`: when it was withdrawn) is withdrawn from then on."""
    if until is None:
        return stored
    if stored is State.WITHDRAWN and (changed_at is None or changed_at < until):
        return stored
    seen = received_by(submissions, until)
    if not seen:
        return State.ANNOUNCED if announced and stored is not State.PENDING else State.PENDING
    statuses = [status_then(s, until, needs_review) for s in seen]
    if SubmissionStatus.ACCEPTED in statuses:
        return State.ACCEPTED
    return State.SUBMITTED if statuses[-1] == SubmissionStatus.SUBMITTED else State.RETURNED


def handed_in(
    state: State, submissions: Sequence[Submitted], until: dt.datetime | None, *, needs_review: bool
) -> dt.datetime | None:
    """When the report that counts was received: the first accepted version of an accepted
    obligation, the latest waiting one of a submitted obligation; None otherwise."""
    wanted = {State.ACCEPTED: SubmissionStatus.ACCEPTED, State.SUBMITTED: SubmissionStatus.SUBMITTED}.get(state)
    if wanted is None:
        return None
    matching = [s for s in received_by(submissions, until) if status_then(s, until, needs_review) == wanted]
    if not matching:
        return None
    return (matching[0] if state is State.ACCEPTED else matching[-1]).received_at


def value_then(changes: Sequence[tuple[dt.datetime, T]], until: dt.datetime | None, current: T, before: T) -> T:
    """A value changed by audited events `(at, new value)`: the latest before `until`; `before` when every
    change came later; `current` when nothing was ever recorded or `until` is None."""
    if until is None or not changes:
        return current
    earlier = [value for at, value in sorted(changes, key=lambda c: c[0]) if at < until]
    return earlier[-1] if earlier else before
