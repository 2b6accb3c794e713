"""Every permission in one enum; roles are data (roles.yaml). All permission checks come here."""

from __future__ import annotations

import enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from justculture.core.models import User


class Permission(enum.StrEnum):
    VIEW_CASE = "view_case"
    OPEN_CASE = "open_case"
    EDIT_CASE = "edit_case"
    RECORD_FACTORS = "record_factors"
    VIEW_EVIDENCE = "view_evidence"
    UPLOAD_EVIDENCE = "upload_evidence"
    ASSESS = "assess"
    DECIDE = "decide"
    MANAGE_ACTIONS = "manage_actions"
    VIEW_INSIGHTS = "view_insights"
    VIEW_FAIRNESS = "view_fairness"
    VIEW_EQUALITY_DATA = "view_equality_data"
    EDIT_EQUALITY_DATA = "edit_equality_data"
    VIEW_AUDIT = "view_audit"
    ADMINISTER = "administer"
    # Change the organisation's retention periods (retention app).
    MANAGE_RETENTION = "manage_retention"
    # Export everything held about one professional, for a subject access request (retention app).
    SUBJECT_ACCESS = "subject_access"


ROLES_FILE = Path(__file__).with_name("roles.yaml")


class Role:
    def __init__(self, code: str, title: str, description: str, permissions: frozenset[Permission],
                 requires_two_factor: bool = False):
        self.code = code
        self.title = title
        self.description = description
        self.permissions = permissions
        # Holders must sign in with a second factor (an authenticator app code).
        self.requires_two_factor = requires_two_factor

    def __repr__(self) -> str:
        return f"Role({self.code!r})"


@cache
def roles() -> dict[str, Role]:
    """The role definitions, loaded once from roles.yaml and checked against the enum."""
    data = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    result: dict[str, Role] = {}
    for code, spec in data["roles"].items():
        try:
            perms = frozenset(Permission(p) for p in spec["permissions"])
        except ValueError as exc:
            raise ValueError(f"roles.yaml: role {code}: {exc}") from exc
        two_factor = spec.get("requires_two_factor", False)
        if not isinstance(two_factor, bool):
            raise ValueError(f"roles.yaml: role {code}: requires_two_factor must be true or false")
        result[code] = Role(code, spec["title"], spec["description"], perms, two_factor)
    return result


def role_choices() -> list[tuple[str, str]]:
    return [(r.code, r.title) for r in roles().values()]


def user_permissions(user: User, team_id: int | None = None) -> frozenset[Permission]:
    """The permissions a user holds, organisation-wide or (given team_id) for that team.

    A role assigned for one team grants its permissions only for that team's records; a role
    assigned with no team covers the whole organisation.
    """
    if not user.is_authenticated or not user.is_active or user.organisation_id is None:
        return frozenset()
    perms: set[Permission] = set()
    for assignment in _assignments(user):
        role_code, assignment_team = assignment
        if assignment_team is None or (team_id is not None and assignment_team == team_id):
            role = roles().get(role_code)
            if role is not None:
                perms |= role.permissions
    return frozenset(perms)


def has_permission(user: User, permission: Permission, team_id: int | None = None) -> bool:
    return permission in user_permissions(user, team_id)


def any_team_permission(user: User, permission: Permission) -> bool:
    """True when the user holds the permission for the organisation or for at least one team."""
    if not user.is_authenticated or user.organisation_id is None:
        return False
    return any(
        permission in roles()[code].permissions
        for code, _team in _assignments(user)
        if code in roles()
    )


def teams_with_permission(user: User, permission: Permission) -> tuple[bool, set[int]]:
    """(covers the whole organisation, the set of team ids covered) for one permission."""
    whole = False
    teams: set[int] = set()
    if not user.is_authenticated or user.organisation_id is None:
        return whole, teams
    for code, team in _assignments(user):
        role = roles().get(code)
        if role is None or permission not in role.permissions:
            continue
        if team is None:
            whole = True
        else:
            teams.add(team)
    return whole, teams


def requires_two_factor(user: User) -> bool:
    """True when any role the user holds (for any team) is marked requires_two_factor in roles.yaml."""
    if not user.is_authenticated or not user.is_active:
        return False
    table = roles()
    return any(table[code].requires_two_factor for code, _team in _assignments(user) if code in table)


def _assignments(user: User) -> list[tuple[str, int | None]]:
    # Cached on the user object for the length of one request.
    cached: list[tuple[str, int | None]] | None = getattr(user, "_jc_assignments", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("role", "team_id"))
        user._jc_assignments = cached  # type: ignore[attr-defined]
    return cached


def require(user: User, permission: Permission, team_id: int | None = None) -> None:
    """Raise PermissionDenied unless the user holds the permission (for the team, if given)."""
    from django.core.exceptions import PermissionDenied

    if not has_permission(user, permission, team_id):
        raise PermissionDenied(f"You do not have permission to do this ({permission.value}).")


def require_any_team(user: User, permission: Permission) -> None:
    """Raise PermissionDenied unless the user holds the permission for at least one team."""
    from django.core.exceptions import PermissionDenied

    if not any_team_permission(user, permission):
        raise PermissionDenied(f"You do not have permission to do this ({permission.value}).")
