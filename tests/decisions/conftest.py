"""Fixtures for the decision pages: people who may decide, and cases with a guide outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from justculture.assessments import services as assessment_services
from justculture.assessments.models import Assessment
from justculture.cases.models import Case
from justculture.casework import assessments as casework_assessments
from justculture.core.models import Organisation, User
from tests.conftest import client_for

# Answers that reach each outcome of the NHS guide (question id, answer).
TO_D = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]
TO_C = [("1a", "no"), ("2a", "no"), ("2b", "yes")]
TO_G = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "yes"), ("3b", "yes"), ("3c", "yes"),
        ("4a", "no"), ("4b", "no"), ("4c", "no"), ("5a", "no")]


def give_outcome(case: Case, answers: list[tuple[str, str]], by: User, number: int = 1) -> Assessment:
    """Walk the guide for one act through the services and complete it."""
    act = case.acts.get(number=number)
    assessment = assessment_services.assessment_start(act=act, by=by)
    for question_id, value in answers:
        assessment_services.assessment_answer(
            assessment=assessment, question_id=question_id, answer=value,
            rationale=f"Because ({question_id})", by=by,
        )
    return casework_assessments.assessment_complete(assessment=assessment, by=by)


def decision_post(**changes: Any) -> dict[str, Any]:
    """A valid decision form submission, with changes; a value of None leaves the field out."""
    data: dict[str, Any] = {
        "who_hurt": "The patient, who was in pain; the nurse, who is distressed.",
        "their_needs": "An explanation and an apology; support and time to reflect.",
        "obligations": "The ward manager meets with the family; the organisation offers support.",
        "support_offered": ["occupational-health", "staff-side"],
        "support_notes": "Offered on 2 March.",
        "measures": ["support"],
        "support_detail": "Reflective practice sessions with a practice educator.",
        "rationale": "The guide reached outcome D and the rota shows two nurses short.",
        "decided_by_name": "Jo Smith, ward manager",
        "decided_on": timezone.localdate().isoformat(),
        "departure_justification": "",
        "considered_consistency": "on",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    if "support" not in data.get("measures", []) and "support_detail" not in changes:
        data["support_detail"] = ""
    return data


@pytest.fixture
def decider(org: Organisation, make_user: Callable[..., User]) -> User:
    """Sees cases and records decisions, but cannot run the guide."""
    return make_user(org, "decision-maker")


@pytest.fixture
def decider_client(decider: User) -> Client:
    return client_for(decider)


@pytest.fixture
def case_d(case: Case, handler: User) -> Case:
    """A case whose only act reached outcome D."""
    give_outcome(case, TO_D, handler)
    case.refresh_from_db()
    return case


@pytest.fixture
def case_g(case: Case, handler: User) -> Case:
    """A case whose only act reached outcome G."""
    give_outcome(case, TO_G, handler)
    case.refresh_from_db()
    return case
