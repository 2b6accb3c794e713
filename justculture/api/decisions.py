"""The decision on a case beside the guide's recommendation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from justculture.api.auth import actor
from justculture.api.common import ERRORS, IdempotencyKey, created_once
from justculture.api.schemas import DecisionIn, DecisionOut, DecisionsOut, Reference
from justculture.cases.selectors import case_for
from justculture.casework import decisions as casework
from justculture.decisions.models import Decision
from justculture.decisions.selectors import recommendation_for

router = Router(tags=["decisions"])

_FIELDS = ("measures", "severity", "support_detail", "local_action_types", "formal_type", "rationale",
           "guide_outcomes", "guide_indication", "departs_from_guide", "departure_justification", "who_hurt",
           "their_needs", "obligations", "support_offered", "support_notes", "decided_by_name", "decided_on",
           "recorded_at")


def decision_out(decision: Decision) -> dict[str, Any]:
    data = {name: getattr(decision, name) for name in _FIELDS}
    return {"id": decision.pk, **data, "recorded_by": decision.recorded_by.username}


@router.get("/cases/{reference}/decision", response={200: DecisionsOut, **ERRORS}, summary="Get the decision")
def decision_detail(request: HttpRequest, reference: Reference) -> dict[str, Any]:
    """The current decision (null if none yet), earlier ones, and the guide's recommendation."""
    case = case_for(actor(request), reference)
    decisions = [decision_out(d) for d in case.decisions.select_related("recorded_by")]
    recommendation = recommendation_for(case)
    return {
        "current": decisions[0] if decisions else None, "earlier": decisions[1:],
        "recommendation": {"outcomes": recommendation.codes, "indication": recommendation.indication,
                           "incomplete_acts": recommendation.incomplete_acts},
    }


@router.post("/cases/{reference}/decision", response={201: DecisionOut, **ERRORS}, summary="Record a decision")
def decision_record(request: HttpRequest, reference: Reference, payload: DecisionIn,
                    idempotency_key: IdempotencyKey = None) -> Status[dict[str, Any]]:
    """A decision more severe than the guide's recommendation needs departure_justification."""
    user = actor(request)
    case = case_for(user, reference)
    return created_once(request, idempotency_key, payload, lambda: decision_out(
        casework.decision_record(case=case, **payload.model_dump(), by=user)))
