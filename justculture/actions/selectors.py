"""Reads of actions, always scoped to what the user may see.

"Overdue" is worked out by the database: an action is overdue when its due date is before today
and it is still open or in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from justculture.actions.models import Action
from justculture.cases.models import Case
from justculture.cases.selectors import visible_cases
from justculture.cases.visibility import CaseVisibility
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, require
from justculture.factors.selectors import factors_for

OPEN_STATUSES = ("open", "in-progress")
# A factor recorded as present, or not known yet, can prompt an action.
PROMPTING_PRESENCE = ("yes", "unknown")


def overdue_q(today: date | None = None) -> Q:
    return Q(due_date__lt=today or timezone.localdate(), status__in=OPEN_STATUSES)


def with_overdue(actions: QuerySet[Action], today: date | None = None) -> QuerySet[Action]:
    """Annotate each action with `is_overdue`, computed in the query."""
    return actions.annotate(
        is_overdue=models.Case(
            models.When(overdue_q(today), then=models.Value(True)),
            default=models.Value(False), output_field=BooleanField(),
        )
    )


def _rows(actions: QuerySet[Action]) -> QuerySet[Action]:
    return with_overdue(actions).select_related("owner", "source_assessment__act", "case", "team")


def case_actions(case: Case) -> QuerySet[Action]:
    """The case's actions, earliest due first, undated last."""
    return _rows(Action.objects.filter(case=case)).order_by(
        "kind", F("due_date").asc(nulls_last=True), "id"
    )


def action_for(case: Case, pk: int, *, user: User | None = None, permission: Permission | None = None) -> Action:
    """One action of an already scoped case; any other action is a 404. Given a ``permission``,
    a 403 unless the ``user`` holds it for the action's team (the team the services check)."""
    action = _rows(Action.objects.filter(case=case, organisation_id=case.organisation_id, pk=pk)).first()
    if action is None:
        raise Http404("No such action")
    if permission is not None:
        if user is None:
            raise ValueError("action_for: a permission needs the user to check it for")
        require(user, permission, action.team_id)
    return action


def my_actions(user: User) -> QuerySet[Action]:
    """Open actions the user owns on cases they can see, overdue first, then by due date."""
    if not user.is_authenticated or user.organisation_id is None:
        return Action.objects.none()
    return (
        _rows(Action.objects.filter(
            owner=user, organisation_id=user.organisation_id, status__in=OPEN_STATUSES,
            case__in=visible_cases(user).values("pk"),
        ))
        .order_by(F("is_overdue").desc(), F("due_date").asc(nulls_last=True), "id")
    )


def factor_titles(organisation: Organisation) -> dict[str, str]:
    return {f.id: f.title for f in factors_for(organisation)}


def prompting_factor_choices(case: Case, keep: list[str] | tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Factors recorded for the case as present or not known, in taxonomy order.

    Factors in `keep` (those an action already links to) stay offered even if the record has
    changed since, so editing an action never drops a link silently.
    """
    recorded = set(
        case.factor_records.filter(present__in=PROMPTING_PRESENCE).values_list("factor_id", flat=True)
    )
    wanted = recorded | set(keep)
    return [(f.id, f.title) for f in factors_for(case.organisation) if f.id in wanted]


def owner_choices(organisation_id: int, keep: int | None = None) -> QuerySet[User]:
    """Active users of the organisation, plus the current owner (`keep`) if they have left."""
    wanted = Q(is_active=True) | Q(pk=keep) if keep is not None else Q(is_active=True)
    return User.objects.filter(wanted, organisation_id=organisation_id).order_by(
        "first_name", "last_name", "username"
    )


# The tracker ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackerScope:
    """What one user may see in the tracker."""

    whole_organisation: bool  # every action of the organisation is listed
    actions: QuerySet[Action]
    # The cases the user may open, when not all listed ones: rows link to a case only if in here.
    openable_cases: QuerySet[Case] | None = None


def tracker_scope(user: User) -> TrackerScope | None:
    """None when the user may not use the tracker because they can see no case.

    Actions name cases and people's work, so the tracker follows case visibility exactly: a role
    that sees only aggregates (such as the equality analyst) does not get it.
    """
    if not user.is_authenticated or user.organisation_id is None:
        return None
    rule = CaseVisibility.of(user)
    in_org = Action.objects.filter(organisation_id=user.organisation_id)
    if rule.whole:
        return TrackerScope(True, in_org)
    if not rule.sees_any():
        return None
    return TrackerScope(False, in_org.filter(case__in=rule.cases().values("pk")))


@dataclass(frozen=True)
class TrackerFilters:
    status: str = ""
    kind: str = ""
    team: int | None = None
    overdue: bool = False
    owner: str = ""  # a user id, "none" for no owner, or "" for anyone
    sort: str = ""  # "due" (earliest first, the default) or "-due"


def tracker_teams(organisation_id: int, scope: TrackerScope) -> QuerySet[Team]:
    teams = Team.objects.filter(organisation_id=organisation_id)
    if scope.whole_organisation:
        return teams
    return teams.filter(pk__in=scope.actions.values("team_id"))


def tracker_actions(scope: TrackerScope, filters: TrackerFilters) -> QuerySet[Action]:
    actions = scope.actions
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.kind:
        actions = actions.filter(kind=filters.kind)
    if filters.team:
        actions = actions.filter(team_id=filters.team)
    if filters.overdue:
        actions = actions.filter(overdue_q())
    if filters.owner == "none":
        actions = actions.filter(owner__isnull=True)
    elif filters.owner:
        actions = actions.filter(owner_id=int(filters.owner))
    due = F("due_date").desc(nulls_last=True) if filters.sort == "-due" else F("due_date").asc(nulls_last=True)
    return _with_can_open(_rows(actions), scope).order_by(due, "id")


def _with_can_open(actions: QuerySet[Action], scope: TrackerScope) -> QuerySet[Action]:
    """Annotate `can_open`: whether the user may open the action's case (worked out in the query)."""
    if scope.openable_cases is None:
        return actions.annotate(can_open=models.Value(True, output_field=BooleanField()))
    if not scope.openable_cases.query.is_empty():
        return actions.annotate(can_open=Exists(scope.openable_cases.filter(pk=OuterRef("case_id"))))
    return actions.annotate(can_open=models.Value(False, output_field=BooleanField()))


def tracker_counts(actions: QuerySet[Action]) -> dict[str, int]:
    """Open, overdue, done and all counts in one aggregate query."""
    counts = actions.order_by().aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=overdue_q()),
        done=Count("pk", filter=Q(status="done")),
    )
    return {key: int(value or 0) for key, value in counts.items()}
