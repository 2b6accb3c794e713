"""What the API does: writes go through the services (audited, and nothing is left behind when
they are refused), reads show what the web pages show, and mistakes are JSON naming the field."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from justculture.actions.models import Action
from justculture.cases import services as case_services
from justculture.cases.models import Case, Incident, Person
from justculture.casework.status import case_status_change
from justculture.core.errors import CASE_CLOSED_MESSAGE
from justculture.core.models import AuditEvent, Organisation, Team, User
from justculture.decisions.models import Decision
from tests.api.conftest import TO_D, ApiClient, audit_actions, last_audit_id
from tests.conftest import pdf_upload


def test_open_a_case_from_nothing(handler_api: ApiClient, team: Team, handler: User) -> None:
    start = last_audit_id()
    status, incident = handler_api.post("/incidents", {
        "occurred_at": timezone.now().replace(microsecond=0).isoformat(), "team_id": team.pk,
        "description": "Dose of morphine given tenfold", "location": "Bay 3", "external_reference": "W99",
    })
    assert status == 201 and incident["reference"].startswith("INC-")
    assert "patient_name" not in incident and "patient_identifier" not in incident
    status, person = handler_api.post("/people", {
        "name": "Robin Lee", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
        "employment_type": "agency", "registration_number": "12X", "years_in_role": 1.5,
    })
    assert status == 201 and person["years_in_role"] == 1.5
    status, case = handler_api.post("/cases", {
        "incident": incident["reference"], "person_id": person["id"], "concern": "Tenfold dose",
        "acts": ["Drew up 10 mg", "Did not check with a second nurse"],
    })
    assert status == 201, case
    assert case["status"] == "open" and case["person"]["name"] == "Robin Lee"
    assert [a["number"] for a in case["acts"]] == [1, 2]
    assert audit_actions(start) == ["incident.create", "person.create", "case.open", "act.create", "act.create"]
    assert set(AuditEvent.objects.filter(pk__gt=start).values_list("actor", flat=True)) == {handler.username}
    status, listed = handler_api.get("/cases", q="Robin")
    assert [c["reference"] for c in listed["items"]] == [case["reference"]]


def test_case_list_filters_like_the_web_list(handler_api: ApiClient, handler: User,
                                             make_case: Callable[..., Case]) -> None:
    first = make_case(handler, name="Ann Able")
    second = make_case(handler, name="Ben Bold")
    case_status_change(case=second, to="gathering", reason="Moved in a test.", by=handler)
    assert handler_api.get("/cases")[1]["count"] == 2
    assert [c["reference"] for c in handler_api.get("/cases", status="gathering")[1]["items"]] == [second.reference]
    assert [c["reference"] for c in handler_api.get("/cases", q="Able")[1]["items"]] == [first.reference]
    assert handler_api.get("/cases", outcome="none")[1]["count"] == 2
    page = handler_api.get("/cases", limit=1, offset=1)[1]
    assert page["count"] == 2 and len(page["items"]) == 1


def test_factor_records_are_saved_audited_and_special_category_reads_logged(
        handler_api: ApiClient, case: Case, handler: User) -> None:
    document = case_services.evidence_upload(case=case, upload=pdf_upload(), description="Rota", by=handler)
    start = last_audit_id()
    status, record = handler_api.put(f"/cases/{case.reference}/factors/staffing", {
        "present": "yes", "contribution": "major", "account": "Two nurses short", "documents": [document.token]})
    assert status == 200 and record["documents"] == [document.token]
    status, _ = handler_api.put(f"/cases/{case.reference}/factors/personal-health", {
        "present": "yes", "account": "Unwell that week"})
    assert status == 200
    assert audit_actions(start) == ["factor.record", "factor.record"]
    event = AuditEvent.objects.filter(action="factor.record").last()
    assert event is not None and "Unwell" not in str(event.changes)

    start = last_audit_id()
    status, records = handler_api.get(f"/cases/{case.reference}/factors")
    assert [r["factor_id"] for r in records] == ["staffing", "personal-health"]
    assert records[1]["special_category"] is True
    assert audit_actions(start) == ["special-category.view"]


def test_factor_record_mistakes(handler_api: ApiClient, case: Case) -> None:
    url = f"/cases/{case.reference}/factors/staffing"
    status, body = handler_api.put(url, {"present": "perhaps"})
    assert status == 422 and body["field"] == "present" and "present" in body["message"]
    status, body = handler_api.put(url, {"present": "yes", "documents": ["abc123"]})
    assert status == 404 and body["field"] == "documents"
    status, body = handler_api.put(f"/cases/{case.reference}/factors/no-such-factor", {"present": "yes"})
    assert status == 404
    status, body = handler_api.put(url, {"present": "yes", "account": "bad\x00text"})
    assert status == 422 and body["field"] == "account"
    status, body = handler_api.put(url, {"present": "yes", "account": "x" * 20001})
    assert status == 422 and body["field"] == "account"
    assert not case.factor_records.exists()


def test_walk_the_guide_to_an_outcome(handler_api: ApiClient, case: Case) -> None:
    base = f"/cases/{case.reference}/acts/1/assessment"
    assert handler_api.get(base)[0] == 404
    status, assessment = handler_api.post(base)
    assert status == 201 and assessment["version"] == 1
    assert assessment["evaluation"]["next_question"] == "1a"
    assert assessment["evaluation"]["next_question_text"]
    start = last_audit_id()
    for question, answer in TO_D:
        status, assessment = handler_api.post(base + "/answers", {
            "question_id": question, "answer": answer, "rationale": f"Because of {question}"})
        assert status == 200, assessment
    assert assessment["evaluation"]["outcome"]["code"] == "D"
    assert [a["question_id"] for a in assessment["answers"]] == [q for q, _ in TO_D]
    status, outcome = handler_api.get(base + "/outcome")
    assert status == 200 and outcome["outcome"]["code"] == "D" and outcome["next_question"] is None
    status, done = handler_api.post(base + "/complete")
    assert status == 200 and done["status"] == "complete" and done["outcome_code"] == "D"
    actions = audit_actions(start)
    # Each reply from 2a on shows a health answer, and so records a special-category read.
    assert [a for a in actions if a != "special-category.view"][: len(TO_D)] == ["assessment.answer"] * len(TO_D)
    assert "special-category.view" in actions
    assert "assessment.complete" in actions and "action.create" in actions  # the system-learning action
    assert handler_api.get(f"/cases/{case.reference}")[1]["latest_outcome"] == "D"
    # A completed version is frozen; revisiting starts version 2 from its answers.
    status, body = handler_api.post(base + "/answers", {"question_id": "1a", "answer": "yes", "rationale": "x"})
    assert status == 400 and "Revisit" in body["message"]
    status, second = handler_api.post(base + "/revisit", {"reason": "A new statement"})
    assert status == 201 and second["version"] == 2 and second["versions"] == 2
    assert handler_api.get(base, version=1)[1]["status"] == "complete"


def test_answer_mistakes(handler_api: ApiClient, case: Case) -> None:
    base = f"/cases/{case.reference}/acts/1/assessment"
    handler_api.post(base)
    status, body = handler_api.post(base + "/answers", {"question_id": "1a", "answer": "no", "rationale": ""})
    assert status == 422 and body["field"] == "rationale"
    status, body = handler_api.post(base + "/answers", {"question_id": "3c", "answer": "no", "rationale": "x"})
    assert status == 400 and "not on this assessment's route" in body["message"] and body["field"] == "question_id"
    status, body = handler_api.post(base + "/answers", {"question_id": "9z", "answer": "no", "rationale": "x"})
    assert status == 400 and "not a question" in body["message"] and body["field"] == "question_id"
    status, body = handler_api.post(base + "/complete")
    assert status == 400 and "still needs an answer" in body["message"] and body["field"] is None
    assert handler_api.get(f"/cases/{case.reference}/acts/7/assessment")[0] == 404


def test_decision_recorded_and_departure_needs_justification(
        org: Organisation, case: Case, make_user: Callable[..., User],
        api_for: Callable[[User | None], ApiClient]) -> None:
    decider = api_for(make_user(org, "decision-maker"))
    url = f"/cases/{case.reference}/decision"
    base = {"rationale": "Fits the facts", "decided_by_name": "Jo Smith", "decided_on": "2026-01-05"}
    start = last_audit_id()
    status, body = decider.post(url, {**base, "measures": ["formal-process"], "formal_type": "disciplinary"})
    assert status == 400 and body["field"] == "departure_justification"
    assert not Decision.objects.exists() and last_audit_id() == start
    status, body = decider.post(url, {**base, "measures": ["nonsense"]})
    assert status == 400 and body["field"] == "measures"
    status, body = decider.post(url, {**base, "measures": []})
    assert status == 422 and body["field"] == "measures"
    status, decision = decider.post(url, {**base, "measures": ["support"], "support_detail": "A mentor"})
    assert status == 201 and decision["departs_from_guide"] is False
    assert audit_actions(start) == ["decision.record"]
    status, read = decider.get(url)
    assert read["current"]["id"] == decision["id"] and read["recommendation"]["incomplete_acts"] == [1]


def test_actions_created_changed_and_cancelled(handler_api: ApiClient, case: Case, handler: User) -> None:
    url = f"/cases/{case.reference}/actions"
    start = last_audit_id()
    status, action = handler_api.post(url, {"kind": "support", "category": "training", "title": "Refresher",
                                            "owner": handler.username, "due_date": "2026-02-01"})
    assert status == 201 and action["owner"] == handler.username
    status, changed = handler_api.put(f"{url}/{action['id']}", {"category": "supervision", "title": "Supervision"})
    assert status == 200 and changed["title"] == "Supervision" and changed["owner"] is None
    status, body = handler_api.put(f"{url}/{action['id']}/status", {"status": "cancelled"})
    assert status == 400 and "why" in body["message"] and body["field"] == "note"
    status, done = handler_api.put(f"{url}/{action['id']}/status", {"status": "done"})
    assert status == 200 and done["status"] == "done" and done["completed_at"]
    assert audit_actions(start) == ["action.create", "action.update", "action.status"]
    assert [a["id"] for a in handler_api.get(url)[1]] == [action["id"]]
    status, body = handler_api.post(url, {"kind": "support", "category": "staffing", "title": "Wrong category"})
    assert status == 400 and body["field"] == "category"
    status, body = handler_api.post(url, {"kind": "support", "category": "training", "title": "x", "owner": "ghost"})
    assert status == 404 and body["field"] == "owner"
    assert Action.objects.count() == 1


def test_validation_errors_are_json_naming_the_field(handler_api: ApiClient, team: Team) -> None:
    status, body = handler_api.get("/cases", team="seven")
    assert status == 422 and body["field"] == "team"
    status, body = handler_api.get("/cases", date_from="2026-02-30")
    assert status == 422 and body["field"] == "date_from"
    status, body = handler_api.get("/cases", limit=0)
    assert status == 422 and body["field"] == "limit"
    status, body = handler_api.post("/incidents", {"occurred_at": "2999-01-01T00:00:00Z", "team_id": team.pk,
                                                   "description": "Future"})
    assert status == 422 and body["field"] == "occurred_at" and "past" in body["message"]
    status, body = handler_api.post("/incidents", {"team_id": team.pk, "description": "When?"})
    assert status == 422 and body["field"] == "occurred_at"
    status, body = handler_api.post("/people", {"name": "A", "role_title": "B", "staff_group": "pilots",
                                                "employment_type": "bank"})
    assert status == 422 and body["field"] == "staff_group"
    person = {"name": "A", "role_title": "B", "staff_group": "other", "employment_type": "bank"}
    status, body = handler_api.post("/people", {**person, "registration_body": "nmc-but-longer"})
    assert status == 422 and body["field"] == "registration_body"
    status, body = handler_api.post("/people", person)
    assert status == 422 and body["field"] == "registration_number"
    assert handler_api.post("/people", {**person, "registration_body": "none"})[0] == 201
    response = handler_api.client.post("/api/people", "{not json", content_type="application/json",
                                       **handler_api.headers)
    assert 400 <= response.status_code < 500 and set(response.json()) == {"message", "field"}
    assert not Incident.objects.exists()
    assert Person.objects.count() == 1


def test_insights_hide_small_counts_from_aggregate_only_readers(
        org: Organisation, case: Case, handler: User, make_user: Callable[..., User],
        api_for: Callable[[User | None], ApiClient], analyst_api: ApiClient) -> None:
    case_services.factor_record_save(case=case, factor_id="staffing", present="yes", contribution="major",
                                     account="", by=handler)
    lead = api_for(make_user(org, "patient-safety-lead"))
    status, exact = lead.get("/insights")
    assert status == 200 and exact["exact"] is True
    cards = {c["key"]: c for c in exact["cards"]}
    assert any(c["count"] == 1 for c in cards.values())
    status, hidden = analyst_api.get("/insights")
    assert status == 200 and hidden["exact"] is False
    counts = [c for t in hidden["tables"] for line in t["lines"] for c in line["cells"]]
    assert counts and all(c["count"] is None or c["count"] >= hidden["threshold"] or c["count"] == 0
                          for c in counts)
    assert any(c["hidden"] == "small" for c in counts)
    status, body = analyst_api.get("/insights", date_from="2026-05-01", date_to="2026-01-01")
    assert status == 422 and body["field"] == "date_to"


def test_fairness_figures_are_audited(analyst_api: ApiClient, analyst: User) -> None:
    start = last_audit_id()
    status, figures = analyst_api.get("/fairness", period="2025")
    assert status == 200 and figures["period"] == "2025"
    event = AuditEvent.objects.get(pk__gt=start)
    assert event.action == "fairness.view" and event.actor == analyst.username and event.changes["via"] == "api"
    status, body = analyst_api.get("/fairness", event="nonsense")
    assert status == 422 and body["field"] == "event"
    status, body = analyst_api.get("/fairness", period="20x5")
    assert status == 422 and body["field"] == "period"


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_openapi_document_is_public_json(path: str, anonymous_api: ApiClient) -> None:
    status, document = anonymous_api.get(path)
    assert status == 200 and document["openapi"].startswith("3.")
    assert "/api/cases/{reference}/acts/{number}/assessment/answers" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_api_root_is_json(anonymous_api: ApiClient) -> None:
    response = anonymous_api.client.get("/api/")
    assert response.status_code == 404 and "openapi.json" in response.json()["message"]


def test_docs_page_needs_no_sign_in_and_no_cdn(anonymous_api: ApiClient) -> None:
    response = anonymous_api.client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()


def test_a_refusal_names_its_field_and_a_change_to_a_closed_case_is_a_409(
        handler_api: ApiClient, case: Case) -> None:
    url = f"/cases/{case.reference}/actions"
    status, body = handler_api.post(url, {"kind": "system", "category": "training", "title": "Wrong category"})
    assert (status, body["field"]) == (400, "category")
    Case.objects.filter(pk=case.pk).update(status="closed")
    status, body = handler_api.post(url, {"kind": "system", "category": "staffing", "title": "Rota review"})
    assert status == 409 and body == {"message": CASE_CLOSED_MESSAGE, "field": None}
    assert not Action.objects.exists()
