"""Reads for imports, always within one organisation."""

from __future__ import annotations

from collections.abc import Sequence

from justculture.cases.models import Incident
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, teams_with_permission
from justculture.imports.mappings import key


def existing_source_references(organisation: Organisation, source_system: str, references: Sequence[str]) -> set[str]:
    """Which of these source references the organisation already holds (one indexed query)."""
    if not references:
        return set()
    # The blank-reference exclusion repeats the unique index's own condition, so that PostgreSQL
    # can use that (partial) index: it cannot prove the condition from a long IN list by itself.
    return set(
        Incident.objects.filter(
            organisation=organisation, source_system=source_system, source_reference__in=set(references)
        ).exclude(source_reference="").order_by().values_list("source_reference", flat=True)
    )


def team_lookup(organisation: Organisation) -> tuple[dict[str, int], dict[int, str]]:
    """key(team name) -> team id, and team id -> name, for the organisation's teams."""
    by_key: dict[str, int] = {}
    names: dict[int, str] = {}
    for team_id, name in Team.objects.filter(organisation=organisation).values_list("id", "name"):
        by_key[key(name)] = team_id
        names[team_id] = name
    return by_key, names


def teams_user_may_record(user: User) -> set[int] | None:
    """The team ids the user may record incidents for; None when the role covers every team."""
    whole, teams = teams_with_permission(user, Permission.OPEN_CASE)
    return None if whole else teams
