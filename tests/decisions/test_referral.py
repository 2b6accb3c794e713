""""Should we refer?": decision support that records answers, never a verdict."""

from __future__ import annotations

from justculture.cases import services as case_services
from justculture.core.models import AuditEvent
from justculture.decisions import services
from justculture.decisions.models import ReferralConsideration
from justculture.decisions.selectors import referral_question_ids, referral_sections
from tests.conftest import client_for, pdf_upload
from tests.decisions.conftest import TO_C, give_outcome


def url(case) -> str:
    return f"/cases/{case.reference}/referral/"


def test_the_page_walks_every_question_and_says_it_is_not_a_verdict(case, decider_client):
    html = decider_client.get(url(case)).content.decode()
    assert "they are not a verdict" in html
    for section in referral_sections():
        assert f'id="section-{section.id}"' in html
        for question in section.questions:
            assert f'name="answer-{question.id}"' in html and f'name="notes-{question.id}"' in html
    for label in ("Yes", "No", "Not sure yet"):
        assert label in html
    # The fairness prompts, from the questions' help, and the sentence about the fairness figures.
    fairness = html[html.index('id="section-fairness"'):html.index('id="section-evidence"')]
    assert "Employers refer ethnic-minority and overseas-qualified professionals more often than others." in fairness
    assert "fairness figures" in fairness
    assert 'name="summary"' in html


def test_the_regulator_defaults_to_the_persons_and_shows_its_details(case, decider_client):
    html = decider_client.get(url(case)).content.decode()
    assert '<option value="nmc" selected' in html
    assert "Nurses, midwives and nursing associates" in html and 'href="https://www.nmc.org.uk"' in html
    assert "Not registered with a regulator" not in html  # nobody to refer to
    case.person.registration_body = "gmc"
    case.person.save()
    html = decider_client.get(url(case)).content.decode()
    assert '<option value="gmc" selected' in html and "Doctors, physician associates" in html


def test_answers_round_trip_and_are_prefilled(case, decider, decider_client):
    response = decider_client.post(url(case), {
        "regulator": "nmc", "answer-risk-of-harm": "no", "notes-risk-of-harm": "Isolated <error>.",
        "answer-pattern": "unsure", "answer-same-for-anyone": "yes", "notes-bias-checked": "Ask HR",
        "summary": "Referral not indicated so far.", "considered_consistency": "on",
    })
    assert response.status_code == 302 and response["Location"] == url(case)
    record = ReferralConsideration.objects.get(case=case)
    assert record.answers == {
        "risk-of-harm": {"answer": "no", "notes": "Isolated <error>."},
        "pattern": {"answer": "unsure", "notes": ""},
        "same-for-anyone": {"answer": "yes", "notes": ""},
        "bias-checked": {"answer": "", "notes": "Ask HR"},
    }
    assert record.summary == "Referral not indicated so far." and record.updated_by == decider
    event = AuditEvent.objects.get(action="referral.considerations")
    assert "Isolated" not in str(event.changes)

    html = decider_client.get(url(case)).content.decode()
    assert "Referral considerations saved. Whether to refer remains your decision." in html
    assert 'id="answer-risk-of-harm-2" name="answer-risk-of-harm" type="radio" value="no" checked' in html
    assert 'value="unsure" checked' in html
    assert "Isolated &lt;error&gt;." in html and "Ask HR" in html and "Referral not indicated so far." in html

    # Saving again replaces the answers (one record per case).
    decider_client.post(url(case), {"regulator": "gmc", "answer-risk-of-harm": "yes", "considered_consistency": "on"})
    record.refresh_from_db()
    assert ReferralConsideration.objects.count() == 1
    assert record.regulator == "gmc" and record.answers == {"risk-of-harm": {"answer": "yes", "notes": ""}}
    html = decider_client.get(url(case)).content.decode()
    assert '<option value="gmc" selected' in html


def test_invalid_answers_keep_the_input(case, decider_client):
    response = decider_client.post(url(case), {
        "regulator": "nowhere", "answer-pattern": "maybe", "notes-pattern": "Kept note", "summary": "Kept summary",
        "answer-risk-of-harm": "yes",
    })
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Select a regulator from the list" in html and "Select yes, no or not sure yet" in html
    assert 'href="#answer-pattern"' in html
    assert "Kept note" in html and "Kept summary" in html
    assert 'value="yes" checked' in html
    assert not ReferralConsideration.objects.exists()


def test_readers_see_the_saved_answers_without_a_form(case, decider, handler):
    services.referral_considerations_save(
        case=case, regulator="nmc", summary="Still gathering.",
        answers={"insight-shown": {"answer": "yes", "notes": "Wrote a reflective account."}}, by=decider)
    html = client_for(handler).get(url(case)).content.decode()
    assert 'id="main-form"' not in html
    assert "Has the person shown insight" in html and "Wrote a reflective account." in html
    assert "Not answered" in html and "Still gathering." in html


def test_the_case_context_is_summarised(case, handler, decider_client):
    document = case_services.evidence_upload(case=case, upload=pdf_upload(), description="Rota", by=handler)
    case_services.factor_record_save(case=case, factor_id="staffing", present="yes", contribution="major",
                                     account="Two short.", documents=[document], by=handler)
    case_services.factor_record_save(case=case, factor_id="personal-health", present="yes",
                                     contribution="moderate", account="Secret health detail", by=handler)
    html = decider_client.get(url(case)).content.decode()
    assert "2 of 10 contextual factors recorded." in html
    assert "Staffing, skill mix and workload" in html and "Major" in html
    assert "Secret health detail" not in html and "Personal stress and health" not in html
    assert "Information about the person's health or stress has been recorded" in html
    assert "1 evidence document uploaded." in html
    assert f'href="/cases/{case.reference}/factors/"' in html and f'href="/cases/{case.reference}/evidence/"' in html
    # Reading this page is not a view of the health record.
    assert not AuditEvent.objects.filter(action="special-category.view").exists()


def test_a_health_outcome_is_shown(case, handler, decider_client):
    give_outcome(case, TO_C, handler)
    html = decider_client.get(url(case)).content.decode()
    assert "The guide assessment of act 1 reached outcome C" in html


def test_all_question_ids_are_accepted_by_the_service(case, decider_client):
    data = {"regulator": "nmc", "considered_consistency": "on",
            **{f"answer-{q}": "unsure" for q in referral_question_ids()}}
    assert decider_client.post(url(case), data).status_code == 302
    assert set(ReferralConsideration.objects.get().answers) == set(referral_question_ids())


def test_saving_needs_the_consistency_confirmation(case, decider_client):
    response = decider_client.post(url(case), {"regulator": "nmc", "answer-risk-of-harm": "no"})
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "Confirm that you have considered whether this decision is consistent" in html
    assert not ReferralConsideration.objects.exists()
