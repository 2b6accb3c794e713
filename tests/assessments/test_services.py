"""The assessment services write audit rows in their transaction, and roll back on failure."""

from __future__ import annotations

from typing import Any

import pytest

from justculture.assessments import services
from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.models import AuditEvent, User
from tests.assessments.conftest import D_PATH, answer_all, completed


def _actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(case_id=case.pk, action__startswith="assessment.")
        .order_by("id").values_list("action", flat=True)
    )


def test_each_service_writes_an_audit_row(case: Case, handler: User) -> None:
    act = case.acts.get(number=1)
    assessment = services.assessment_start(act=act, by=handler)
    answer_all(assessment, D_PATH, handler)
    peer = services.peer_view_add(
        assessment=assessment, peer_name="Alex", peer_role="Nurse", experience="Two years",
        view="same", account="Same.", by=handler,
    )
    services.peer_view_remove(peer=peer, by=handler)
    services.assessment_complete(assessment=assessment, by=handler)
    services.assessment_revisit(assessment=assessment, reason="New statement", by=handler)
    assert _actions(case) == [
        "assessment.start", *["assessment.answer"] * len(D_PATH), "assessment.peer-view",
        "assessment.peer-view-remove", "assessment.complete", "assessment.revisit",
    ]
    answer_event = AuditEvent.objects.filter(action="assessment.answer").first()
    assert answer_event is not None
    assert answer_event.changes["rationale"] == audit.FREE_TEXT
    complete = AuditEvent.objects.get(action="assessment.complete")
    assert complete.changes == {"outcome": audit.REDACTED, "path": audit.REDACTED}
    assert "outcome D" not in complete.summary
    assert audit.verify_chain().ok


def test_answering_a_completed_version_changes_nothing(case: Case, handler: User) -> None:
    done = completed(case.acts.get(number=1), handler)
    before = sorted(done.answers.values_list("question_id", "answer", "rationale"))
    events = AuditEvent.objects.count()
    with pytest.raises(services.AssessmentError):
        services.assessment_answer(assessment=done, question_id="1a", answer="yes",
                                   rationale="Changed", by=handler)
    assert sorted(done.answers.values_list("question_id", "answer", "rationale")) == before
    assert AuditEvent.objects.count() == events


def _failing_audit(monkeypatch: Any, action: str) -> None:
    real = audit.record

    def record(**kwargs: Any) -> Any:
        if kwargs["action"] == action:
            raise RuntimeError("audit store unavailable")
        return real(**kwargs)

    monkeypatch.setattr(audit, "record", record)


def test_a_failed_answer_rolls_back(case: Case, handler: User, monkeypatch: Any) -> None:
    assessment = services.assessment_start(act=case.acts.get(number=1), by=handler)
    answer_all(assessment, [("1a", "no")], handler)
    _failing_audit(monkeypatch, "assessment.answer")
    with pytest.raises(RuntimeError):
        services.assessment_answer(assessment=assessment, question_id="1a", answer="yes",
                                   rationale="Changed", by=handler)
    with pytest.raises(RuntimeError):
        services.assessment_answer(assessment=assessment, question_id="2a", answer="no",
                                   rationale="New", by=handler)
    assert list(assessment.answers.values_list("question_id", "answer")) == [("1a", "no")]


def test_a_failed_completion_rolls_back(case: Case, handler: User, monkeypatch: Any) -> None:
    assessment = services.assessment_start(act=case.acts.get(number=1), by=handler)
    answer_all(assessment, D_PATH, handler)
    _failing_audit(monkeypatch, "assessment.complete")
    with pytest.raises(RuntimeError):
        services.assessment_complete(assessment=assessment, by=handler)
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert not fresh.is_complete
    assert fresh.outcome_code == ""
    case.refresh_from_db()
    assert case.latest_outcome == ""


def test_a_failed_revisit_leaves_no_new_version(
    case: Case, handler: User, monkeypatch: Any
) -> None:
    done = completed(case.acts.get(number=1), handler)
    _failing_audit(monkeypatch, "assessment.revisit")
    with pytest.raises(RuntimeError):
        services.assessment_revisit(assessment=done, reason="New", by=handler)
    assert list(Assessment.objects.filter(act=done.act).values_list("version", flat=True)) == [1]
    assert Answer.objects.filter(assessment__act=done.act).count() == len(D_PATH)


def test_a_failed_peer_view_rolls_back(case: Case, handler: User, monkeypatch: Any) -> None:
    assessment = services.assessment_start(act=case.acts.get(number=1), by=handler)
    _failing_audit(monkeypatch, "assessment.peer-view")
    with pytest.raises(RuntimeError):
        services.peer_view_add(assessment=assessment, peer_name="Alex", peer_role="Nurse",
                               experience="Two years", view="same", account="Same.", by=handler)
    assert not PeerView.objects.exists()


def test_a_stale_copy_cannot_change_a_version_completed_meanwhile(
    case: Case, handler: User
) -> None:
    # Two requests load the same in-progress version; the first one completes it.
    assessment = services.assessment_start(act=case.acts.get(number=1), by=handler)
    answer_all(assessment, D_PATH, handler)
    stale = Assessment.objects.get(pk=assessment.pk)
    services.assessment_complete(assessment=assessment, by=handler)
    before = sorted(assessment.answers.values_list("question_id", "answer", "rationale"))

    with pytest.raises(services.AssessmentError):
        services.assessment_answer(assessment=stale, question_id="1a", answer="yes",
                                   rationale="Too late", by=handler)
    with pytest.raises(services.AssessmentError):
        services.assessment_complete(assessment=stale, by=handler)
    with pytest.raises(services.AssessmentError):
        services.peer_view_add(assessment=stale, peer_name="Alex", peer_role="Nurse",
                               experience="Two years", view="same", account="Same.", by=handler)
    assert sorted(assessment.answers.values_list("question_id", "answer", "rationale")) == before
    assert _actions(case).count("assessment.complete") == 1
    assert not PeerView.objects.exists()
