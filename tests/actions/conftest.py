"""Helpers for the action tests: users of other roles, actions made through the services, and a
completed guide assessment (which adds its system-learning action)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from justculture.actions import services
from justculture.actions.models import Action
from justculture.assessments import services as assessment_services
from justculture.assessments.models import Assessment
from justculture.cases.models import Act, Case
from justculture.casework import assessments as casework_assessments
from justculture.core.models import Organisation, User
from tests.conftest import client_for

# Answers that walk the NHS guide to outcome D (foresight test not met).
TO_D = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]


def days_from_today(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


def list_url(case: Case) -> str:
    return reverse("case_actions:list", args=[case.reference])


def new_url(case: Case) -> str:
    return reverse("case_actions:new", args=[case.reference])


def detail_url(action: Action) -> str:
    return reverse("case_actions:detail", args=[action.case.reference, action.pk])


TRACKER = "/actions/"
MINE = "/actions/mine/"


@pytest.fixture
def investigator(org: Organisation, make_user: Callable[..., User]) -> User:
    """Sees every case and runs the guide, but may not manage actions."""
    return make_user(org, "investigator")


@pytest.fixture
def investigator_client(investigator: User) -> Client:
    return client_for(investigator)


@pytest.fixture
def make_action(handler: User) -> Callable[..., Action]:
    def make(case: Case, *, title: str = "Review the night staffing rota", kind: str = "system",
             category: str = "staffing", owner: User | None = None, due: date | None = None,
             factor_ids: tuple[str, ...] = (), by: User | None = None) -> Action:
        return services.action_create(
            case=case, kind=kind, category=category, title=title, description="Look at the last month.",
            owner=owner, due_date=due, factor_ids=factor_ids, by=by or handler,
        )

    return make


@pytest.fixture
def action(case: Case, make_action: Callable[..., Action], handler: User) -> Action:
    return make_action(case, owner=handler, due=days_from_today(14))


def complete(act: Act, by: User, answers: list[tuple[str, str]] | None = None) -> Assessment:
    """Walk the guide for an act through the assessment services and complete it."""
    assessment = assessment_services.assessment_start(act=act, by=by)
    answer(assessment, answers or TO_D, by)
    return casework_assessments.assessment_complete(assessment=assessment, by=by)


def answer(assessment: Assessment, answers: list[tuple[str, str]], by: User) -> None:
    for question_id, value in answers:
        assessment_services.assessment_answer(
            assessment=assessment, question_id=question_id, answer=value,
            rationale=f"Because {question_id} is {value}", by=by,
        )


def html(response: Any) -> str:
    return response.content.decode()

