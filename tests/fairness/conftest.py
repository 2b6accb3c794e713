"""Fixtures for the fairness tests: people with each role, equality data and workforce figures,
all made through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from justculture.cases.models import Case
from justculture.casework import decisions as casework_decisions
from justculture.core.models import Organisation, User
from justculture.decisions import services as decision_services
from justculture.decisions.models import Decision
from justculture.fairness import services
from tests.conftest import client_for as signed_in_client

WHITE = "A"  # White - British
BLACK_AFRICAN = "N"


def client_for(user: User) -> Client:
    """A test client signed in as the user, past the second factor where the service asks for one
    (the HR adviser's role requires it)."""
    client = signed_in_client(user)
    try:
        from justculture.core import twofactor
    except ImportError:  # a service without the two-factor gate
        return client
    mark = getattr(twofactor, "mark_verified", None)
    session = client.session
    if mark is not None and session.get("_auth_user_id"):
        mark(session)
        session.save()
    return client


@pytest.fixture
def hr(org: Organisation, make_user: Callable[..., User]) -> User:
    """Sees and records equality data (and fairness figures)."""
    return make_user(org, "hr-adviser")


@pytest.fixture
def hr_client(hr: User) -> Client:
    return client_for(hr)


@pytest.fixture
def analyst(org: Organisation, make_user: Callable[..., User]) -> User:
    """Sees aggregate fairness figures only, never cases."""
    return make_user(org, "equality-analyst")


@pytest.fixture
def analyst_client(analyst: User) -> Client:
    return client_for(analyst)


@pytest.fixture
def record_equality(hr: User) -> Callable[..., Any]:
    def record(case: Case, ethnicity: str = WHITE, **others: str) -> Any:
        values = {"sex": "female", "disability": "no", "age_band": "35-44", "qualified": "uk", **others}
        return services.equality_record_save(case=case, ethnicity=ethnicity, by=hr, **values)

    return record


@pytest.fixture
def import_workforce(hr: User) -> Callable[[str], Any]:
    def run(text: str) -> Any:
        return services.workforce_import(data=text, by=hr, filename="workforce.csv")

    return run


def decide(case: Case, by: User, measures: list[str], on: date, **extra: Any) -> Decision:
    """Record a decision through the service, filling in what the chosen measures need."""
    if "formal-process" in measures:
        extra.setdefault("formal_type", "disciplinary")
    if "local-action" in measures:
        extra.setdefault("local_action_types", ["training"])
    try:
        return casework_decisions.decision_record(
            case=case, measures=measures, rationale="Reasons given.", decided_by_name="Jo Smith", decided_on=on,
            by=by, **extra,
        )
    except decision_services.DecisionError:
        extra["departure_justification"] = "A written justification for departing from the guide."
        return casework_decisions.decision_record(
            case=case, measures=measures, rationale="Reasons given.", decided_by_name="Jo Smith", decided_on=on,
            by=by, **extra,
        )
