"""Writes for guide assessments. Audited and atomic, like every service.

An assessment walks the guide for one act. Answers can change while it is in progress; once
completed it is frozen. Revisiting creates the next version, starting from the previous answers,
so earlier versions stay readable exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from justculture.assessments.models import Answer, Assessment, PeerView
from justculture.cases import lifecycle
from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord
from justculture.cases.services import special_category_viewed
from justculture.cases.states import CaseState
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, require
from justculture.factors.selectors import factor_references
from justculture.guide import Evaluation, GuideDefinition, available_guides, evaluate

# The guide's test whose questions ask about the person's health (2a, 2b and 2c in the NHS guide).
HEALTH_TEST = "health"


class AssessmentError(ServiceError):
    """A request the assessment's rules do not allow; the message says why."""


@cache
def _guides(dirs: tuple[str, ...]) -> dict[tuple[str, str], GuideDefinition]:
    return available_guides(dirs)


def guide_for(guide_id: str, guide_version: str) -> GuideDefinition:
    dirs = tuple(str(d) for d in settings.JUSTCULTURE["GUIDE_DIRS"])
    guide = _guides(dirs).get((guide_id, guide_version))
    if guide is None:
        raise AssessmentError(f"The guide {guide_id} version {guide_version} is not installed.")
    return guide


def evaluation_of(assessment: Assessment, answers: Mapping[str, Answer] | None = None) -> Evaluation:
    """Walk the guide with the version's answers; pass ``answers`` (by question id, as
    ``selectors.answers_of`` gives them) when they are already loaded, to save reading them again."""
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    if answers is None:
        given = {a.question_id: a.answer for a in assessment.answers.all()}
    else:
        given = {question_id: a.answer for question_id, a in answers.items()}
    return evaluate(guide, given)


def health_answers_viewed(*, assessment: Assessment, question_ids: Iterable[str], by: User,
                          via_api: bool = False) -> list[str]:
    """Record a read of the answers to the health test's questions (2a to 2c of the NHS guide) when
    a page or API reply shows any of ``question_ids`` answered: like a personal-health factor
    record, they are special-category data, and their answers lead to outcomes B and C.

    Returns the health questions shown (none: nothing is recorded). The event names the questions
    and the assessment, never the answers.
    """
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    given = set(question_ids)
    shown = [qid for qid, question in guide.questions.items() if qid in given and question.test == HEALTH_TEST]
    if shown:
        case = assessment.case
        special_category_viewed(
            case=case, object_type="assessment", object_id=str(assessment.pk), by=by,
            what=f"the answers to the health questions {', '.join(shown)} of act {assessment.act.number} "
                 f"(version {assessment.version}) on case {case.reference}" + (" (API)" if via_api else ""),
        )
    return shown


def _lock_open(assessment: Assessment) -> None:
    """Lock the version's row for the rest of the transaction; refuse if it is complete by now.

    The status checked before the transaction may be stale: without the lock, an answer or peer
    view saved at the same moment as the completion could change a version after it was frozen.
    """
    lifecycle.ensure_open(assessment.case_id)
    locked = Assessment.objects.select_for_update().only("status").get(pk=assessment.pk)
    if locked.is_complete:
        raise AssessmentError("This version is complete and cannot be changed. Revisit it instead.")


def _move_case_to_assessing(case: Case, by: User, reason: str) -> None:
    lifecycle.move_on(case=case, to=CaseState.ASSESSING, by=by, reason=reason)


def assessment_start(*, act: Act, by: User) -> Assessment:
    """Start the first assessment of an act (or return the one already in progress)."""
    case = act.case
    require(by, Permission.ASSESS, case.team_id)
    with transaction.atomic():
        lifecycle.ensure_open(case)
        Act.objects.select_for_update().filter(pk=act.pk).first()
        current = act.assessments.order_by("-version").first()
        if current is not None and not current.is_complete:
            return current
        if current is not None:
            raise AssessmentError(
                f"Act {act.number} already has a completed assessment. Revisit it to start a new version."
            )
        assessment = Assessment.objects.create(
            organisation_id=case.organisation_id, case=case, act=act, version=1,
            guide_id=case.organisation.guide_id, guide_version=case.organisation.guide_version,
            started_by=by,
        )
        guide_for(assessment.guide_id, assessment.guide_version)
        audit.record(by=by, action=AuditAction.ASSESSMENT_START, obj=assessment, case_id=case.pk,
                     summary=f"Assessment of act {act.number} started (version 1)",
                     changes={"guide": f"{assessment.guide_id} {assessment.guide_version}"})
        _move_case_to_assessing(case, by, "An assessment was started.")
    return assessment


def assessment_answer(
    *,
    assessment: Assessment,
    question_id: str,
    answer: str,
    rationale: str,
    documents: Iterable[EvidenceDocument] = (),
    factor_records: Iterable[FactorRecord] = (),
    by: User,
) -> Evaluation:
    """Record (or change) the answer to one question and return the new state of the walk."""
    require(by, Permission.ASSESS, assessment.case.team_id)
    if assessment.is_complete:
        raise AssessmentError("This version is complete and cannot be changed. Revisit it instead.")
    guide = guide_for(assessment.guide_id, assessment.guide_version)
    if question_id not in guide.questions:
        raise AssessmentError(f"'{question_id}' is not a question of this guide.", field="question_id")
    if answer not in {Answer.YES, Answer.NO, Answer.UNKNOWN}:
        raise AssessmentError("Answer yes, no or not yet known.", field="answer")
    if not rationale.strip():
        raise AssessmentError("Give the reason for your answer.", field="rationale")
    walk = evaluation_of(assessment)
    if question_id not in walk.path and question_id != walk.next_question:
        raise AssessmentError(
            f"Question {question_id} is not on this assessment's route through the guide yet.",
            field="question_id",
        )
    docs = list(documents)
    records = list(factor_records)
    if any(d.case_id != assessment.case_id for d in docs):
        raise AssessmentError("Evidence can only be linked from the same case.", field="documents")
    if any(r.case_id != assessment.case_id for r in records):
        raise AssessmentError("Contextual factors can only be linked from the same case.", field="factor_ids")
    with transaction.atomic():
        _lock_open(assessment)
        row = Answer.objects.select_for_update().filter(
            assessment=assessment, question_id=question_id
        ).first()
        before = row.answer if row else None
        if row is None:
            row = Answer(assessment=assessment, question_id=question_id)
        row.answer = answer
        row.rationale = rationale
        row.answered_by = by
        row.save()
        row.documents.set(docs)
        row.factor_records.set(records)
        # An answer to a question of the health test is health information: the log says only
        # that it was given or changed. Answers to the other questions are recorded.
        if guide.questions[question_id].test == HEALTH_TEST:
            answered: dict[str, object] = {"answer": audit.REDACTED,
                                           "answer_changed": before is not None and before != answer}
        else:
            answered = {"answer": [before, answer]}
        audit.record(
            by=by, action=AuditAction.ASSESSMENT_ANSWER, obj=row, organisation_id=assessment.organisation_id,
            case_id=assessment.case_id,
            summary=f"Question {question_id} answered for act {assessment.act.number} "
                    f"(version {assessment.version})",
            changes={**answered, "rationale": audit.FREE_TEXT,
                     "documents": [d.pk for d in docs],
                     "factors": factor_references(assessment.organisation_id, [r.factor_id for r in records])},
        )
    return evaluation_of(assessment)


def assessment_complete(*, assessment: Assessment, by: User) -> Assessment:
    """Confirm the answers and freeze the version with its outcome."""
    require(by, Permission.ASSESS, assessment.case.team_id)
    if assessment.is_complete:
        raise AssessmentError("This version is already complete.")
    walk = evaluation_of(assessment)
    if walk.outcome is None:
        raise AssessmentError(
            f"The assessment is not finished: question {walk.next_question} still needs an answer."
        )
    with transaction.atomic():
        _lock_open(assessment)
        # Walk again under the lock, in case an answer changed since the check above.
        walk = evaluation_of(assessment)
        if walk.outcome is None:
            raise AssessmentError(
                f"The assessment is not finished: question {walk.next_question} still needs an "
                "answer."
            )
        assessment.status = Assessment.COMPLETE
        assessment.outcome_code = walk.outcome.code
        assessment.path = list(walk.path)
        assessment.completed_by = by
        assessment.completed_at = timezone.now()
        assessment.act_description = assessment.act.description
        assessment.save()
        case = assessment.case
        case.latest_outcome = walk.outcome.code
        case.save(update_fields=["latest_outcome", "updated_at"])
        audit.record(
            by=by, action=AuditAction.ASSESSMENT_COMPLETE, obj=assessment, case_id=case.pk,
            # Neither the outcome nor the route to it: outcomes B and C (and the route to them)
            # say the person's health played a part. The assessment itself holds both.
            summary=f"Assessment of act {assessment.act.number} (version {assessment.version}) completed",
            changes={"outcome": audit.REDACTED, "path": audit.REDACTED},
        )
    return assessment


def assessment_revisit(*, assessment: Assessment, reason: str, by: User) -> Assessment:
    """Start the next version from this completed one, keeping the earlier version unchanged."""
    require(by, Permission.ASSESS, assessment.case.team_id)
    if not reason.strip():
        raise AssessmentError("Say why the assessment is being revisited.", field="reason")
    if not assessment.is_complete:
        raise AssessmentError("Only a completed assessment can be revisited.")
    with transaction.atomic():
        lifecycle.ensure_open(assessment.case_id)
        Act.objects.select_for_update().filter(pk=assessment.act_id).first()
        newest = assessment.act.assessments.aggregate(v=Max("version"))["v"]
        if newest != assessment.version:
            raise AssessmentError(
                f"A newer version (version {newest}) exists. Revisit the newest version."
            )
        new = Assessment.objects.create(
            organisation_id=assessment.organisation_id, case_id=assessment.case_id,
            act_id=assessment.act_id, version=assessment.version + 1,
            guide_id=assessment.guide_id, guide_version=assessment.guide_version,
            revisit_reason=reason, started_by=by,
        )
        for old in assessment.answers.prefetch_related("documents", "factor_records"):
            copy = Answer.objects.create(
                assessment=new, question_id=old.question_id, answer=old.answer,
                rationale=old.rationale, answered_by=old.answered_by,
            )
            copy.documents.set(old.documents.all())
            copy.factor_records.set(old.factor_records.all())
        for view in assessment.peer_views.all():
            PeerView.objects.create(
                assessment=new, peer_name=view.peer_name, peer_role=view.peer_role,
                experience=view.experience, view=view.view, account=view.account,
                recorded_by=view.recorded_by,
            )
        audit.record(
            by=by, action=AuditAction.ASSESSMENT_REVISIT, obj=new, case_id=assessment.case_id,
            summary=f"Assessment of act {assessment.act.number} reopened as version {new.version}",
            changes={"from_version": assessment.version, "reason": audit.FREE_TEXT},
        )
        _move_case_to_assessing(assessment.case, by, "An assessment was revisited.")
    return new


def peer_view_add(
    *, assessment: Assessment, peer_name: str, peer_role: str, experience: str, view: str,
    account: str, by: User,
) -> PeerView:
    """Record a peer's view for the substitution test."""
    require(by, Permission.ASSESS, assessment.case.team_id)
    if assessment.is_complete:
        raise AssessmentError("This version is complete and cannot be changed. Revisit it instead.")
    with transaction.atomic():
        _lock_open(assessment)
        peer = PeerView.objects.create(
            assessment=assessment, peer_name=peer_name, peer_role=peer_role, experience=experience,
            view=view, account=account, recorded_by=by,
        )
        audit.record(by=by, action=AuditAction.ASSESSMENT_PEER_VIEW, obj=peer,
                     organisation_id=assessment.organisation_id, case_id=assessment.case_id,
                     summary=f"Peer view recorded for act {assessment.act.number} "
                             f"(version {assessment.version})",
                     changes=audit.snapshot(peer, ["view", "peer_name", "peer_role", "experience", "account"]))
    return peer


def peer_view_remove(*, peer: PeerView, by: User) -> None:
    assessment = peer.assessment
    require(by, Permission.ASSESS, assessment.case.team_id)
    if assessment.is_complete:
        raise AssessmentError("This version is complete and cannot be changed. Revisit it instead.")
    with transaction.atomic():
        _lock_open(assessment)
        audit.record(by=by, action=AuditAction.ASSESSMENT_PEER_VIEW_REMOVE, obj=peer,
                     organisation_id=assessment.organisation_id, case_id=assessment.case_id,
                     summary=f"Peer view removed for act {assessment.act.number}")
        peer.delete()
