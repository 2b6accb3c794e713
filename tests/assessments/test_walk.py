"""Whole walks through the guide in the web pages, from the act page to the outcome."""

from __future__ import annotations

from django.test import Client

from justculture.assessments.models import Answer, Assessment
from justculture.cases.models import Case
from justculture.core.models import User
from justculture.guide import default_guide
from tests.assessments.conftest import (
    D_PATH,
    TO_4A,
    act_url,
    answer,
    completed,
    question_url,
    shown,
    start_url,
    version_url,
    walk,
)


def _confirm(client: Client, case: Case, version: int = 1) -> str:
    response = client.post(version_url("check", case, version))
    assert response.status_code == 302
    assert response["Location"] == version_url("outcome", case, version)
    return client.get(response["Location"]).content.decode()


def test_walk_to_outcome_d(handler_client: Client, case: Case) -> None:
    page = handler_client.get(act_url(case))
    assert page.status_code == 200
    assert "Start the assessment" in page.content.decode()

    started = handler_client.post(start_url(case))
    assert started.status_code == 302
    assert started["Location"] == question_url(case, "1a")

    first = handler_client.get(started["Location"]).content.decode()
    assert "Did the person intend to cause harm?" in first
    assert "Act 1, version 1: Deliberate harm test, question 1a" in first
    assert 'id="main-form"' in first
    assert first.count("<h1") == 1

    last = walk(handler_client, case, D_PATH)
    assert last["Location"] == version_url("check", case)
    check = handler_client.get(last["Location"]).content.decode()
    assert "Check your answers before seeing the outcome" in check
    assert "Outcome D: Foresight test not met" in check
    for qid, _ in D_PATH:
        assert f"your answer to question {qid}" in check
        assert question_url(case, qid) + "?change=1" in check
    assert "Confirm and see the outcome" in check

    outcome = _confirm(handler_client, case)
    guide = default_guide()
    assert "Outcome D: Foresight test not met" in outcome
    assert shown(guide.outcome("D").recommendation) in outcome
    assert "Wider learning for the organisation" in outcome
    assert shown(guide.outcome("D").system_learning) in outcome
    assert "does not replace an investigation" in outcome
    assert "Reason for 3a: no" in outcome
    assert "Revisit this assessment" in outcome

    assessment = Assessment.objects.get(act__case=case, version=1)
    assert assessment.is_complete
    assert assessment.outcome_code == "D"
    assert assessment.path == [q for q, _ in D_PATH]
    case.refresh_from_db()
    assert case.latest_outcome == "D"

    act_page = handler_client.get(act_url(case)).content.decode()
    assert "Complete" in act_page
    assert "Outcome D: Foresight test not met" in act_page
    assert "Revisit the assessment" in act_page
    assert "Start the assessment" not in act_page


def test_walk_to_outcome_e_with_a_peer_view(handler_client: Client, case: Case) -> None:
    handler_client.post(start_url(case))
    last = walk(handler_client, case, TO_4A)
    assert last["Location"] == question_url(case, "4a")

    page = handler_client.get(question_url(case, "4a")).content.decode()
    assert "Peer views" in page
    assert "No peer views are recorded for this version yet." in page
    peer_new = version_url("peer-new", case)
    assert peer_new in page

    form = handler_client.get(peer_new)
    assert form.status_code == 200
    saved = handler_client.post(peer_new, {
        "peer_name": "Alex Morgan", "peer_role": "Staff nurse, band 5",
        "experience": "Four years on a surgical ward", "view": "same",
        "account": "With two admissions at once I would also have given it late.",
    })
    assert saved.status_code == 302
    assert saved["Location"] == question_url(case, "4a")
    page = handler_client.get(question_url(case, "4a")).content.decode()
    assert "Alex Morgan (Staff nurse, band 5)" in page
    assert "Would probably have done the same" in page

    done = answer(handler_client, case, "4a", "yes")
    assert done["Location"] == version_url("check", case)
    outcome = _confirm(handler_client, case)
    assert "Outcome E: Substitution test met" in outcome
    assert "Action singling out the individual is unlikely to be appropriate." in outcome
    assert "Alex Morgan (Staff nurse, band 5)" in outcome
    assert "With two admissions at once I would also have given it late." in outcome


def test_walk_to_outcome_g(handler_client: Client, case: Case) -> None:
    handler_client.post(start_url(case))
    answers = [*TO_4A, ("4a", "no"), ("4b", "no"), ("4c", "no"), ("5a", "no")]
    last = walk(handler_client, case, answers)
    assert last["Location"] == version_url("check", case)
    outcome = _confirm(handler_client, case)
    guide = default_guide()
    assert "Outcome G: No significant mitigating circumstances" in outcome
    assert shown(guide.outcome("G").recommendation) in outcome
    assert shown(guide.outcome("G").system_learning) in outcome
    assert Assessment.objects.get(act__case=case).path == [q for q, _ in answers]


def test_changing_an_earlier_answer_changes_the_route_and_outcome(
    handler_client: Client, case: Case
) -> None:
    handler_client.post(start_url(case))
    walk(handler_client, case, D_PATH)

    # Changing 3a to yes opens the rest of the foresight test: the walk is no longer complete.
    change_page = handler_client.get(question_url(case, "3a") + "?change=1").content.decode()
    assert f'href="{version_url("check", case)}"' in change_page  # back link to the check page
    changed = answer(handler_client, case, "3a", "yes", change=True)
    assert changed["Location"] == question_url(case, "3b")
    check = handler_client.get(version_url("check", case)).content.decode()
    assert "Question 3b still needs an answer" in check
    assert "Confirm and see the outcome" not in check

    answer(handler_client, case, "3b", "yes")
    back = answer(handler_client, case, "3c", "no")
    assert back["Location"] == version_url("check", case)

    # Changing 1a to yes ends the walk at outcome A; the later answers are kept but unused.
    changed = answer(handler_client, case, "1a", "yes", change=True)
    assert changed["Location"] == version_url("check", case)
    check = handler_client.get(version_url("check", case)).content.decode()
    assert "Outcome A: Intention to cause harm" in check
    assert "Your answers to questions 2a, 2b, 2c, 3a, 3b, 3c are kept but not used" in check
    assert "your answer to question 2a" not in check

    outcome = _confirm(handler_client, case)
    assert "Outcome A: Intention to cause harm" in outcome
    assessment = Assessment.objects.get(act__case=case)
    assert assessment.outcome_code == "A"
    assert assessment.path == ["1a"]


def test_not_yet_known_leaves_the_assessment_incomplete(handler_client: Client, case: Case) -> None:
    handler_client.post(start_url(case))
    answer(handler_client, case, "1a", "no")
    response = answer(handler_client, case, "2a", "unknown", follow=True)
    assert response.redirect_chain[-1][0] == act_url(case)
    html = response.content.decode()
    assert "waits on question 2a" in html
    assert "In progress" in html
    assert f'href="{question_url(case, "2a")}"' in html  # Continue goes to the waiting question

    assessment = Assessment.objects.get(act__case=case)
    assert not assessment.is_complete
    assert assessment.answers.get(question_id="2a").answer == Answer.UNKNOWN

    check = handler_client.get(version_url("check", case)).content.decode()
    assert "Question 2a still needs an answer: it is marked as not yet known" in check
    assert "Confirm and see the outcome" not in check

    refused = handler_client.post(version_url("check", case))
    assert refused.status_code == 200
    assert "There is a problem" in refused.content.decode()
    assert "question 2a still needs an answer" in refused.content.decode()
    assessment.refresh_from_db()
    assert not assessment.is_complete

    # The outcome page of an unfinished version sends the reader to the check page.
    assert handler_client.get(version_url("outcome", case))["Location"] == version_url("check", case)


def test_revisit_creates_version_2_and_keeps_version_1(
    handler_client: Client, case: Case, handler: User
) -> None:
    act = case.acts.get(number=1)
    completed(act, handler)

    form = handler_client.get(version_url("revisit", case))
    assert form.status_code == 200
    assert "Revisit the assessment" in form.content.decode()
    revisited = handler_client.post(version_url("revisit", case), {
        "reason": "The ward rota shows two nurses were off sick that day.",
    }, follow=True)
    assert revisited.redirect_chain[-1][0] == version_url("check", case, 2)
    check = revisited.content.decode()
    assert "Version 2 started with the answers of version 1" in check
    assert "Outcome D: Foresight test not met" in check  # answers carried over

    changed = answer(handler_client, case, "1a", "yes", version=2, rationale="New statement.",
                     change=True)
    assert changed["Location"] == version_url("check", case, 2)
    outcome_2 = _confirm(handler_client, case, 2)
    assert "Outcome A: Intention to cause harm" in outcome_2
    assert "The ward rota shows two nurses were off sick that day." in outcome_2
    assert "Revisit this assessment" in outcome_2

    outcome_1 = handler_client.get(version_url("outcome", case, 1)).content.decode()
    assert "Outcome D: Foresight test not met" in outcome_1
    assert "Reason for 1a: no" in outcome_1
    assert "New statement." not in outcome_1
    assert "This is an earlier version" in outcome_1
    assert "Revisit this assessment" not in outcome_1

    v1, v2 = Assessment.objects.filter(act=act).order_by("version")
    assert (v1.outcome_code, v2.outcome_code) == ("D", "A")
    assert v1.answers.get(question_id="1a").answer == "no"
    case.refresh_from_db()
    assert case.latest_outcome == "A"

    act_page = handler_client.get(act_url(case)).content.decode()
    assert "Version 1" in act_page
    assert "Version 2" in act_page
    assert "The ward rota shows two nurses were off sick that day." in act_page


def test_script_in_a_rationale_is_escaped_on_the_outcome_page(
    handler_client: Client, case: Case
) -> None:
    handler_client.post(start_url(case))
    payload = '<script>alert("x")</script><b>bold</b>'
    answer(handler_client, case, "1a", "yes", rationale=payload)
    outcome = _confirm(handler_client, case)
    assert payload not in outcome
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in outcome
    check_page = handler_client.get(act_url(case)).content.decode()
    assert "<script>alert" not in check_page
