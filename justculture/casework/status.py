"""A person moving a case to another state, with what closing it would leave undone.

Closing a case makes it read-only (states.yaml). Before that, the person sees what is still
outstanding in every app (open actions, acts without a completed assessment, unfinished referral
considerations) and must give a reason to close it all the same. Reopening a closed case also
needs a reason. The move itself is made by ``cases.lifecycle``, the only writer of the status.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from justculture.actions.models import Action
from justculture.actions.selectors import OPEN_STATUSES
from justculture.assessments.models import Assessment
from justculture.cases import lifecycle
from justculture.cases.models import Case, CaseStatusChange
from justculture.cases.states import case_states
from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, require
from justculture.decisions.models import ReferralConsideration
from justculture.decisions.selectors import referral_question_ids

REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Outstanding:
    """What is still open in a case."""

    open_actions: int
    unassessed_acts: int
    referral_unfinished: int
    """Referral questions not yet answered yes or no, once referral considerations were started."""

    def as_counts(self) -> dict[str, int]:
        return {k: v for k, v in {
            "open_actions": self.open_actions, "unassessed_acts": self.unassessed_acts,
            "referral_unfinished": self.referral_unfinished,
        }.items() if v}

    def lines(self) -> list[str]:
        """Plain sentences for the page, one per kind of thing outstanding."""
        out = []
        if self.open_actions:
            out.append(_plural(self.open_actions, "action is", "actions are") + " still open")
        if self.unassessed_acts:
            out.append(_plural(self.unassessed_acts, "act has", "acts have") + " no completed assessment")
        if self.referral_unfinished:
            out.append(_plural(self.referral_unfinished, "referral question is", "referral questions are")
                       + " not answered yes or no")
        return out

    def __bool__(self) -> bool:
        return bool(self.open_actions or self.unassessed_acts or self.referral_unfinished)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def outstanding(case: Case) -> Outstanding:
    """What closing the case now would leave undone."""
    open_actions = Action.objects.filter(case_id=case.pk, status__in=OPEN_STATUSES).count()
    assessed = set(
        Assessment.objects.filter(case_id=case.pk, status=Assessment.COMPLETE).values_list("act_id", flat=True)
    )
    acts = set(case.acts.values_list("pk", flat=True))
    unassessed = len(acts - assessed)
    unfinished = 0
    consideration = ReferralConsideration.objects.filter(case_id=case.pk).only("answers").first()
    if consideration is not None:
        answers = consideration.answers or {}
        unfinished = sum(
            1 for qid in referral_question_ids() if (answers.get(qid) or {}).get("answer") not in {"yes", "no"}
        )
    return Outstanding(open_actions, unassessed, unfinished)


def case_status_change(*, case: Case, to: str, reason: str = "", by: User) -> CaseStatusChange:
    """Move a case to another state as a person asks.

    Closing a case with anything outstanding, and reopening a closed case, need a reason. The
    outstanding items are kept with the move.
    """
    require(by, Permission.EDIT_CASE, case.team_id)
    machine = case_states()
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(f"The reason must be {REASON_MAX_LENGTH} characters or fewer.", field="reason")
    problem = lifecycle.transition_problem(case.status, to)
    if problem:
        raise ServiceError(problem, field="status", status=409)
    with transaction.atomic():
        left = outstanding(case) if to in machine.ending_states() else Outstanding(0, 0, 0)
        if left and not reason:
            raise ServiceError(
                "This case still has work outstanding: " + "; ".join(left.lines())
                + ". Give a reason for closing it now.", field="reason", status=409,
            )
        if machine.is_read_only(case.status) and not reason:
            # Both depend on the case's state (what is outstanding, whether it is closed): a 409.
            raise ServiceError("Give a reason for reopening the case.", field="reason", status=409)
        return lifecycle.move(case=case, to=to, by=by, reason=reason, outstanding=left.as_counts())
