"""Every transition of an obligation, a submission and a unit, in one place.

Pure, in the style of small model methods: each function is given the rows and `now`, changes
them, and returns the `AuditEvent` that records the change (None for a change that is not
audited). The callers (intake, the assignment, consolidation, administration, plan loading) load
the rows, write the event with `dutyflow.audit.write` and commit. Guards that refuse a transition
are predicates here (`can_accept`, `can_return`), so the caller chooses its refusal message.

Obligation: pending → announced (assignment sent) → submitted (awaiting the office) or accepted;
returned (invalid version, or the office returned it) → a new round of the chase. An accepted
version stands until the office returns it. Any state → withdrawn, when a reloaded plan no longer
asks for it or its unit closed and its successor owes it; nothing is deleted, and a withdrawn
obligation the plan asks for again is reinstated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from dutyflow.audit import AuditEvent
from dutyflow.states import CHASED_STATES, ObligationState, SubmissionChannel, SubmissionStatus, Withdrawal
from dutyflow.store.models import ObligationRow, SubmissionRow, UnitRow


def obligation_code(obligation: ObligationRow) -> str:
    """How the audit names an obligation: unit/deliverable/period."""
    return f"{obligation.unit.code}/{obligation.deliverable.code}/{obligation.period}"


def initial_state() -> ObligationState:
    """The state of an obligation the plan has just created."""
    return ObligationState.PENDING


# --------------------------------------------------------------------------- assignment


def announce(obligation: ObligationRow, first_action_at: dt.datetime) -> bool:
    """The unit was sent its assignment: a pending obligation becomes announced and the chase
    first looks at it at `first_action_at`. False (nothing changed) when it was not pending."""
    if obligation.state != ObligationState.PENDING:
        return False
    obligation.state = ObligationState.ANNOUNCED
    obligation.next_action_at = first_action_at
    return True


# --------------------------------------------------------------------------- submissions


def status_on_receipt(*, valid: bool, needs_review: bool) -> SubmissionStatus:
    """The status a new version gets when it is received: returned when invalid, awaiting the
    office when its deliverable requires acceptance, accepted otherwise."""
    if not valid:
        return SubmissionStatus.RETURNED
    return SubmissionStatus.SUBMITTED if needs_review else SubmissionStatus.ACCEPTED


def submit(obligation: ObligationRow, submission: SubmissionRow, *, now: dt.datetime) -> AuditEvent:
    """A new version (`submission`, its status decided on receipt) was received for `obligation`.

    A valid version stops the chase (accepted, or awaiting the office); an invalid one never undoes
    an accepted version, and otherwise the unit owes the report again. The office's own report,
    issued, is the consolidation (see `consolidate`)."""
    status = SubmissionStatus(submission.status)
    if submission.channel == SubmissionChannel.GENERATED:
        return consolidate(obligation, submission, now=now)
    if status is not SubmissionStatus.RETURNED:
        _settle(
            obligation,
            ObligationState.ACCEPTED if status is SubmissionStatus.ACCEPTED else ObligationState.SUBMITTED,
            now,
        )
    elif obligation.state != ObligationState.ACCEPTED:
        _reopen(obligation, now)
    return AuditEvent(
        action=f"submission_{status.value}",
        entity="submission",
        code=obligation_code(obligation),
        detail={"version": submission.version, "channel": submission.channel},
    )


def consolidate(obligation: ObligationRow, submission: SubmissionRow, *, now: dt.datetime) -> AuditEvent:
    """The office's consolidated report, approved, signed and issued (`submission`, recorded by
    dutyflow), delivers the office's own obligation: accepted, nothing more owed."""
    _settle(obligation, ObligationState.ACCEPTED, now)
    return AuditEvent(
        action="report_final",
        entity="obligation",
        code=obligation_code(obligation),
        detail={"file": submission.file_name, "sha256": submission.file_sha256},
    )


def can_accept(submission: SubmissionRow) -> bool:
    """Only a version awaiting the office can be accepted."""
    return submission.status == SubmissionStatus.SUBMITTED


def can_return(submission: SubmissionRow) -> bool:
    """Any version not already returned can be returned, an accepted one included."""
    return submission.status != SubmissionStatus.RETURNED


def accept(
    obligation: ObligationRow, submission: SubmissionRow, reason: str | None, *, actor: str, now: dt.datetime
) -> AuditEvent:
    """The office accepts a version that awaited it (check `can_accept` first)."""
    submission.status = SubmissionStatus.ACCEPTED
    _settle(obligation, ObligationState.ACCEPTED, now)
    return _decided(obligation, submission, "accepted", reason, actor=actor, now=now)


def return_submission(
    obligation: ObligationRow,
    submission: SubmissionRow,
    reason: str,
    reason_line: str,
    *,
    still_accepted: bool,
    actor: str,
    now: dt.datetime,
) -> AuditEvent:
    """The office returns a version (check `can_return` first); `reason_line` is added to its
    reasons. The unit owes the report again unless another accepted version still stands."""
    submission.status = SubmissionStatus.RETURNED
    submission.reasons = [*submission.reasons, reason_line]
    if not still_accepted:
        _reopen(obligation, now)
    return _decided(obligation, submission, "returned", reason, actor=actor, now=now)


def _decided(
    obligation: ObligationRow,
    submission: SubmissionRow,
    action: str,
    reason: str | None,
    *,
    actor: str,
    now: dt.datetime,
) -> AuditEvent:
    submission.decided_at, submission.decided_by = now, actor
    obligation.state_changed_at = now
    return AuditEvent(
        action=action,
        entity="submission",
        code=obligation_code(obligation),
        detail={"version": submission.version},
        reason=reason or None,
    )


def _settle(obligation: ObligationRow, state: ObligationState, now: dt.datetime) -> None:
    """Nothing more is owed: the chase stops."""
    obligation.state = state
    obligation.next_action_at = None
    obligation.state_changed_at = now


def _reopen(obligation: ObligationRow, now: dt.datetime) -> None:
    """The unit owes the report again: a new round restarts the ladder, from now."""
    if obligation.state != ObligationState.RETURNED:
        obligation.chase_round += 1
    obligation.state = ObligationState.RETURNED
    obligation.state_changed_at = now
    obligation.next_action_at = now


# --------------------------------------------------------------------------- administration


def extend(obligation: ObligationRow, until: dt.date, reason: str, *, now: dt.datetime) -> AuditEvent:
    """Move the obligation's last day to `until`; the chase re-reads its ladder from `now`."""
    before = obligation.extended_until
    obligation.extended_until = until
    obligation.next_action_at = now
    return AuditEvent(
        action="extended",
        entity="obligation",
        code=obligation_code(obligation),
        detail={"before": before.isoformat() if before else None, "after": until.isoformat()},
        reason=reason,
    )


def deadline_moved(obligation: ObligationRow, *, now: dt.datetime) -> None:
    """A reloaded plan moved the obligation's last day: a chased obligation is looked at again on
    the chase's next run, which takes up the ladder of the new deadline, as after an extension (its
    next action was worked out from the old one, which may lie after the new deadline's steps).
    The plan loading audits the change itself."""
    if obligation.state in CHASED_STATES:
        obligation.next_action_at = now


def withdraw(
    obligation: ObligationRow, why: Withdrawal, *, successor: str | None = None, now: dt.datetime
) -> AuditEvent | None:
    """The obligation is no longer owed (`why`; `successor`: the unit that owes it now). Its
    messages and submissions stay; the chase stops. None when it was already withdrawn."""
    before = obligation.state
    if before is ObligationState.WITHDRAWN:
        return None
    obligation.state = ObligationState.WITHDRAWN
    obligation.next_action_at = None
    obligation.state_changed_at = now
    return AuditEvent(
        action="withdrawn",
        entity="obligation",
        code=obligation_code(obligation),
        detail={"why": why.value, "before": before.value, "successor": successor},
    )


def reinstate(
    obligation: ObligationRow, statuses: Iterable[SubmissionStatus], *, announced: bool, now: dt.datetime
) -> AuditEvent:
    """A withdrawn obligation the plan asks for again: what its versions decided stands (accepted,
    awaiting the office); otherwise it is owed again, chased from `now` if the unit had been sent
    its assignment (`announced`), else announced by the next assignment."""
    seen = set(statuses)
    if SubmissionStatus.ACCEPTED in seen:
        obligation.state = ObligationState.ACCEPTED
    elif SubmissionStatus.SUBMITTED in seen:
        obligation.state = ObligationState.SUBMITTED
    else:
        obligation.state = ObligationState.ANNOUNCED if announced else ObligationState.PENDING
    obligation.next_action_at = now if obligation.state is ObligationState.ANNOUNCED else None
    obligation.state_changed_at = now
    return AuditEvent(
        action="reinstated",
        entity="obligation",
        code=obligation_code(obligation),
        detail={"after": obligation.state.value},
    )


def pause(unit: UnitRow, reason: str) -> AuditEvent:
    """Stop chasing a unit (check it is not paused first)."""
    unit.paused = True
    unit.pause_reason = reason
    return AuditEvent(action="paused", entity="unit", code=unit.code, reason=reason)


def resume(unit: UnitRow, reason: str | None) -> AuditEvent:
    """Chase a paused unit again (check it is paused first); the caller marks its obligations that
    are still chased for the next run."""
    unit.paused = False
    unit.pause_reason = None
    return AuditEvent(action="resumed", entity="unit", code=unit.code, reason=reason or None)


__all__ = [
    "accept",
    "announce",
    "can_accept",
    "can_return",
    "consolidate",
    "deadline_moved",
    "extend",
    "initial_state",
    "obligation_code",
    "pause",
    "reinstate",
    "resume",
    "return_submission",
    "status_on_receipt",
    "submit",
    "withdraw",
]
