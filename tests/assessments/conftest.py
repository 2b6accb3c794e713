"""Helpers for driving the guided assessment through the web pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from markupsafe import escape

from justculture.assessments import services
from justculture.assessments.models import Assessment
from justculture.cases.models import Act, Case
from justculture.core.models import Organisation, User
from tests.conftest import client_for


def shown(text: str) -> str:
    """Text as it appears in a page, after HTML escaping."""
    return str(escape(text))


def act_url(case: Case, number: int = 1) -> str:
    return reverse("assessments:act", args=[case.reference, number])


def start_url(case: Case, number: int = 1) -> str:
    return reverse("assessments:start", args=[case.reference, number])


def version_url(name: str, case: Case, version: int = 1, *args: Any, number: int = 1) -> str:
    return reverse(f"assessments:{name}", args=[case.reference, number, version, *args])


def question_url(case: Case, question_id: str, version: int = 1, number: int = 1) -> str:
    return version_url("question", case, version, question_id, number=number)


def answer(client: Client, case: Case, question_id: str, value: str, *, version: int = 1,
           rationale: str | None = None, change: bool = False, follow: bool = False,
           **extra: Any) -> Any:
    url = question_url(case, question_id, version) + ("?change=1" if change else "")
    data = {"answer": value, "rationale": rationale or f"Reason for {question_id}: {value}", **extra}
    return client.post(url, data, follow=follow)


def walk(client: Client, case: Case, answers: list[tuple[str, str]], version: int = 1) -> Any:
    """Answer each question in turn, checking each answer leads to the next one given."""
    response = None
    for index, (qid, value) in enumerate(answers):
        response = answer(client, case, qid, value, version=version)
        assert response.status_code == 302, (qid, response.content[:2000])
        if index + 1 < len(answers):
            assert response["Location"] == question_url(case, answers[index + 1][0], version)
    return response


@pytest.fixture
def decider(org: Organisation, make_user: Callable[..., User]) -> User:
    """Can see cases but not run the guide (no ASSESS permission)."""
    return make_user(org, "decision-maker")


@pytest.fixture
def decider_client(decider: User) -> Client:
    return client_for(decider)


D_PATH = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]
TO_4A = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "yes"), ("3b", "yes"),
         ("3c", "yes")]


def answer_all(assessment: Assessment, answers: list[tuple[str, str]], by: User) -> None:
    """Record answers straight through the service (for setting up a page under test)."""
    for qid, value in answers:
        services.assessment_answer(
            assessment=assessment, question_id=qid, answer=value,
            rationale=f"Reason for {qid}: {value}", by=by,
        )


def completed(act: Act, by: User, answers: list[tuple[str, str]] | None = None) -> Assessment:
    assessment = services.assessment_start(act=act, by=by)
    answer_all(assessment, answers or D_PATH, by)
    return services.assessment_complete(assessment=assessment, by=by)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
