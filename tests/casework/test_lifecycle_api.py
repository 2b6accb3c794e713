"""The case lifecycle through the API: moves, the closed case that refuses every change, and
reopening. Real database, real tokens, real services."""

from __future__ import annotations

import pytest

from justculture.actions.models import Action
from justculture.assessments.models import Assessment
from justculture.cases.models import Case, CaseStatusChange, FactorRecord
from justculture.core.errors import CASE_CLOSED_MESSAGE
from justculture.core.models import AuditEvent, User
from tests.api.conftest import TO_D, ApiClient

pytestmark = pytest.mark.django_db


def _walk_to_d(api: ApiClient, reference: str, number: int = 1) -> dict:
    base = f"/cases/{reference}/acts/{number}/assessment"
    assert api.post(base)[0] == 201
    for question, answer in TO_D:
        assert api.post(base + "/answers", {"question_id": question, "answer": answer, "rationale": "Why"})[0] == 200
    status, done = api.post(base + "/complete")
    assert status == 200, done
    return done


def _counts(case: Case) -> tuple[int, ...]:
    return (FactorRecord.objects.filter(case=case).count(), Assessment.objects.filter(case=case).count(),
            Action.objects.filter(case=case).count(), case.acts.count(),
            AuditEvent.objects.filter(case_id=case.pk).exclude(action__startswith="special-category").count())


def test_a_closed_case_refuses_changes_with_409_and_changes_nothing_until_reopened(
        handler_api: ApiClient, case: Case) -> None:
    ref = case.reference
    status, body = handler_api.put(f"/cases/{ref}/status", {"status": "closed", "reason": "Handled locally."})
    assert status == 200 and body["status"] == "closed" and body["closed_at"] is not None
    assert body["status_history"][-1]["to_status"] == "closed"
    assert body["status_history"][-1]["reason"] == "Handled locally."
    act_before = case.acts.get(number=1).description
    before = _counts(case)

    status, body = handler_api.put(f"/cases/{ref}/factors/staffing", {"present": "yes", "account": "Short"})
    assert (status, body) == (409, {"message": CASE_CLOSED_MESSAGE, "field": None})
    status, body = handler_api.put(f"/cases/{ref}/acts/1", {"description": "Reworded while closed"})
    assert (status, body["message"]) == (409, CASE_CLOSED_MESSAGE)
    status, body = handler_api.post(f"/cases/{ref}/acts/1/assessment")
    assert (status, body["message"]) == (409, CASE_CLOSED_MESSAGE)
    status, body = handler_api.post(f"/cases/{ref}/actions", {"kind": "system", "category": "staffing",
                                                              "title": "Rota review"})
    assert status == 409
    assert _counts(case) == before
    assert case.acts.get(number=1).description == act_before

    # Reopening needs a reason; with one, the same changes work.
    status, body = handler_api.put(f"/cases/{ref}/status", {"status": "gathering"})
    assert status == 409 and body["field"] == "reason"
    status, body = handler_api.put(f"/cases/{ref}/status", {"status": "gathering", "reason": "New statement."})
    assert status == 200 and body["status"] == "gathering" and body["closed_at"] is None
    assert handler_api.put(f"/cases/{ref}/factors/staffing", {"present": "yes", "account": "Short"})[0] == 200
    assert handler_api.put(f"/cases/{ref}/acts/1", {"description": "Reworded after reopening"})[0] == 200
    assert handler_api.post(f"/cases/{ref}/acts/1/assessment")[0] == 201


def test_a_move_the_states_do_not_allow_is_a_409_naming_the_status(handler_api: ApiClient, case: Case) -> None:
    status, body = handler_api.put(f"/cases/{case.reference}/status", {"status": "decided"})
    assert status == 409 and body["field"] == "status" and "cannot move to decided" in body["message"]
    status, body = handler_api.put(f"/cases/{case.reference}/status", {"status": "banana"})
    assert status == 422 and body["field"] == "status"
    case.refresh_from_db()
    assert case.status == "open" and not CaseStatusChange.objects.filter(case=case).exists()


def test_closing_with_work_outstanding_needs_a_reason_and_keeps_what_was_outstanding(
        handler_api: ApiClient, case: Case) -> None:
    ref = case.reference
    handler_api.put(f"/cases/{ref}/status", {"status": "gathering", "reason": ""})
    status, body = handler_api.put(f"/cases/{ref}/status", {"status": "closed"})
    assert status == 409 and body["field"] == "reason"
    assert "1 act has no completed assessment" in body["message"]
    case.refresh_from_db()
    assert case.status == "gathering"
    status, body = handler_api.put(f"/cases/{ref}/status", {"status": "closed", "reason": "Person left the trust."})
    assert status == 200
    change = CaseStatusChange.objects.filter(case=case).last()
    assert change is not None and change.outstanding == {"unassessed_acts": 1}
    assert change.reason == "Person left the trust."


def test_a_completed_assessment_keeps_the_wording_it_assessed(handler_api: ApiClient, case: Case) -> None:
    ref = case.reference
    original = case.acts.get(number=1).description
    done = _walk_to_d(handler_api, ref)
    assert done["act_description"] == original
    status, body = handler_api.put(f"/cases/{ref}/acts/1", {"description": "Gave the dose two hours late"})
    assert status == 200 and body == {"number": 1, "description": "Gave the dose two hours late",
                                      "reworded_since_assessment": True}
    status, version = handler_api.get(f"/cases/{ref}/acts/1/assessment", version=1)
    assert status == 200 and version["act_description"] == original
    # A revisit assesses the new wording; once completed it keeps that.
    status, second = handler_api.post(f"/cases/{ref}/acts/1/assessment/revisit", {"reason": "Reworded"})
    assert status == 201 and second["act_description"] == "Gave the dose two hours late"
    assert handler_api.post(f"/cases/{ref}/acts/1/assessment/complete")[0] == 200
    assert handler_api.put(f"/cases/{ref}/acts/1", {"description": "Third wording"})[0] == 200
    assert handler_api.get(f"/cases/{ref}/acts/1/assessment", version=1)[1]["act_description"] == original
    assert handler_api.get(f"/cases/{ref}/acts/1/assessment", version=2)[1]["act_description"] == (
        "Gave the dose two hours late")


def test_a_reader_without_the_edit_permission_cannot_move_or_reword(
        api_for, case: Case, make_user, org) -> None:
    viewer: User = make_user(org, "equality-analyst")
    api = api_for(viewer)
    assert api.put(f"/cases/{case.reference}/status", {"status": "gathering"})[0] in {403, 404}
    assert api.put(f"/cases/{case.reference}/acts/1", {"description": "x"})[0] in {403, 404}
    case.refresh_from_db()
    assert case.status == "open"
