"""Action pages: a case's actions, adding and changing one, "my actions" and the tracker.

Thin: scope with the selectors, parse the form, call one service, render. Reads follow the case
scoping (another organisation's case or action is a 404); writes need MANAGE_ACTIONS for the
case's (or action's) team, checked in the lookup before any form work (on GET and POST alike for
the page that only adds, on POST for an action's page, which anyone who sees the case may read)
and again by the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from justculture.actions import selectors, services
from justculture.actions.forms import ActionEditForm, ActionForm, StatusForm, TrackerFilterForm, kind_of_category
from justculture.actions.kinds import action_kinds
from justculture.actions.models import Action
from justculture.cases.selectors import case_for
from justculture.core.errors import ServiceError
from justculture.core.http import current_user
from justculture.core.permissions import Permission, has_permission

ROW_LIMIT = 500



def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


@require_GET
def case_action_list(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    actions = list(selectors.case_actions(case))
    kinds = action_kinds()
    groups = [(code, title, [a for a in actions if a.kind == code]) for code, title in kinds.kinds.items()]
    return render(request, "actions/case_list.jinja", {
        "case": case, "groups": groups, "kinds": kinds, "total": len(actions),
        "factor_titles": selectors.factor_titles(case.organisation),
        "can_manage": has_permission(user, Permission.MANAGE_ACTIONS, case.team_id),
    })


def _prefill(factor_id: str | None, factors: list[tuple[str, str]]) -> dict[str, Any]:
    """Initial values when the page is opened from a factor: link it and suggest a category."""
    if not factor_id or factor_id not in dict(factors):
        return {}
    initial: dict[str, Any] = {"factor_ids": [factor_id]}
    category = action_kinds().factor_categories.get(factor_id)
    kind = kind_of_category(category) if category else None
    if category and kind:
        initial.update(category=category, kind=kind)
    return initial


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, reference: str) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference, permission=Permission.MANAGE_ACTIONS)
    factors = selectors.prompting_factor_choices(case)
    form = ActionForm(
        _posted(request), initial=_prefill(request.GET.get("factor"), factors),
        owners=selectors.owner_choices(case.organisation_id), factors=factors,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_create(
                case=case, kind=data["kind"], category=data["category"], title=data["title"],
                description=data["description"], owner=data["owner"], due_date=data["due_date"],
                factor_ids=data["factor_ids"], by=user,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Action added: {action.title}")
            return redirect("case_actions:list", case.reference)
    return render(request, "actions/new.jinja", {"form": form, "case": case, "kinds": action_kinds()})


@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    user = current_user(request)
    case = case_for(user, reference)
    action = selectors.action_for(
        case, pk, user=user, permission=Permission.MANAGE_ACTIONS if request.method == "POST" else None,
    )
    which = "status" if request.POST.get("form") == "status" else "details"
    details_form = ActionEditForm(
        _posted(request) if which == "details" else None,
        initial={
            "category": action.category, "title": action.title, "description": action.description,
            "owner": action.owner_id, "due_date": action.due_date, "factor_ids": list(action.factor_ids),
        },
        kind=action.kind, owners=selectors.owner_choices(case.organisation_id, keep=action.owner_id),
        factors=selectors.prompting_factor_choices(case, keep=list(action.factor_ids)),
    )
    status_form = StatusForm(_posted(request) if which == "status" else None, initial={"status": action.status})
    if request.method == "POST":
        if which == "status" and status_form.is_valid():
            try:
                services.action_set_status(
                    action=action, status=status_form.cleaned_data["status"],
                    note=status_form.cleaned_data["note"], by=user,
                )
            except ServiceError as exc:
                status_form.add_service_error(exc)
            else:
                messages.success(request, f"Status changed to {action_kinds().status_title(action.status).lower()}.")
                return redirect("case_actions:detail", case.reference, action.pk)
        elif which == "details" and details_form.is_valid():
            data = details_form.cleaned_data
            try:
                services.action_update(
                    action=action, title=data["title"], category=data["category"],
                    description=data["description"], owner=data["owner"], due_date=data["due_date"],
                    factor_ids=data["factor_ids"], by=user,
                )
            except ServiceError as exc:
                details_form.add_service_error(exc)
            else:
                messages.success(request, "The action was saved.")
                return redirect("case_actions:detail", case.reference, action.pk)
        # Keep what was shown before the failed attempt (the instance may have been changed).
        action = selectors.action_for(case, pk)
    return render(request, "actions/detail.jinja", {
        "case": case, "action": action, "kinds": action_kinds(),
        "details_form": details_form, "status_form": status_form,
        "form": status_form if which == "status" else details_form,
        "factor_titles": selectors.factor_titles(case.organisation),
        "can_manage": has_permission(user, Permission.MANAGE_ACTIONS, case.team_id),
    })


@require_GET
def my_actions(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rows = list(selectors.my_actions(user)[:ROW_LIMIT])
    return render(request, "actions/mine.jinja", {
        "rows": rows, "kinds": action_kinds(), "limited": len(rows) == ROW_LIMIT,
    })


def _sort_query(request: HttpRequest, current: str) -> str:
    query = request.GET.copy()
    query["sort"] = "due" if current == "-due" else "-due"
    return query.urlencode()


@require_GET
def tracker(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    scope = selectors.tracker_scope(user)
    if scope is None:
        raise PermissionDenied("You cannot see any cases, so there are no actions to track.")
    assert user.organisation_id is not None
    form = TrackerFilterForm(
        request.GET or None, teams=selectors.tracker_teams(user.organisation_id, scope),
        owners=selectors.owner_choices(user.organisation_id),
    )
    filters = selectors.TrackerFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.TrackerFilters(
            status=data["status"], kind=data["kind"], team=int(data["team"]) if data["team"] else None,
            overdue=data["overdue"], owner=data["owner"], sort=data["sort"],
        )
    actions = selectors.tracker_actions(scope, filters)
    rows: list[Action] = list(actions[:ROW_LIMIT])
    sort = "-due" if filters.sort == "-due" else "due"
    return render(request, "actions/tracker.jinja", {
        "form": form, "rows": rows, "counts": selectors.tracker_counts(actions), "kinds": action_kinds(),
        "filtered": selectors.TrackerFilters(sort=filters.sort) != filters, "whole": scope.whole_organisation,
        "sort": sort, "sort_query": _sort_query(request, sort), "limited": len(rows) == ROW_LIMIT,
    })
