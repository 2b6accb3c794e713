"""The one case lifecycle: the only writer of the status, its stored history and closing date,
a closed case that nothing can change, and the work that spans apps (casework)."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from justculture.actions import services as action_services
from justculture.actions.models import Action
from justculture.assessments import services as assessment_services
from justculture.cases import services as case_services
from justculture.cases.models import Case, CaseStatusChange
from justculture.cases.states import STATES_FILE, CaseState, case_states, load_states
from justculture.casework import assessments as casework_assessments
from justculture.casework import decisions as casework_decisions
from justculture.casework.status import case_status_change, outstanding
from justculture.casework.timeline import case_timeline
from justculture.core.errors import CaseClosedError, ServiceError
from justculture.core.models import AuditEvent
from justculture.decisions import services as decision_services
from justculture.retention.selectors import case_closed_dates
from tests.assessments.conftest import D_PATH, answer_all
from tests.conftest import client_for, pdf_upload

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2] / "justculture"


def test_case_status_is_assigned_in_one_module_only() -> None:
    """Nothing but cases/lifecycle.py writes Case.status: no `case.status = ...`, no
    `status=` given to a Case create or update elsewhere."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts or path.name == "lifecycle.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if (isinstance(target, ast.Attribute) and target.attr == "status"
                            and isinstance(target.value, ast.Name) and "case" in target.value.id.lower()):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
                    "create", "update", "get_or_create", "update_or_create", "bulk_update"}:
                chain = ast.unparse(node.func.value)
                if re.search(r"\bCase\b", chain) and any(k.arg == "status" for k in node.keywords):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_state_names_in_code_are_exactly_those_of_the_states_file(tmp_path: Path) -> None:
    assert set(case_states().states) == {s.value for s in CaseState}
    assert case_states().initial == Case._meta.get_field("status").default
    broken = tmp_path / "states.yaml"
    broken.write_text(STATES_FILE.read_text().replace("  decided:\n", "  agreed:\n").replace("decided", "agreed"))
    with pytest.raises(ValueError, match="differ from those the code names"):
        load_states(broken)


def test_every_move_is_stored_with_its_reason_and_closing_date(case: Case, handler: Any) -> None:
    case_status_change(case=case, to=CaseState.GATHERING, reason="Statements asked for.", by=handler)
    case_status_change(case=case, to=CaseState.CLOSED, reason="Handled by the ward.", by=handler)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    closed_at = case.closed_at
    moves = list(CaseStatusChange.objects.filter(case=case).values_list("from_status", "to_status", "reason"))
    assert moves == [("open", "gathering", "Statements asked for."), ("gathering", "closed", "Handled by the ward.")]
    assert case_closed_dates(case.organisation) == {case.pk: timezone.localdate(closed_at)}
    # Retention reads the stored date, not the audit log: the log can be emptied of moves.
    Case.objects.filter(pk=case.pk).update(closed_at=closed_at - timedelta(days=400))
    assert case_closed_dates(case.organisation)[case.pk] == timezone.localdate(closed_at - timedelta(days=400))
    case_status_change(case=case, to=CaseState.GATHERING, reason="New evidence.", by=handler)
    case.refresh_from_db()
    assert case.closed_at is None and case_closed_dates(case.organisation) == {}
    # The audit keeps the move but never the typed reason.
    for event in AuditEvent.objects.filter(action="case.status"):
        assert "New evidence" not in str(event.changes) and "New evidence" not in event.summary


def _closed(case: Case, by: Any) -> Case:
    if not case_states().can_move(case.status, CaseState.CLOSED):
        case_status_change(case=case, to=CaseState.GATHERING, reason="", by=by)
    case_status_change(case=case, to=CaseState.CLOSED, reason="Closed for the test.", by=by)
    case.refresh_from_db()
    return case


def test_nothing_in_a_closed_case_can_be_changed_by_any_service(case: Case, handler: Any, settings: Any,
                                                                 tmp_path: Path, make_user: Any, org: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    decider = make_user(org, "decision-maker", "case-handler")
    act = case.acts.get(number=1)
    assessment = assessment_services.assessment_start(act=act, by=handler)
    action = action_services.action_create(case=case, kind="system", category="staffing", title="Rota", by=handler)
    _closed(case, handler)
    events = AuditEvent.objects.count()
    attempts = [
        lambda: case_services.case_update_concern(case=case, concern="New words", by=handler),
        lambda: case_services.act_add(case=case, description="Another act", by=handler),
        lambda: case_services.act_update(act=act, description="Reworded", by=handler),
        lambda: case_services.factor_record_save(case=case, factor_id="staffing", present="yes",
                                                 contribution="major", account="Short", by=handler),
        lambda: case_services.evidence_upload(case=case, upload=pdf_upload(), description="Rota", by=handler),
        lambda: assessment_services.assessment_answer(assessment=assessment, question_id="1a", answer="no",
                                                      rationale="r", by=handler),
        lambda: assessment_services.peer_view_add(assessment=assessment, peer_name="Kim", peer_role="Nurse",
                                                  experience="5 years", view="same", account="a", by=handler),
        lambda: action_services.action_set_status(action=action, status="done", by=handler),
        lambda: action_services.action_create(case=case, kind="system", category="staffing", title="x", by=handler),
        lambda: decision_services.advice_record(case=case, advised_on=date.today(), adviser="NMC ELS",
                                                advice="Refer", by=decider),
    ]
    for attempt in attempts:
        with pytest.raises(CaseClosedError, match=r"This case is closed\. Reopen it to make changes\."):
            attempt()
    assert AuditEvent.objects.count() == events
    case.refresh_from_db()
    assert case.concern == "Missed dose of IV antibiotics." and case.acts.count() == 1
    assert not case.factor_records.exists() and not case.documents.exists()
    assert not assessment.answers.exists() and Action.objects.get(pk=action.pk).status == "open"
    assert list(tmp_path.rglob("*-*")) == []  # no evidence file left behind


def test_a_change_that_waited_for_a_close_sees_the_case_closed(case: Case, handler: Any) -> None:
    stale = Case.objects.get(pk=case.pk)  # loaded while open
    _closed(case, handler)
    assert stale.status == "open"
    with pytest.raises(CaseClosedError):
        case_services.case_update_concern(case=stale, concern="Too late", by=handler)
    assert Case.objects.get(pk=case.pk).concern == "Missed dose of IV antibiotics."


def test_closing_lists_what_is_outstanding_in_every_app(case: Case, handler: Any) -> None:
    case_services.act_add(case=case, description="Second act", by=handler)
    action_services.action_create(case=case, kind="system", category="staffing", title="Rota", by=handler)
    left = outstanding(case)
    assert (left.open_actions, left.unassessed_acts) == (1, 2)
    with pytest.raises(ServiceError) as refused:
        case_status_change(case=case, to=CaseState.CLOSED, by=handler)
    assert refused.value.field == "reason" and "1 action is still open" in refused.value.message
    assert Case.objects.get(pk=case.pk).status == "open"


def test_completing_an_assessment_creates_its_action_in_one_transaction(case: Case, handler: Any) -> None:
    assessment = assessment_services.assessment_start(act=case.acts.get(), by=handler)
    answer_all(assessment, D_PATH, handler)
    casework_assessments.assessment_complete(assessment=assessment, by=handler)
    case.refresh_from_db()
    assert case.status == "assessing"
    action = Action.objects.get(case=case, auto_created=True)
    assert action.outcome_code == "D" and action.source_assessment_id == assessment.pk
    assert assessment.act_description == case.acts.get().description


def test_recording_a_decision_moves_the_case_to_decided(case: Case, handler: Any, make_user: Any, org: Any) -> None:
    decider = make_user(org, "decision-maker")
    assessment = assessment_services.assessment_start(act=case.acts.get(), by=handler)
    answer_all(assessment, D_PATH, handler)
    casework_assessments.assessment_complete(assessment=assessment, by=handler)
    casework_decisions.decision_record(case=case, measures=["support"], rationale="Support", by=decider,
                                       decided_by_name="Jo", decided_on=date.today(), support_detail="Buddy",
                                       support_offered=["occupational-health"])
    case.refresh_from_db()
    assert case.status == "decided"
    assert list(CaseStatusChange.objects.filter(case=case).values_list("to_status", flat=True)) == [
        "assessing", "decided"]


def test_the_timeline_reads_the_cases_records(case: Case, handler: Any) -> None:
    case_status_change(case=case, to=CaseState.GATHERING, reason="Statements asked for.", by=handler)
    entries = case_timeline(case)
    titles = [e.title for e in entries]
    assert titles[0] == "Status changed from Open to Gathering information"
    assert entries[0].detail == "Statements asked for." and entries[0].by == "Test User 1"
    assert f"Case {case.reference} opened" in titles and "Act 1 added for assessment" in titles


def test_a_closed_case_on_the_web(case: Case, handler: Any) -> None:
    client = client_for(handler)
    _closed(case, handler)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "This case is closed, so nothing in it can be changed." in page
    assert f"/cases/{case.reference}/concern/" not in page
    typed = "The nurse was covering two bays because of sickness on the late shift."
    response = client.post(f"/cases/{case.reference}/concern/", {"concern": typed})
    assert response.status_code == 200
    body = response.content.decode()
    assert "nhsuk-error-summary" in body and "This case is closed. Reopen it to make changes." in body
    assert typed in body  # kept in the form
    assert Case.objects.get(pk=case.pk).concern == "Missed dose of IV antibiotics."
    # A button with no form to show it in: a page that says so, never a server error.
    response = client.post(f"/cases/{case.reference}/acts/1/assessments/start/")
    assert response.status_code in {302, 409}
    assert not case.assessments.exists()
    # Reopening on the web needs a reason, shown next to the field with the choice kept.
    response = client.post(f"/cases/{case.reference}/status/", {"status": "gathering", "reason": ""})
    assert response.status_code == 200 and "Give a reason for reopening the case." in response.content.decode()
    response = client.post(f"/cases/{case.reference}/status/", {"status": "gathering", "reason": "New facts."})
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).status == "gathering"
