"""Recording a decision, and the move of the case to "decided" that it implies."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from justculture.cases import lifecycle
from justculture.cases.models import Case
from justculture.cases.states import CaseState
from justculture.core.models import User
from justculture.decisions import services as decisions
from justculture.decisions.models import Decision


def decision_record(*, case: Case, by: User, **details: Any) -> Decision:
    """Record the decision (``decisions.services.decision_record`` takes the same keywords) and
    move the case to Decided when the state machine allows it, in one transaction."""
    with transaction.atomic():
        decision = decisions.decision_record(case=case, by=by, **details)
        lifecycle.move_on(case=case, to=CaseState.DECIDED, by=by, reason="A decision was recorded.")
    return decision
