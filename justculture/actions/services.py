"""Writes for actions. Keyword-only, permission-checked, atomic and audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone

from justculture.actions.kinds import action_kinds
from justculture.actions.models import Action
from justculture.assessments.models import Assessment
from justculture.cases.lifecycle import ensure_open
from justculture.cases.models import Case
from justculture.core import audit
from justculture.core.audit_actions import AuditAction
from justculture.core.errors import ServiceError
from justculture.core.models import User
from justculture.core.permissions import Permission, require
from justculture.core.validators import refuse_direction_controls
from justculture.factors.selectors import factor_for, factor_references

FIELDS = ["kind", "category", "title", "owner", "due_date", "status", "factor_ids"]


def _audited(action: Action) -> dict[str, object]:
    """The fields the audit log records: the title only as "not recorded", factors by reference."""
    return {**audit.snapshot(action, FIELDS),
            "factor_ids": factor_references(action.organisation_id, action.factor_ids)}


class ActionError(ServiceError):
    """An action request the rules do not allow; the message says what to do."""


def _check(case: Case, kind: str, category: str, owner: User | None, factor_ids: Sequence[str]) -> None:
    kinds = action_kinds()
    if kind not in kinds.kinds:
        raise ActionError("Select whether the action supports the individual or is system learning.", field="kind")
    if category not in kinds.categories[kind]:
        raise ActionError("Select a category that fits the kind of action.", field="category")
    if owner is not None and owner.organisation_id != case.organisation_id:
        raise ActionError("The owner must work in this organisation.", field="owner")
    for factor_id in factor_ids:
        if factor_for(case.organisation, factor_id) is None:
            raise ActionError(f"'{factor_id}' is not a contextual factor of this organisation.", field="factor_ids",
                              status=404)


def action_create(
    *,
    case: Case,
    kind: str,
    category: str,
    title: str,
    description: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    factor_ids: Sequence[str] = (),
    by: User,
) -> Action:
    require(by, Permission.MANAGE_ACTIONS, case.team_id)
    if not title.strip():
        raise ActionError("Give the action a title.", field="title")
    refuse_direction_controls(title, field="title", label="Title")
    _check(case, kind, category, owner, factor_ids)
    with transaction.atomic():
        ensure_open(case)
        action = Action.objects.create(
            organisation_id=case.organisation_id, case=case, team_id=case.team_id, kind=kind, category=category,
            title=title, description=description, owner=owner, due_date=due_date, factor_ids=list(factor_ids),
            created_by=by,
        )
        audit.record(by=by, action=AuditAction.ACTION_CREATE, obj=action, case_id=case.pk,
                     summary=f"Action {action.pk} added to case {case.reference}", changes=_audited(action))
    return action


def action_update(
    *,
    action: Action,
    title: str,
    category: str,
    description: str = "",
    owner: User | None = None,
    due_date: date | None = None,
    factor_ids: Sequence[str] = (),
    by: User,
) -> Action:
    require(by, Permission.MANAGE_ACTIONS, action.team_id)
    if not title.strip():
        raise ActionError("Give the action a title.", field="title")
    refuse_direction_controls(title, field="title", label="Title")
    _check(action.case, action.kind, category, owner, factor_ids)
    with transaction.atomic():
        ensure_open(action.case_id)
        before = _audited(action)
        action.title, action.category, action.description = title, category, description
        action.owner, action.due_date, action.factor_ids = owner, due_date, list(factor_ids)
        action.save()
        audit.record(by=by, action=AuditAction.ACTION_UPDATE, obj=action, case_id=action.case_id,
                     summary=f"Action {action.pk} changed",
                     changes=audit.diff(before, _audited(action)))
    return action


def action_set_status(*, action: Action, status: str, note: str = "", by: User) -> Action:
    """Move an action on. Cancelling needs a reason: actions are never silently dropped."""
    require(by, Permission.MANAGE_ACTIONS, action.team_id)
    kinds = action_kinds()
    if status not in kinds.statuses:
        raise ActionError("Select a status.", field="status")
    if status == "cancelled" and not note.strip():
        raise ActionError("Say why the action is being cancelled.", field="note")
    with transaction.atomic():
        ensure_open(action.case_id)
        before = action.status
        action.status = status
        action.status_note = note
        action.completed_at = timezone.now() if status == "done" else None
        action.save()
        audit.record(by=by, action=AuditAction.ACTION_STATUS, obj=action, case_id=action.case_id,
                     summary=f"Action {action.pk} is now {kinds.status_title(status).lower()}",
                     changes={"status": [before, status], "note": audit.FREE_TEXT if note else None})
    return action


def system_learning_action(*, assessment: Assessment, system_learning: str, outcome_code: str, by: User) -> Action:
    """The system-learning action every guide outcome carries, created when an assessment completes.

    If the act already has an open automatic action (an earlier version), that action is updated to
    point at the new outcome instead of adding a duplicate; a finished or cancelled one is left alone
    and a new one is added.
    """
    case = assessment.case
    act = assessment.act
    with transaction.atomic():
        ensure_open(case)
        existing = (
            Action.objects.select_for_update()
            .filter(case=case, auto_created=True, source_assessment__act=act, status__in=["open", "in-progress"])
            .first()
        )
        title = f"Wider learning from act {act.number} (outcome {outcome_code})"
        if existing is not None:
            before = audit.snapshot(existing, ["title", "outcome_code"])
            existing.title, existing.description = title, system_learning
            existing.source_assessment, existing.outcome_code = assessment, outcome_code
            existing.save()
            audit.record(by=by, action=AuditAction.ACTION_UPDATE, obj=existing, case_id=case.pk,
                         summary=f"System-learning action now follows version {assessment.version} of act {act.number}",
                         changes={"assessment": assessment.pk,
                                  **audit.diff(before, audit.snapshot(existing, ["title", "outcome_code"]))})
            return existing
        action = Action.objects.create(
            organisation_id=case.organisation_id, case=case, team_id=case.team_id, kind="system",
            category="wider-learning", title=title, description=system_learning, source_assessment=assessment,
            outcome_code=outcome_code, auto_created=True, created_by=by,
        )
        # The outcome is not named: outcomes B and C reveal health information.
        audit.record(by=by, action=AuditAction.ACTION_CREATE, obj=action, case_id=case.pk,
                     summary=f"System-learning action created from version {assessment.version} of act {act.number}",
                     changes={"assessment": assessment.pk, **_audited(action)})
    return action
