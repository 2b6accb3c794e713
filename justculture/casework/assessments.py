"""Completing an assessment, with the system-learning action its outcome carries."""

from __future__ import annotations

from django.db import transaction

from justculture.actions.services import system_learning_action
from justculture.assessments import services as assessments
from justculture.assessments.models import Assessment
from justculture.core.models import User


def assessment_complete(*, assessment: Assessment, by: User) -> Assessment:
    """Freeze the version with its outcome and, in the same transaction, create (or move on)
    the system-learning action that every outcome of the guide carries."""
    with transaction.atomic():
        assessments.assessment_complete(assessment=assessment, by=by)
        guide = assessments.guide_for(assessment.guide_id, assessment.guide_version)
        outcome = guide.outcomes[assessment.outcome_code]
        system_learning_action(
            assessment=assessment, system_learning=outcome.system_learning, outcome_code=outcome.code, by=by,
        )
    return assessment
