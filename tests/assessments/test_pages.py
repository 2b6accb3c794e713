"""The question, peer and revisit pages: validation, prefilling, routing and context."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from justculture.assessments import services
from justculture.assessments.models import Assessment
from justculture.cases import services as case_services
from justculture.cases.models import Case
from justculture.core.models import User
from tests.assessments.conftest import (
    D_PATH,
    TO_4A,
    act_url,
    answer,
    answer_all,
    completed,
    question_url,
    shown,
    start_url,
    version_url,
)
from tests.conftest import pdf_upload


@pytest.fixture
def started(case: Case, handler: User) -> Assessment:
    return services.assessment_start(act=case.acts.get(number=1), by=handler)


def test_missing_answer_keeps_the_rationale_and_explains(
    handler_client: Client, case: Case, started: Assessment
) -> None:
    response = handler_client.post(question_url(case, "1a"), {"rationale": "She meant no harm."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select yes, no or not yet known" in html
    assert 'href="#answer"' in html
    assert "She meant no harm." in html
    assert "<title>Error:" in html
    assert not started.answers.exists()


def test_missing_rationale_keeps_the_answer_and_explains(
    handler_client: Client, case: Case, started: Assessment
) -> None:
    response = handler_client.post(question_url(case, "1a"), {"answer": "no", "rationale": "   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Give the reason for your answer" in html
    assert 'href="#rationale"' in html
    assert 'value="no" checked' in html
    assert not started.answers.exists()


def test_question_page_prefills_an_existing_answer(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    answer_all(started, [("1a", "no")], handler)
    html = handler_client.get(question_url(case, "1a")).content.decode()
    assert 'value="no" checked' in html
    assert "Reason for 1a: no" in html


def test_back_link_goes_to_the_previous_question_or_the_act(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    html = handler_client.get(question_url(case, "1a")).content.decode()
    assert f'class="nhsuk-back-link" href="{act_url(case)}"' in html
    answer_all(started, [("1a", "no"), ("2a", "no")], handler)
    html = handler_client.get(question_url(case, "2b")).content.decode()
    assert f'class="nhsuk-back-link" href="{question_url(case, "2a")}"' in html


def test_question_off_the_route_redirects_to_the_waiting_question(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    assert handler_client.get(question_url(case, "3b"))["Location"] == question_url(case, "1a")
    answer_all(started, [("1a", "no")], handler)
    assert handler_client.get(question_url(case, "5a"))["Location"] == question_url(case, "2a")
    answer_all(started, D_PATH[1:], handler)
    assert handler_client.get(question_url(case, "3b"))["Location"] == version_url("check", case)
    # A POST to a question off the route saves nothing.
    assert answer(handler_client, case, "3b", "yes").status_code == 302
    assert not started.answers.filter(question_id="3b").exists()


def test_completed_version_is_read_only(
    handler_client: Client, case: Case, handler: User
) -> None:
    done = completed(case.acts.get(number=1), handler)
    before = sorted(done.answers.values_list("question_id", "answer", "rationale"))
    outcome = version_url("outcome", case)
    assert handler_client.get(question_url(case, "1a"))["Location"] == outcome
    assert handler_client.get(version_url("check", case))["Location"] == outcome
    assert handler_client.get(version_url("peer-new", case))["Location"] == outcome
    response = answer(handler_client, case, "1a", "yes", rationale="Changed my mind")
    assert response["Location"] == outcome
    assert sorted(done.answers.values_list("question_id", "answer", "rationale")) == before


def test_start_twice_resumes_and_after_completion_explains(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    answer_all(started, [("1a", "no")], handler)
    again = handler_client.post(start_url(case))
    assert again["Location"] == question_url(case, "2a")
    assert Assessment.objects.filter(act__case=case).count() == 1
    answer_all(started, D_PATH[1:], handler)
    assert handler_client.post(start_url(case))["Location"] == version_url("check", case)
    services.assessment_complete(assessment=started, by=handler)
    refused = handler_client.post(start_url(case), follow=True)
    assert refused.redirect_chain[-1][0] == act_url(case)
    assert "Revisit it to start a new version" in refused.content.decode()


def test_context_prompt_asks_for_factors_when_none_are_recorded(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    answer_all(started, [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "yes")],
               handler)
    html = handler_client.get(question_url(case, "3b")).content.decode()
    assert "Contextual factors for this case" in html
    assert "No contextual factors are recorded for this case yet." in html
    assert f"/cases/{case.reference}/factors/" in html
    # Questions without the prompt do not show the panel.
    assert "Contextual factors for this case" not in handler_client.get(
        question_url(case, "3a")
    ).content.decode()


def test_evidence_and_factors_are_shown_and_linked(
    handler_client: Client, case: Case, started: Assessment, handler: User, media: Any,
    make_case: Callable[..., Case],
) -> None:
    rota = case_services.evidence_upload(
        case=case, upload=pdf_upload("rota.pdf"), description="Ward rota for the day", by=handler,
    )
    staffing = case_services.factor_record_save(
        case=case, factor_id="staffing", present="yes", contribution="major",
        account="Two nurses short on the early shift.", documents=[rota], by=handler,
    )
    health = case_services.factor_record_save(
        case=case, factor_id="personal-health", present="yes", contribution="minor",
        account="Private health details.", by=handler,
    )
    answer_all(started, TO_4A[:5], handler)

    html = handler_client.get(question_url(case, "3b")).content.decode()
    assert "Staffing, skill mix and workload" in html
    assert "Two nurses short on the early shift." in html
    assert "Major" in html
    # Special-category accounts stay on their own (access-logged) page.
    assert "Personal stress and health" in html
    assert "Private health details." not in html
    assert "rota.pdf: Ward rota for the day" in html

    other = make_case(handler, name="Chris Lee")
    foreign = case_services.factor_record_save(
        case=other, factor_id="staffing", present="no", contribution="none", account="",
        by=handler,
    )
    refused = answer(handler_client, case, "3b", "no", factor_records=[foreign.pk])
    assert refused.status_code == 200
    assert "Select contextual factors recorded for this case only" in refused.content.decode()

    saved = answer(handler_client, case, "3b", "no", documents=[rota.pk],
                   factor_records=[staffing.pk, health.pk])
    assert saved["Location"] == version_url("check", case)
    row = started.answers.get(question_id="3b")
    assert list(row.documents.all()) == [rota]
    assert set(row.factor_records.all()) == {staffing, health}

    again = handler_client.get(question_url(case, "3b")).content.decode()
    assert f'value="{rota.pk}" checked' in again
    check = handler_client.get(version_url("check", case)).content.decode()
    assert "Evidence: rota.pdf" in check
    assert "Contextual factors: Staffing, skill mix and workload; Personal stress and health" in check

    services.assessment_complete(assessment=started, by=handler)
    outcome = handler_client.get(version_url("outcome", case)).content.decode()
    assert "Evidence: rota.pdf" in outcome
    assert "Staffing, skill mix and workload" in outcome


def test_peer_form_keeps_input_when_invalid_and_peer_can_be_removed(
    handler_client: Client, case: Case, started: Assessment, handler: User
) -> None:
    answer_all(started, TO_4A, handler)
    url = version_url("peer-new", case)
    response = handler_client.post(url, {"peer_name": "Alex <Morgan>", "view": "same"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the peer&#39;s role" in html
    assert "Describe what the peer would have done" in html
    assert shown("Alex <Morgan>") in html
    assert 'value="same" checked' in html
    assert not started.peer_views.exists()

    handler_client.post(url, {"peer_name": "Alex Morgan", "peer_role": "Staff nurse",
                              "experience": "Four years", "view": "different",
                              "account": "I would have escalated."})
    peer = started.peer_views.get()
    page = handler_client.get(question_url(case, "4a")).content.decode()
    remove = version_url("peer-remove", case, 1, peer.pk)
    assert remove in page
    assert "the view of Alex Morgan" in page
    removed = handler_client.post(remove)
    assert removed["Location"] == question_url(case, "4a")
    assert not started.peer_views.exists()


def test_revisit_needs_a_reason(handler_client: Client, case: Case, handler: User) -> None:
    completed(case.acts.get(number=1), handler)
    response = handler_client.post(version_url("revisit", case), {"reason": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Give the reason for revisiting the assessment" in response.content.decode()
    assert Assessment.objects.filter(act__case=case).count() == 1


def test_only_the_newest_version_can_be_revisited(
    handler_client: Client, case: Case, handler: User
) -> None:
    first = completed(case.acts.get(number=1), handler)
    second = services.assessment_revisit(assessment=first, reason="New facts", by=handler)
    services.assessment_complete(assessment=second, by=handler)
    response = handler_client.post(version_url("revisit", case, 1), {"reason": "Again"})
    assert response.status_code == 200
    assert "A newer version (version 2) exists" in response.content.decode()
    assert Assessment.objects.filter(act__case=case).count() == 2
