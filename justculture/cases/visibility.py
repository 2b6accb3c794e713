"""Which cases a user may see: one rule, worked out once per user, in the three forms pages need.

A user sees a case of their own organisation when a role of theirs with the view permission covers
the whole organisation or the case's team, or when they are assigned to the case.

- ``q()`` / ``cases()``: the rule as a query, for lists, counts and aggregates.
- ``sees(case)``: one case already loaded (every case page): no query, unless only an assignment
  could let the user see it.
- ``visible_ids(team_of)``: many cases given with their teams (the fairness page's departures):
  the role check here, the user's assignments read once.
- ``people()``: the professionals the user may see or name in a request: those of the cases they
  may see, and those they recorded themselves that no case is about yet. Every reference a request
  carries is checked here or in ``case_for``/``incidents_of`` (cases/selectors.py), never against
  the whole organisation.

Building the whole query for one row cost more than the row (docs/adr/0009-busy-pages.md), so the
single-case and many-case forms do not go through the query; tests/web/test_cases.py checks that
all three agree for every kind of user.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Exists, OuterRef, Q, QuerySet

from justculture.cases.models import Case, Person
from justculture.core.models import User
from justculture.core.permissions import Permission, teams_with_permission


class _ExistsRowByRow(Exists):
    """EXISTS that PostgreSQL checks for each row it reaches rather than by first hashing every row
    of the subquery: ``OFFSET 0`` keeps the planner from turning it into a hashed sub-plan (or a
    join). For a page of the newest cases, which stops after a few hundred rows, that is a few
    hundred index look-ups instead of hashing all of a busy handler's assignments (thousands) on
    every request (docs/performance.md)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


class CaseVisibility:
    """The case-visibility rule for one user. Use ``CaseVisibility.of(user)``: it is worked out
    from the user's roles once and kept on the user object (one request), like the roles."""

    __slots__ = ("organisation_id", "teams", "user_id", "whole")

    def __init__(self, *, user_id: int, organisation_id: int | None, whole: bool,
                 teams: frozenset[int]) -> None:
        # Whose assignments count (0 for nobody: with no organisation no query is made).
        self.user_id = user_id
        # None: the user sees no case at all (not signed in, or in no organisation).
        self.organisation_id = organisation_id
        # A role with the view permission covers the whole organisation.
        self.whole = whole
        # The teams whose cases a role with the view permission covers.
        self.teams = teams

    @classmethod
    def of(cls, user: User) -> CaseVisibility:
        cached: CaseVisibility | None = getattr(user, "_jc_case_visibility", None)
        if cached is None:
            if not user.is_authenticated or user.organisation_id is None:
                cached = cls(user_id=0, organisation_id=None, whole=False, teams=frozenset())
            else:
                whole, teams = teams_with_permission(user, Permission.VIEW_CASE)
                cached = cls(user_id=user.pk, organisation_id=user.organisation_id, whole=whole,
                             teams=frozenset(teams))
            user._jc_case_visibility = cached  # type: ignore[attr-defined]
        return cached

    def q(self, *, paged: bool = False) -> Q:
        """The rule as a filter on cases. ``paged`` is for queries that stop early (a page of
        rows, a count up to a cap): it checks the assignments row by row instead of all at once;
        the cases are the same."""
        if self.organisation_id is None:
            return Q(pk__in=[])
        in_org = Q(organisation_id=self.organisation_id)
        if self.whole:
            return in_org
        # EXISTS rather than a join on the assignments, so each case comes once without DISTINCT:
        # DISTINCT over every column made PostgreSQL de-duplicate all of a busy team's cases
        # before it could sort and cut the list (see docs/performance.md).
        assigned = Case.assigned_to.through.objects.filter(case_id=OuterRef("pk"), user_id=self.user_id)
        exists = _ExistsRowByRow if paged else Exists
        return in_org & (Q(team_id__in=self.teams) | Q(exists(assigned)))

    def cases(self, *, paged: bool = False) -> QuerySet[Case]:
        """The cases the user may see, as a query (see ``q``)."""
        if self.organisation_id is None:
            return Case.objects.none()
        return Case.objects.filter(self.q(paged=paged))

    def sees(self, case: Case) -> bool:
        """The rule for one case already loaded; reads the database only when the user's roles do
        not cover the case's team (to look for an assignment)."""
        if self.organisation_id is None or case.organisation_id != self.organisation_id:
            return False
        if self.whole or case.team_id in self.teams:
            return True
        return Case.assigned_to.through.objects.filter(case_id=case.pk, user_id=self.user_id).exists()

    def visible_ids(self, team_of: Mapping[int, int]) -> set[int]:
        """Which of these cases (case id -> its team id, all in the user's organisation) the user
        may see, without sending thousands of ids back to the database: the role check is done
        here and the user's own assignments are read once (and only if needed)."""
        if self.organisation_id is None:
            return set()
        if self.whole:
            return set(team_of)
        visible = {case_id for case_id, team_id in team_of.items() if team_id in self.teams}
        if len(visible) < len(team_of):
            assigned = Case.assigned_to.through.objects.filter(
                user_id=self.user_id, case__organisation_id=self.organisation_id
            )
            visible |= set(assigned.values_list("case_id", flat=True)) & team_of.keys()
        return visible

    def sees_any(self) -> bool:
        """True when the user may see at least one case (by role, or by an assignment)."""
        if self.organisation_id is None:
            return False
        if self.whole or self.teams:
            return True
        return Case.assigned_to.through.objects.filter(
            user_id=self.user_id, case__organisation_id=self.organisation_id
        ).exists()

    def people(self) -> QuerySet[Person]:
        """The people the user may see (personal data: name, registration number, equality
        records) and attach to a case: those of the cases they may see, and the records they made
        themselves that no case is about yet (recorded before opening the case)."""
        if self.organisation_id is None:
            return Person.objects.none()
        base = Person.objects.filter(organisation_id=self.organisation_id)
        if self.whole:
            return base
        seen = self.cases().filter(person_id=OuterRef("pk"))
        any_case = Case.objects.filter(person_id=OuterRef("pk"))
        unattached_own = Q(created_by_id=self.user_id) & ~Q(Exists(any_case))
        return base.filter(Q(Exists(seen)) | unattached_own)
