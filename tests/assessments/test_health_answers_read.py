"""Reading the answers to the health questions (2a to 2c) is audited, as reading the personal-health
contextual factor is: every page and API reply that shows one records a special-category read,
naming the questions and the assessment, never the answers. Pages showing only other answers
record nothing."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from justculture.api.services import token_create
from justculture.assessments import services
from justculture.assessments.models import Assessment
from justculture.cases.models import Case
from justculture.casework import assessments as casework
from justculture.core.models import AuditEvent, User
from tests.api.conftest import ApiClient
from tests.assessments.conftest import act_url, question_url, version_url
from tests.conftest import client_for

WHY_2A = "Breath smelled of vodka at the handover"


def _reads(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=since, action="special-category.view").order_by("id"))


def _last() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _answered(case: Case, by: User, answers: list[tuple[str, str]]) -> Assessment:
    assessment = services.assessment_start(act=case.acts.get(), by=by)
    for question_id, value in answers:
        services.assessment_answer(assessment=assessment, question_id=question_id, answer=value,
                                   rationale=WHY_2A if question_id == "2a" else "Because", by=by)
    return assessment


def _assert_read(event: AuditEvent, assessment: Assessment, by: User, questions: str) -> None:
    assert (event.actor_id, event.case_id, event.object_type, event.object_id) == (
        by.pk, assessment.case_id, "assessment", str(assessment.pk))
    assert f"health questions {questions} of act 1 (version {assessment.version})" in event.summary
    text = json.dumps({"summary": event.summary, "changes": event.changes})
    assert "vodka" not in text and '"yes"' not in text and "outcome" not in text.lower()


def test_the_pages_showing_a_health_answer_record_a_read(handler: User, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    client = client_for(handler)
    assessment = _answered(case, handler, [("1a", "no")])
    since = _last()
    # Only 1a answered: no page shows a health answer yet.
    assert client.get(question_url(case, "1a")).status_code == 200
    assert client.get(version_url("check", case)).status_code == 200
    assert _reads(since) == []

    services.assessment_answer(assessment=assessment, question_id="2a", answer="yes", rationale=WHY_2A, by=handler)
    since = _last()
    assert client.get(question_url(case, "2a")).status_code == 200  # shows the answer given to 2a
    [question] = _reads(since)
    _assert_read(question, assessment, handler, "2a")

    since = _last()
    check = client.get(version_url("check", case))
    assert check.status_code == 200 and WHY_2A in check.content.decode()
    [read] = _reads(since)
    _assert_read(read, assessment, handler, "2a")

    casework.assessment_complete(assessment=assessment, by=handler)
    since = _last()
    outcome = client.get(version_url("outcome", case))
    assert outcome.status_code == 200 and "Signs of substance misuse" in outcome.content.decode()
    act_page = client.get(act_url(case))
    assert act_page.status_code == 200 and "Signs of substance misuse" in act_page.content.decode()
    reads = _reads(since)
    assert len(reads) == 2
    for read in reads:
        _assert_read(read, assessment, handler, "2a")


def test_an_assessment_reaching_outcome_d_records_the_health_answers_it_shows(
        handler: User, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    assessment = _answered(case, handler, [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")])
    casework.assessment_complete(assessment=assessment, by=handler)
    client = client_for(handler)
    since = _last()
    assert client.get(version_url("outcome", case)).status_code == 200
    [read] = _reads(since)
    _assert_read(read, assessment, handler, "2a, 2b, 2c")
    since = _last()
    assert client.get(act_url(case)).status_code == 200  # outcome D says nothing of the health answers
    assert _reads(since) == []


def test_api_replies_holding_a_health_answer_record_a_read(handler: User, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    _token, plain = token_create(user=handler, by=None, name="tests")
    api = ApiClient(plain)
    base = f"/cases/{case.reference}/acts/1/assessment"
    assessment = _answered(case, handler, [("1a", "no")])
    since = _last()
    status, body = api.get(base)
    assert status == 200 and [a["question_id"] for a in body["answers"]] == ["1a"]
    assert _reads(since) == []

    services.assessment_answer(assessment=assessment, question_id="2a", answer="yes", rationale=WHY_2A, by=handler)
    since = _last()
    status, body = api.get(base)
    assert status == 200 and {a["question_id"]: a["answer"] for a in body["answers"]}["2a"] == "yes"
    [read] = _reads(since)
    _assert_read(read, assessment, handler, "2a")
    assert read.summary.endswith("(API)")

    since = _last()
    status, body = api.get(f"{base}/outcome")
    assert status == 200 and body["outcome"]["code"] == "B"
    [read] = _reads(since)
    _assert_read(read, assessment, handler, "2a")


def test_someone_who_cannot_see_the_case_records_nothing(
        handler: User, outsider_client: Client, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    _answered(case, handler, [("1a", "no"), ("2a", "yes")])
    since = _last()
    assert outsider_client.get(reverse("assessments:check", args=[case.reference, 1, 1])).status_code == 404
    assert _reads(since) == []
