"""The case lifecycle: the only code that changes ``Case.status``.

A case moves between the states of states.yaml, and only along the moves listed there. Each move
is stored as a ``CaseStatusChange`` (from, to, reason, who, when, and what was outstanding when a
case was closed) and audited in the same transaction. While a case is in a read-only state
(closed), ``ensure_open`` refuses every change to the case or anything in it; every service that
changes case content calls it inside its transaction, so a case closed a moment earlier by
someone else is seen.

Permission checks belong to the callers (``casework.status`` for a person's move; the
assessment and decision services for the moves their work implies).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from justculture.cases.models import Case, CaseStatusChange
from justculture.cases.states import CaseState, case_states
from justculture.core import audit
from justculture.core.errors import CaseClosedError, ServiceError
from justculture.core.models import User


def transition_problem(current: str, to: str) -> str | None:
    """Why a case cannot move from one status to another, or None when it can."""
    machine = case_states()
    if to not in machine.states:
        return f"'{to}' is not a case status."
    if not machine.can_move(current, to):
        allowed = ", ".join(machine.title(s) for s in machine.allowed(current)) or "none"
        return (
            f"A case that is {machine.title(current).lower()} cannot move to "
            f"{machine.title(to).lower()}. It can move to: {allowed}."
        )
    return None


def is_read_only(case: Case) -> bool:
    """Whether the case's state lets nothing about it change (from the case as loaded)."""
    return case_states().is_read_only(case.status)


def ensure_open(case: Case | int) -> None:
    """Refuse a change to a read-only (closed) case. Call it inside the change's transaction.

    Reads the status again under a row lock, so a change and a close that happen at the same
    moment are taken one after the other: a change that waited for a close is refused.
    """
    case_id = case if isinstance(case, int) else case.pk
    with transaction.atomic():
        status = Case.objects.select_for_update().filter(pk=case_id).values_list("status", flat=True).first()
    if status is None:
        return
    if isinstance(case, Case):
        case.status = status
    if case_states().is_read_only(status):
        raise CaseClosedError()


def move(
    *,
    case: Case,
    to: str,
    by: User,
    reason: str = "",
    outstanding: Mapping[str, int] | None = None,
) -> CaseStatusChange:
    """Move a case to another state if the state machine allows it, and record the move."""
    machine = case_states()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        before = locked.status
        problem = transition_problem(before, to)
        if problem:
            raise ServiceError(problem, field="status", status=409)
        now = timezone.now()
        case.status = to
        if to in machine.ending_states():
            case.closed_at = now
        elif machine.is_read_only(before) or before in machine.ending_states():
            case.closed_at = None
        case.save(update_fields=["status", "closed_at", "updated_at"])
        change = CaseStatusChange.objects.create(
            case=case, from_status=before, to_status=to, reason=reason, outstanding=dict(outstanding or {}),
            changed_by=by,
        )
        changes: dict[str, object] = {"status": [before, to]}
        if reason:
            changes["reason"] = audit.REDACTED
        if outstanding:
            changes["outstanding"] = dict(outstanding)
        audit.record(
            by=by, action="case.status", obj=case, case_id=case.pk,
            summary=f"Status changed from {machine.title(before)} to {machine.title(to)}",
            changes=changes,
        )
    return change


def move_on(*, case: Case, to: CaseState, by: User, reason: str) -> CaseStatusChange | None:
    """Move a case on because of work done in it (an assessment started, a decision recorded),
    when it is not there already and the state machine allows the move; otherwise do nothing."""
    if case.status == to or not case_states().can_move(case.status, to):
        return None
    return move(case=case, to=to, by=by, reason=reason)


def initial_state() -> str:
    return case_states().initial
