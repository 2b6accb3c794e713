"""Recording a decision beside the guide's recommendation, and the departures it flags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from markupsafe import escape

from justculture.api.schemas import DecisionIn
from justculture.core.models import AuditEvent
from justculture.decisions import forms, services
from justculture.decisions.models import Decision
from tests.conftest import client_for
from tests.decisions.conftest import TO_C, TO_D, decision_post, give_outcome

JUSTIFY_MESSAGE = "This decision is more severe than the guide recommends"


def shown(text: str) -> str:
    return str(escape(text))


def new_url(case) -> str:
    return f"/cases/{case.reference}/decision/new/"


def page_url(case) -> str:
    return f"/cases/{case.reference}/decision/"


def test_the_form_shows_the_guides_recommendation_with_its_graded_wording(case_d, decider_client):
    html = decider_client.get(new_url(case_d)).content.decode()
    assert "Act 1: outcome D, Foresight test not met" in html
    assert "Action singling out the individual is unlikely to be appropriate." in html
    assert f'href="/cases/{case_d.reference}/acts/1/assessments/1/outcome/"' in html
    assert "formal process, suspension or exclusion, or referral to the regulator" in html
    # Restorative prompts come before the course of action.
    assert html.index("Who has been hurt?") < html.index("What has been decided?")
    assert "Think about patients, their families, the professional concerned and colleagues." in html
    # Defaults: the decider's name and today's date.
    assert 'value="Test User ' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    # Each measure's description is its hint; support offered comes from the rules.
    assert "A formal capability or disciplinary process." in html
    assert "Occupational health referral" in html
    assert html.count('method="post" id="main-form" novalidate') == 1


def test_formal_action_after_outcome_d_without_justification_is_refused(case_d, decider_client):
    events = AuditEvent.objects.count()
    response = decider_client.post(new_url(case_d), decision_post(
        measures=["formal-process"], formal_type="disciplinary", rationale="Kept <rationale>",
    ))
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert JUSTIFY_MESSAGE in html
    assert 'href="#departure_justification"' in html and 'id="departure_justification-error"' in html
    assert "Kept &lt;rationale&gt;" in html  # input kept, escaped
    assert 'value="disciplinary" checked' in html
    assert not Decision.objects.exists()
    assert AuditEvent.objects.count() == events
    case_d.refresh_from_db()
    assert case_d.status == "assessing"


def test_formal_action_after_outcome_d_with_justification_is_a_flagged_departure(case_d, decider, decider_client):
    response = decider_client.post(new_url(case_d), decision_post(
        measures=["formal-process"], formal_type="disciplinary",
        departure_justification="Records were altered afterwards; this is a probity concern.",
    ))
    assert response.status_code == 302 and response["Location"] == page_url(case_d)
    decision = Decision.objects.get()
    assert decision.departs_from_guide is True
    assert decision.measures == ["formal-process"] and decision.formal_type == "disciplinary"
    assert decision.guide_outcomes == ["D"] and decision.guide_indication == "unlikely"
    assert decision.departure_justification.startswith("Records were altered")
    assert decision.recorded_by == decider and decision.decided_by_name == "Jo Smith, ward manager"
    event = AuditEvent.objects.get(action="decision.record")
    assert event.case_id == case_d.pk and event.changes["departs_from_guide"] is True
    assert "outcome D" not in str(event.changes.get("rationale"))
    case_d.refresh_from_db()
    assert case_d.status == "decided"

    html = decider_client.get(page_url(case_d)).content.decode()
    assert "It was flagged as a departure from the just culture guide&#39;s recommendation" in html
    assert "Departs from the guide&#39;s recommendation" in html
    assert "Records were altered afterwards; this is a probity concern." in html
    assert "Disciplinary" in html and "Jo Smith, ward manager" in html


def test_support_after_outcome_d_is_not_a_departure(case_d, decider_client):
    response = decider_client.post(new_url(case_d), decision_post(), follow=True)
    decision = Decision.objects.get()
    assert decision.departs_from_guide is False and decision.departure_justification == ""
    assert decision.support_offered == ["occupational-health", "staff-side"]
    assert decision.who_hurt.startswith("The patient")
    html = response.content.decode()
    assert "Decision recorded. It is consistent with the guide&#39;s recommendation." in html
    assert "Departs from the guide&#39;s recommendation" not in html
    assert "Reflective practice sessions with a practice educator." in html
    assert "Occupational health referral, Staff-side or trade union representative informed" in html


def test_local_action_after_outcome_d_is_not_a_departure(case_d, decider_client):
    decider_client.post(new_url(case_d), decision_post(measures=["local-action"], local_action_types=["training"]))
    decision = Decision.objects.get()
    assert decision.departs_from_guide is False and decision.local_action_types == ["training"]


def test_formal_action_after_outcome_g_is_not_a_departure(case_g, decider_client):
    html = decider_client.get(new_url(case_g)).content.decode()
    assert "Any course of action is consistent with this recommendation." in html
    response = decider_client.post(new_url(case_g), decision_post(measures=["formal-process"], formal_type="capability"))
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.departs_from_guide is False and decision.guide_outcomes == ["G"]


def test_formal_action_with_no_assessment_is_a_departure(case, decider_client):
    html = decider_client.get(new_url(case)).content.decode()
    assert "No act has a completed guide assessment yet" in html
    assert f'href="/cases/{case.reference}/acts/1/"' in html
    response = decider_client.post(new_url(case), decision_post(measures=["formal-process"], formal_type="capability"))
    assert JUSTIFY_MESSAGE in response.content.decode()
    assert not Decision.objects.exists()
    decider_client.post(new_url(case), decision_post(
        measures=["formal-process"], formal_type="capability", departure_justification="A pattern across years."))
    decision = Decision.objects.get()
    assert decision.departs_from_guide is True and decision.guide_outcomes == []
    case.refresh_from_db()
    assert case.status == "open"  # the state machine does not allow open -> decided


def test_the_strongest_recommendation_among_acts_applies(case, handler, decider_client):
    from justculture.cases.services import act_add

    act_add(case=case, description="Did not escalate the missed dose", by=handler)
    give_outcome(case, TO_D, handler, number=1)
    html = decider_client.get(new_url(case)).content.decode()
    assert "Not yet assessed to an outcome" in html and f"/cases/{case.reference}/acts/2/" in html
    give_outcome(case, TO_C, handler, number=2)
    html = decider_client.get(new_url(case)).content.decode()
    assert "Act 2: outcome C" in html and "Act 1: outcome D" in html
    decider_client.post(new_url(case), decision_post(measures=["suspension"], departure_justification="Risk."))
    assert Decision.objects.get().guide_outcomes == ["D", "C"]


def test_invalid_decision_form_keeps_input_and_names_each_problem(case_d, decider_client):
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    response = decider_client.post(new_url(case_d), decision_post(
        measures=["local-action", "formal-process", "support"], support_detail="  ", rationale="",
        decided_by_name="", decided_on=future, who_hurt="Kept <b>hurt</b>", support_offered=["wellbeing"],
    ))
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    for message in ["Select the kind of local action",
                    "Select whether the formal process is capability or disciplinary",
                    "Say what support the person will be given", "Explain why this decision was made",
                    "Enter the name of who made the decision",
                    "The date of the decision must be today or in the past", JUSTIFY_MESSAGE]:
        assert message in html, message
    assert "Kept &lt;b&gt;hurt&lt;/b&gt;" in html and f'value="{future}"' in html
    assert 'value="wellbeing" checked' in html and 'value="local-action" checked' in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    assert not Decision.objects.exists()


def test_details_of_a_course_of_action_not_chosen_are_questioned(case_d, decider_client):
    html = decider_client.post(new_url(case_d), decision_post(
        measures=["no-further-action"], support_detail="A mentor", local_action_types=["training"],
        formal_type="capability")).content.decode()
    assert "Select &#39;Support for the individual&#39;, or clear what support will be given" in html
    assert "Select &#39;Local action&#39;, or clear the kinds of local action" in html
    assert "Select &#39;Formal process&#39;, or clear the kind of formal process" in html
    assert not Decision.objects.exists()


def test_nothing_chosen_and_contradictions_are_refused(case_d, decider_client):
    html = decider_client.post(new_url(case_d), decision_post(measures=None)).content.decode()
    assert "Select at least one course of action" in html and 'href="#measures"' in html
    html = decider_client.post(new_url(case_d), decision_post(
        measures=["no-further-action", "local-action"], local_action_types=["training"])).content.decode()
    assert "&#39;No further action&#39; cannot be combined with action aimed at the person" in html
    html = decider_client.post(new_url(case_d), decision_post(measures=["banana"])).content.decode()
    assert "Select courses of action from the list" in html
    html = decider_client.post(new_url(case_d), decision_post(decided_on="31/02/2026")).content.decode()
    assert "Enter a real date" in html
    assert not Decision.objects.exists()


def test_a_service_refusal_lands_on_the_right_field(case_d, decider_client, monkeypatch):
    # Should the form's own check miss a departure, the service's refusal still reaches the page.
    monkeypatch.setattr(forms.DecisionForm, "departs", property(lambda self: False))
    html = decider_client.post(new_url(case_d), decision_post(
        measures=["referral"], rationale="Referral")).content.decode()
    assert "Write a justification for departing from it." in html
    assert 'id="departure_justification-error"' in html and 'href="#departure_justification"' in html
    assert not Decision.objects.exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"measures": ["referral"]}, "departure_justification"),
    ({"measures": []}, "measures"),
    ({"measures": ["x"]}, "measures"),
    ({"measures": ["no-further-action", "local-action"], "local_action_types": ["training"]}, "measures"),
    ({"measures": ["local-action"]}, "local_action_types"),
    ({"measures": ["local-action"], "local_action_types": ["x"]}, "local_action_types"),
    ({"measures": ["formal-process"], "formal_type": "x", "departure_justification": "j"}, "formal_type"),
    ({"support_offered": ["x"]}, "support_offered"),
    ({"rationale": "  "}, "rationale"),
])
def test_each_service_refusal_names_the_field_the_form_and_the_api_use(case_d, decider, changes, field):
    # The field travels with the error, so the message can be reworded without moving it.
    given = {"measures": ["support"], "rationale": "r", "decided_by_name": "n", "decided_on": timezone.localdate(),
             **changes}
    with pytest.raises(services.DecisionError) as refused:
        services.decision_record(case=case_d, **given, by=decider)
    assert refused.value.field == field
    assert field in forms.DecisionForm.base_fields and field in DecisionIn.model_fields


def test_the_service_refuses_a_departure_without_justification_and_saves_nothing(case_d, decider):
    with pytest.raises(services.DecisionError, match="Write a justification"):
        services.decision_record(case=case_d, measures=["referral"], rationale="r", decided_by_name="n",
                                 decided_on=timezone.localdate(), by=decider)
    assert not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action="decision.record").exists()


def test_html_in_the_rationale_is_escaped(case_d, decider_client):
    script = '<script>alert("x")</script>'
    decider_client.post(new_url(case_d), decision_post(rationale=f"Because {script}", support_detail=script))
    html = decider_client.get(page_url(case_d)).content.decode()
    assert script not in html
    assert shown(f"Because {script}") in html


def test_earlier_decisions_are_kept_as_history(case_d, decider_client):
    decider_client.post(new_url(case_d), decision_post(rationale="First thoughts"))
    decider_client.post(new_url(case_d), decision_post(
        measures=["local-action"], local_action_types=["supervision", "competency"], rationale="Second thoughts"))
    assert Decision.objects.count() == 2
    html = decider_client.get(page_url(case_d)).content.decode()
    assert html.index("Current decision") < html.index("Second thoughts") < html.index("Earlier decisions")
    assert html.index("Earlier decisions") < html.index("First thoughts")
    assert "Increased supervision, Competency assessment" in html
    assert "Record a new decision" in html


def test_the_decision_page_for_a_reader(case_d, decider_client, handler):
    decider_client.post(new_url(case_d), decision_post())
    html = client_for(handler).get(page_url(case_d)).content.decode()
    assert "Current decision" in html and "Reflective practice sessions" in html
    assert "See the referral considerations" in html
    assert "Record a new decision" not in html
