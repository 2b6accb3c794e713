"""Reads of cases, always scoped to what the user may see. Another organisation's case is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.core.models import AuditEvent, Team, User
from justculture.core.permissions import Permission, teams_with_permission


def _org_id(user: User) -> int:
    if user.organisation_id is None:
        raise Http404("Not part of an organisation")
    return user.organisation_id


class _ExistsRowByRow(Exists):
    """EXISTS that PostgreSQL checks for each row it reaches rather than by first hashing every row
    of the subquery: ``OFFSET 0`` keeps the planner from turning it into a hashed sub-plan (or a
    join). For a page of the newest cases, which stops after a few hundred rows, that is a few
    hundred index look-ups instead of hashing all of a busy handler's assignments (thousands) on
    every request (docs/performance.md)."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def visible_cases(user: User, *, paged: bool = False) -> QuerySet[Case]:
    """Cases in the user's organisation that the user may see.

    A user sees a case when a role of theirs with the view permission covers the whole
    organisation or the case's team, or when they are assigned to the case. ``paged`` is for
    queries that stop early (a page of rows, a count up to a cap): it checks the assignments row
    by row instead of all at once; the cases are the same.
    """
    if not user.is_authenticated or user.organisation_id is None:
        return Case.objects.none()
    base = Case.objects.filter(organisation_id=user.organisation_id)
    whole, teams = teams_with_permission(user, Permission.VIEW_CASE)
    if whole:
        return base
    # EXISTS rather than a join on the assignments, so each case comes once without DISTINCT:
    # DISTINCT over every column made PostgreSQL de-duplicate all of a busy team's cases before
    # it could sort and cut the list (see docs/performance.md).
    assigned = Case.assigned_to.through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
    exists = _ExistsRowByRow if paged else Exists
    return base.filter(Q(team_id__in=teams) | Q(exists(assigned)))


CASE_RELATED = ("incident", "person", "team", "organisation", "created_by")


def visible_case_ids(user: User, team_of: Mapping[int, int]) -> set[int]:
    """Which of these cases (case id -> its team id, all in the user's organisation) the user may
    see, by the rule of ``visible_cases``, without sending thousands of ids back to the database:
    the role check is done here and the user's own assignments are read once."""
    if not user.is_authenticated or user.organisation_id is None:
        return set()
    whole, teams = teams_with_permission(user, Permission.VIEW_CASE)
    if whole:
        return set(team_of)
    visible = {case_id for case_id, team_id in team_of.items() if team_id in teams}
    if len(visible) < len(team_of):
        assigned = Case.assigned_to.through.objects.filter(user_id=user.pk, case__organisation_id=user.organisation_id)
        visible |= set(assigned.values_list("case_id", flat=True)) & team_of.keys()
    return visible


def may_see_case(user: User, case: Case) -> bool:
    """The rule of ``visible_cases`` for one case already loaded: in the user's organisation, and a
    role of theirs with the view permission covers the organisation or the case's team, or they are
    assigned to it."""
    if not user.is_authenticated or user.organisation_id is None or case.organisation_id != user.organisation_id:
        return False
    whole, teams = teams_with_permission(user, Permission.VIEW_CASE)
    if whole or case.team_id in teams:
        return True
    return Case.assigned_to.through.objects.filter(case_id=case.pk, user_id=user.pk).exists()


def case_for(user: User, reference: str, *, related: tuple[str, ...] = CASE_RELATED) -> Case:
    """The case with this reference if the user may see it, else a 404; loaded with the rows in
    ``related`` (a page that shows fewer of them can ask for fewer).

    The case is read by its reference in the user's organisation and then checked with the same
    rule as ``visible_cases`` (``may_see_case``): cheaper to build and plan, for every case page,
    than the whole visibility query for one row (docs/performance.md).
    """
    organisation_id = _org_id(user) if user.is_authenticated else None
    found = list(
        Case.objects.select_related(*related)
        .filter(organisation_id=organisation_id, reference=reference)
        .order_by()[:1]
    )
    if not found or not may_see_case(user, found[0]):
        raise Http404("No such case")
    case = found[0]
    # The case is in the user's organisation, already loaded with it: give the user the same row,
    # so the page header does not read it again.
    if "organisation" in related:
        user.organisation = case.organisation
    return case


def act_for(case: Case, number: int) -> Act:
    act = case.acts.filter(number=number).first()
    if act is None:
        raise Http404("No such act")
    return act


def document_for(case: Case, token: str) -> EvidenceDocument:
    document = case.documents.filter(token=token).first()
    if document is None:
        raise Http404("No such document")
    return document


@dataclass(frozen=True)
class CaseFilters:
    q: str = ""
    status: str = ""
    team: int | None = None
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None
    factor: str = ""


def case_list(user: User, filters: CaseFilters, *, paged: bool = False) -> QuerySet[Case]:
    """The cases matching the filters; ``paged`` when only a page of them and a capped count will
    be read (see visible_cases)."""
    cases = visible_cases(user, paged=paged).select_related("person", "team", "incident")
    if filters.q:
        cases = cases.filter(
            Q(reference__icontains=filters.q)
            | Q(person__name__icontains=filters.q)
            | Q(incident__reference__icontains=filters.q)
            | Q(incident__external_reference__icontains=filters.q)
            | Q(concern__icontains=filters.q)
        )
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.team:
        cases = cases.filter(team_id=filters.team)
    if filters.outcome:
        cases = cases.filter(latest_outcome="" if filters.outcome == "none" else filters.outcome)
    if filters.date_from:
        cases = cases.filter(incident__occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        cases = cases.filter(incident__occurred_at__date__lte=filters.date_to)
    if filters.factor:
        # Cases where this contextual factor was found (the insights page links here).
        found = FactorRecord.objects.filter(case=OuterRef("pk"), factor_id=filters.factor, present="yes")
        cases = cases.filter(Exists(found))
    return cases


def teams_of(user: User) -> QuerySet[Team]:
    return Team.objects.filter(organisation_id=_org_id(user))


def incidents_of(user: User) -> QuerySet[Incident]:
    """Incidents the user may see: those of teams their view permission covers, and those with a
    case they can see (an incident names a patient and describes what happened, so it is held as
    closely as the cases about it)."""
    base = Incident.objects.filter(organisation_id=_org_id(user)).select_related("team")
    whole, teams = teams_with_permission(user, Permission.VIEW_CASE)
    if whole:
        return base
    seen = visible_cases(user).filter(incident_id=OuterRef("pk"))
    return base.filter(Q(team_id__in=teams) | Q(Exists(seen)))


def incident_for(user: User, reference: str) -> Incident:
    incident = incidents_of(user).filter(reference=reference).first()
    if incident is None:
        raise Http404("No such incident")
    return incident


def people_of(user: User) -> QuerySet[Person]:
    return Person.objects.filter(organisation_id=_org_id(user))


def factor_records(case: Case) -> dict[str, FactorRecord]:
    records = case.factor_records.prefetch_related("documents")
    return {r.factor_id: r for r in records}


def case_timeline(case: Case) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation_id=case.organisation_id, case_id=case.pk).order_by(
        "-at", "-id"
    )
