"""Actions on a case: support for the person and system learning for the organisation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from justculture.actions import selectors, services
from justculture.actions.models import Action
from justculture.api.auth import actor
from justculture.api.common import ERRORS, IdempotencyKey, created_once
from justculture.api.errors import ApiError
from justculture.api.schemas import ActionIn, ActionOut, ActionStatusIn, ActionUpdateIn, Id, Reference
from justculture.cases.models import Case
from justculture.cases.selectors import case_for
from justculture.core.models import User, normalise_username
from justculture.core.permissions import Permission, require

router = Router(tags=["actions"])


def action_out(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk, "kind": action.kind, "category": action.category, "title": action.title,
        "description": action.description, "owner": action.owner.username if action.owner else None,
        "due_date": action.due_date, "status": action.status, "status_note": action.status_note,
        "factor_ids": list(action.factor_ids), "outcome_code": action.outcome_code,
        "auto_created": action.auto_created, "is_overdue": bool(getattr(action, "is_overdue", False)),
        "created_at": action.created_at, "completed_at": action.completed_at,
    }


def _owner(case: Case, username: str | None) -> User | None:
    if username is None:
        return None
    owner = selectors.owner_choices(case.organisation_id).filter(username=normalise_username(username)).first()
    if owner is None:
        raise ApiError(f"No active user '{username}' in your organisation.", field="owner", status=404)
    return owner


@router.get("/cases/{reference}/actions", response={200: list[ActionOut], **ERRORS}, summary="List a case's actions")
def action_list(request: HttpRequest, reference: Reference) -> list[dict[str, Any]]:
    case = case_for(actor(request), reference)
    return [action_out(a) for a in selectors.case_actions(case)]


@router.post("/cases/{reference}/actions", response={201: ActionOut, **ERRORS}, summary="Add an action")
def action_create(request: HttpRequest, reference: Reference, payload: ActionIn,
                  idempotency_key: IdempotencyKey = None) -> Status[dict[str, Any]]:
    user = actor(request)
    case = case_for(user, reference)
    require(user, Permission.MANAGE_ACTIONS, case.team_id)

    def create() -> dict[str, Any]:
        action = services.action_create(
            case=case, kind=payload.kind, category=payload.category, title=payload.title,
            description=payload.description, owner=_owner(case, payload.owner), due_date=payload.due_date,
            factor_ids=payload.factor_ids, by=user,
        )
        return action_out(selectors.action_for(case, action.pk))

    return created_once(request, idempotency_key, payload, create)


@router.put("/cases/{reference}/actions/{action_id}", response={200: ActionOut, **ERRORS}, summary="Change an action")
def action_update(request: HttpRequest, reference: Reference, action_id: Id, payload: ActionUpdateIn) -> dict[str, Any]:
    user = actor(request)
    case = case_for(user, reference)
    action = selectors.action_for(case, action_id)
    require(user, Permission.MANAGE_ACTIONS, action.team_id)
    services.action_update(
        action=action, title=payload.title, category=payload.category, description=payload.description,
        owner=_owner(case, payload.owner), due_date=payload.due_date, factor_ids=payload.factor_ids, by=user,
    )
    return action_out(selectors.action_for(case, action.pk))


@router.put("/cases/{reference}/actions/{action_id}/status", response={200: ActionOut, **ERRORS},
            summary="Change an action's status")
def action_status(request: HttpRequest, reference: Reference, action_id: Id, payload: ActionStatusIn) -> dict[str, Any]:
    """Cancelling needs a note saying why."""
    user = actor(request)
    case = case_for(user, reference)
    action = selectors.action_for(case, action_id)
    services.action_set_status(action=action, status=payload.status, note=payload.note, by=user)
    return action_out(selectors.action_for(case, action.pk))
