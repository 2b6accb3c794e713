"""Guide assessments of one act: the current version with its answers, answering, the outcome."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from justculture.api.auth import actor
from justculture.api.common import ERRORS, documents_named, factor_records_named
from justculture.api.errors import ApiError
from justculture.api.schemas import AnswerIn, AssessmentOut, EvaluationOut, Id, Reference, RevisitIn
from justculture.assessments import selectors, services
from justculture.assessments.models import Assessment
from justculture.cases.models import Act
from justculture.cases.selectors import act_for, case_for
from justculture.casework import assessments as casework
from justculture.core.models import User
from justculture.guide import Evaluation, GuideDefinition

router = Router(tags=["assessments"])
BASE = "/cases/{reference}/acts/{number}/assessment"


def _act(request: HttpRequest, reference: str, number: int) -> Act:
    return act_for(case_for(actor(request), reference), number)


def _current(act: Act, version: int | None = None) -> Assessment:
    if version is not None:
        return selectors.assessment_for(act, version)
    versions = selectors.assessments_of(act)
    if not versions:
        raise ApiError(f"Act {act.number} has no assessment yet. Start one with POST.", status=404)
    return versions[-1]


def evaluation_out(walk: Evaluation, guide: GuideDefinition) -> dict[str, Any]:
    outcome = walk.outcome
    return {
        "status": walk.status,
        "outcome": None if outcome is None else {
            "code": outcome.code, "title": outcome.title, "recommendation": outcome.recommendation,
            "system_learning": outcome.system_learning, "individual_action": outcome.individual_action,
        },
        "path": list(walk.path), "next_question": walk.next_question,
        "next_question_text": guide.question(walk.next_question).text if walk.next_question else None,
        "unused": list(walk.unused),
    }


def assessment_out(assessment: Assessment, by: User) -> dict[str, Any]:
    """The version with its answers; a reply holding a health question's answer is audited."""
    guide = services.guide_for(assessment.guide_id, assessment.guide_version)
    answers = selectors.answers_of(assessment)
    services.health_answers_viewed(assessment=assessment, question_ids=answers, by=by, via_api=True)
    return {
        "act": assessment.act.number, "version": assessment.version,
        "versions": Assessment.objects.filter(act_id=assessment.act_id).count(),
        "status": assessment.status, "guide_id": assessment.guide_id, "guide_version": assessment.guide_version,
        "outcome_code": assessment.outcome_code, "revisit_reason": assessment.revisit_reason,
        "act_description": assessment.assessed_wording,
        "started_at": assessment.started_at, "completed_at": assessment.completed_at,
        "answers": [
            {
                "question_id": qid,
                "question_text": guide.question(qid).text if qid in guide.questions else "",
                "answer": row.answer, "rationale": row.rationale,
                "documents": [d.token for d in row.documents.all()],
                "factor_ids": [r.factor_id for r in row.factor_records.all()],
                "answered_by": row.answered_by.username, "answered_at": row.answered_at,
            }
            for qid, row in answers.items()
        ],
        "evaluation": evaluation_out(services.evaluation_of(assessment), guide),
    }


@router.get(BASE, response={200: AssessmentOut, **ERRORS}, summary="Get the current assessment of an act")
def assessment_detail(request: HttpRequest, reference: Reference, number: Id,
                      version: Id | None = None) -> dict[str, Any]:
    """The newest version (or the one asked for) with its answers and where the guide walk stands."""
    return assessment_out(_current(_act(request, reference, number), version), actor(request))


@router.post(BASE, response={201: AssessmentOut, **ERRORS}, summary="Start the assessment of an act")
def assessment_start(request: HttpRequest, reference: Reference, number: Id) -> Status[dict[str, Any]]:
    """Start version 1, or return the version already in progress."""
    act = _act(request, reference, number)
    user = actor(request)
    return Status(201, assessment_out(services.assessment_start(act=act, by=user), user))


@router.post(f"{BASE}/answers", response={200: AssessmentOut, **ERRORS}, summary="Answer a guide question")
def assessment_answer(request: HttpRequest, reference: Reference, number: Id, payload: AnswerIn) -> dict[str, Any]:
    """Record (or change) the answer to one question of the current version, with its rationale."""
    act = _act(request, reference, number)
    assessment = _current(act)
    case = assessment.case
    services.assessment_answer(
        assessment=assessment, question_id=payload.question_id, answer=payload.answer,
        rationale=payload.rationale, documents=documents_named(case, payload.documents),
        factor_records=factor_records_named(case, payload.factor_ids), by=actor(request),
    )
    return assessment_out(assessment, actor(request))


@router.post(f"{BASE}/complete", response={200: AssessmentOut, **ERRORS}, summary="Complete the assessment")
def assessment_complete(request: HttpRequest, reference: Reference, number: Id) -> dict[str, Any]:
    """Confirm the answers and freeze the current version with its outcome."""
    assessment = _current(_act(request, reference, number))
    user = actor(request)
    return assessment_out(casework.assessment_complete(assessment=assessment, by=user), user)


@router.post(f"{BASE}/revisit", response={201: AssessmentOut, **ERRORS}, summary="Revisit the assessment")
def assessment_revisit(request: HttpRequest, reference: Reference, number: Id,
                       payload: RevisitIn) -> Status[dict[str, Any]]:
    """Start the next version from the completed current one; earlier versions stay as they were."""
    assessment = _current(_act(request, reference, number))
    new = services.assessment_revisit(assessment=assessment, reason=payload.reason, by=actor(request))
    return Status(201, assessment_out(new, actor(request)))


@router.get(f"{BASE}/outcome", response={200: EvaluationOut, **ERRORS}, summary="Read the outcome")
def assessment_outcome(request: HttpRequest, reference: Reference, number: Id,
                       version: Id | None = None) -> dict[str, Any]:
    """The guide engine's reading of the answers: the outcome if reached, or the question it waits on."""
    assessment = _current(_act(request, reference, number), version)
    guide = services.guide_for(assessment.guide_id, assessment.guide_version)
    walk = services.evaluation_of(assessment)
    # The route says how each question on it was answered, a health question's too.
    services.health_answers_viewed(assessment=assessment, question_ids=walk.path, by=actor(request), via_api=True)
    return evaluation_out(walk, guide)
