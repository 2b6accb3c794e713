"""Actions written by the services: the system-learning action every guide outcome carries, and
the audit rows and refusals of the action services themselves."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from justculture.actions import services
from justculture.actions.models import Action
from justculture.assessments import services as assessment_services
from justculture.casework import assessments as casework_assessments
from justculture.core.models import AuditEvent
from justculture.guide import default_guide
from tests.actions.conftest import answer, complete


def _system_learning(code: str) -> str:
    return default_guide().outcomes[code].system_learning


def test_completing_an_assessment_adds_one_system_learning_action(case, handler):
    assessment = complete(case.acts.get(number=1), handler)
    action = Action.objects.get(case=case)
    assert (action.kind, action.category, action.status) == ("system", "wider-learning", "open")
    assert action.auto_created and action.outcome_code == "D" == assessment.outcome_code
    assert action.description == _system_learning("D")
    assert action.source_assessment == assessment and action.team_id == case.team_id
    assert AuditEvent.objects.filter(action="action.create", case_id=case.pk).count() == 1


def test_each_act_gets_its_own_action(case, handler):
    from justculture.cases import services as case_services

    second = case_services.act_add(case=case, description="Did not escalate", by=handler)
    complete(case.acts.get(number=1), handler)
    complete(second, handler)
    titles = sorted(Action.objects.filter(case=case).values_list("title", flat=True))
    assert titles == ["Wider learning from act 1 (outcome D)", "Wider learning from act 2 (outcome D)"]


def test_revisiting_updates_the_open_action_instead_of_adding_another(case, handler):
    first = complete(case.acts.get(number=1), handler)
    again = assessment_services.assessment_revisit(assessment=first, reason="New statement", by=handler)
    answer(again, [("1a", "yes")], handler)  # the new evidence shows intent: outcome A
    casework_assessments.assessment_complete(assessment=again, by=handler)
    action = Action.objects.get(case=case)
    assert action.outcome_code == "A" and action.source_assessment == again
    assert action.description == _system_learning("A")
    assert action.title == "Wider learning from act 1 (outcome A)"
    assert AuditEvent.objects.filter(action="action.update", case_id=case.pk).count() == 1


def test_an_action_in_progress_is_also_reused(case, handler):
    first = complete(case.acts.get(number=1), handler)
    action = Action.objects.get(case=case)
    services.action_set_status(action=action, status="in-progress", by=handler)
    again = assessment_services.assessment_revisit(assessment=first, reason="Recheck", by=handler)
    casework_assessments.assessment_complete(assessment=again, by=handler)
    assert list(Action.objects.filter(case=case).values_list("pk", "status")) == [(action.pk, "in-progress")]


def test_a_cancelled_action_is_not_reused(case, handler):
    first = complete(case.acts.get(number=1), handler)
    cancelled = Action.objects.get(case=case)
    services.action_set_status(action=cancelled, status="cancelled", note="Duplicate of RCA action", by=handler)
    again = assessment_services.assessment_revisit(assessment=first, reason="New statement", by=handler)
    casework_assessments.assessment_complete(assessment=again, by=handler)
    cancelled.refresh_from_db()
    assert cancelled.status == "cancelled" and cancelled.source_assessment == first
    fresh = Action.objects.exclude(pk=cancelled.pk).get(case=case)
    assert fresh.status == "open" and fresh.source_assessment == again and fresh.auto_created


def test_a_done_action_is_kept_and_a_new_one_added(case, handler):
    first = complete(case.acts.get(number=1), handler)
    done = Action.objects.get(case=case)
    services.action_set_status(action=done, status="done", by=handler)
    again = assessment_services.assessment_revisit(assessment=first, reason="New statement", by=handler)
    casework_assessments.assessment_complete(assessment=again, by=handler)
    assert sorted(Action.objects.filter(case=case).values_list("status", flat=True)) == ["done", "open"]


def test_cancelling_without_a_reason_is_refused_and_changes_nothing(action, handler):
    before = AuditEvent.objects.count()
    with pytest.raises(services.ActionError, match="Say why"):
        services.action_set_status(action=action, status="cancelled", note=" ", by=handler)
    action.refresh_from_db()
    assert action.status == "open" and action.status_note == ""
    assert AuditEvent.objects.count() == before


def test_each_write_leaves_an_audit_row(case, handler, make_action):
    action = make_action(case)
    services.action_update(action=action, title="Review the rota", category="staffing", by=handler)
    services.action_set_status(action=action, status="done", note="Agreed", by=handler)
    rows = list(AuditEvent.objects.filter(case_id=case.pk, action__startswith="action.")
                .order_by("id").values_list("action", "object_id"))
    assert rows == [("action.create", str(action.pk)), ("action.update", str(action.pk)),
                    ("action.status", str(action.pk))]


def test_writes_need_manage_actions_for_the_team(case, handler, investigator, make_action, org, other_team,
                                                  make_user):
    action = make_action(case)
    other_team_handler = make_user(org, ("case-handler", other_team))
    for user in (investigator, other_team_handler):
        with pytest.raises(PermissionDenied):
            services.action_create(case=case, kind="system", category="staffing", title="x", by=user)
        with pytest.raises(PermissionDenied):
            services.action_set_status(action=action, status="done", by=user)
    assert Action.objects.count() == 1
