"""Reads of cases, always scoped to what the user may see. Another organisation's case is a 404."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace, Trim, Upper
from django.db.models.lookups import Exact
from django.http import Http404

from justculture.cases.models import Act, Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.cases.visibility import CaseVisibility
from justculture.core.models import AuditEvent, Organisation, Team, User
from justculture.core.permissions import Permission, require


def _org_id(user: User) -> int:
    if user.organisation_id is None:
        raise Http404("Not part of an organisation")
    return user.organisation_id


def visible_cases(user: User, *, paged: bool = False) -> QuerySet[Case]:
    """Cases in the user's organisation that the user may see (the rule: cases/visibility.py).

    ``paged`` is for queries that stop early (a page of rows, a count up to a cap): it checks the
    assignments row by row instead of all at once; the cases are the same.
    """
    return CaseVisibility.of(user).cases(paged=paged)


CASE_RELATED = ("incident", "person", "team", "organisation", "created_by")


def visible_case_ids(user: User, team_of: Mapping[int, int]) -> set[int]:
    """Which of these cases (case id -> its team id, all in the user's organisation) the user may
    see, by the rule of ``visible_cases``, without sending the ids back to the database."""
    return CaseVisibility.of(user).visible_ids(team_of)


def may_see_case(user: User, case: Case) -> bool:
    """The rule of ``visible_cases`` for one case already loaded."""
    return CaseVisibility.of(user).sees(case)


Needs = Permission | tuple[Permission, ...] | None


def _require_all(user: User, permission: Needs, team_id: int) -> None:
    if permission is None:
        return
    for needed in (permission,) if isinstance(permission, Permission) else permission:
        require(user, needed, team_id)


def case_for(user: User, reference: str, *, permission: Needs = None,
             related: tuple[str, ...] = CASE_RELATED) -> Case:
    """The case with this reference if the user may see it, else a 404; then, if the page needs
    a ``permission`` (or several) for the case's team, a 403 without it, on GET and POST alike.
    Loaded with the rows in ``related`` (a page that shows fewer of them can ask for fewer).

    The case is read by its reference in the user's organisation and then checked with the same
    rule as ``visible_cases`` (``CaseVisibility.sees``): cheaper to build and plan, for every case
    page, than the whole visibility query for one row (docs/performance.md).
    """
    organisation_id = _org_id(user) if user.is_authenticated else None
    found = list(
        Case.objects.select_related(*related)
        .filter(organisation_id=organisation_id, reference=reference)
        .order_by()[:1]
    )
    if not found or not CaseVisibility.of(user).sees(found[0]):
        raise Http404("No such case")
    case = found[0]
    _require_all(user, permission, case.team_id)
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
    rule = CaseVisibility.of(user)
    if rule.whole:
        return base
    seen = rule.cases().filter(incident_id=OuterRef("pk"))
    return base.filter(Q(team_id__in=rule.teams) | Q(Exists(seen)))


def incident_for(user: User, reference: str, *, permission: Needs = None) -> Incident:
    """The incident if the user may see it, else a 404; then a 403 without the ``permission``
    (or several) the page needs for the incident's team."""
    incident = incidents_of(user).filter(reference=reference).first()
    if incident is None:
        raise Http404("No such incident")
    _require_all(user, permission, incident.team_id)
    return incident


def people_of(user: User) -> QuerySet[Person]:
    """The people the user may see or name in a request (the rule: cases/visibility.py)."""
    return CaseVisibility.of(user).people()


def factor_records(case: Case) -> dict[str, FactorRecord]:
    records = case.factor_records.prefetch_related("documents")
    return {r.factor_id: r for r in records}


def case_timeline(case: Case) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(organisation_id=case.organisation_id, case_id=case.pk).order_by(
        "-at", "-id"
    )


# One professional, several records ----------------------------------------------------------------
# The web opens a new professional's record with each case, so one nurse can have several. Two
# records of one organisation are the same professional when they carry the same registration
# body and registration number, compared without spaces and case; a blank number matches nothing.

def registration_key(registration_body: str, registration_number: str) -> tuple[str, str] | None:
    """The normalised (body, number) that identifies a registered professional, or None if blank."""
    number = registration_number.replace(" ", "").upper()
    if not number:
        return None
    return registration_body.strip().lower(), number


def _normalised_number() -> Upper:
    """The registration number as ``registration_key`` normalises it, worked out by the database."""
    return Upper(Replace(F("registration_number"), Value(" "), Value("")))


def same_professional(person: Person) -> list[Person]:
    """Every record of the person's organisation that is the same professional, the person first.

    The person's own record always; others only when the registration number is not blank.
    """
    others: list[Person] = []
    key = registration_key(person.registration_body, person.registration_number)
    if key is not None:
        others = list(Person.objects.filter(
            Exact(Lower(Trim(F("registration_body"))), key[0]), Exact(_normalised_number(), key[1]),
            organisation_id=person.organisation_id).exclude(pk=person.pk).order_by("pk"))
    return [person, *others]


@dataclass(frozen=True)
class DuplicateGroup:
    """Records of one organisation with the same registration body and number."""

    registration_body: str
    registration_number: str
    people: list[Person]


def duplicate_people(organisation: Organisation) -> list[DuplicateGroup]:
    """Groups of two or more records that look like one professional (same registration number)."""
    groups: dict[tuple[str, str], list[Person]] = {}
    rows = Person.objects.filter(organisation=organisation).exclude(Exact(_normalised_number(), "")).order_by("pk")
    for person in rows:
        key = registration_key(person.registration_body, person.registration_number)
        if key is not None:
            groups.setdefault(key, []).append(person)
    return [DuplicateGroup(body, number, people) for (body, number), people in sorted(groups.items())
            if len(people) > 1]
