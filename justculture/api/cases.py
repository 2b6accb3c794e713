"""Cases, people, incidents and contextual factors. Thin: scope with the selectors, call one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from justculture.api.auth import actor
from justculture.api.common import (
    ERRORS,
    IdempotencyKey,
    case_out,
    created_once,
    documents_named,
    incident_out,
    page,
    person_out,
)
from justculture.api.errors import ApiError
from justculture.api.schemas import (
    ActIn,
    ActUpdated,
    CaseDetail,
    CaseFilters,
    CaseIn,
    CaseList,
    CaseStatusIn,
    FactorId,
    FactorOut,
    FactorRecordIn,
    FactorRecordOut,
    Id,
    IncidentIn,
    IncidentList,
    IncidentOut,
    IncidentReference,
    Paging,
    PersonIn,
    PersonList,
    PersonOut,
    Reference,
)
from justculture.cases import selectors, services
from justculture.cases.models import Case, FactorRecord
from justculture.casework.status import case_status_change
from justculture.core.models import Organisation, Team, User
from justculture.core.permissions import Permission, require, require_any_team
from justculture.factors.selectors import factor_for, factors_for

router = Router(tags=["cases"])


def _organisation(user: User) -> Organisation:
    organisation = user.organisation
    assert organisation is not None  # the token check refuses users without one
    return organisation


def _team(user: User, team_id: int, field: str) -> Team:
    team = selectors.teams_of(user).filter(pk=team_id).first()
    if team is None:
        raise ApiError(f"Your organisation has no team with id {team_id}.", field=field, status=404)
    return team


# --- Cases ---------------------------------------------------------------------------------------


@router.get("/cases", response={200: CaseList, **ERRORS}, summary="List cases")
def case_list(request: HttpRequest, filters: Query[CaseFilters]) -> dict[str, Any]:
    """The cases you may see, newest first, with the same filters as the web case list."""
    user = actor(request)
    require_any_team(user, Permission.VIEW_CASE)
    chosen = selectors.CaseFilters(
        q=filters.q.strip(), status=filters.status, team=filters.team, outcome=filters.outcome,
        date_from=filters.date_from, date_to=filters.date_to, factor=filters.factor,
    )
    count, items = page(selectors.case_list(user, chosen), filters.limit, filters.offset)
    return {"count": count, "limit": filters.limit, "offset": filters.offset,
            "items": [case_out(c) for c in items]}


@router.get("/cases/{reference}", response={200: CaseDetail, **ERRORS}, summary="Get a case")
def case_detail(request: HttpRequest, reference: Reference) -> dict[str, Any]:
    return case_out(selectors.case_for(actor(request), reference), with_acts=True)


@router.post("/cases", response={201: CaseDetail, **ERRORS}, summary="Open a case")
def case_open(request: HttpRequest, payload: CaseIn, idempotency_key: IdempotencyKey = None) -> Status[dict[str, Any]]:
    """Open a case about a person (see POST /people) for an incident (see POST /incidents)."""
    return created_once(request, idempotency_key, payload, lambda: _case_open(request, payload))


def _case_open(request: HttpRequest, payload: CaseIn) -> dict[str, Any]:
    user = actor(request)
    require_any_team(user, Permission.OPEN_CASE)
    incident = selectors.incidents_of(user).filter(reference=payload.incident).first()
    if incident is None:
        raise ApiError(f"You may not see an incident {payload.incident}.", field="incident", status=404)
    person = selectors.people_of(user).filter(pk=payload.person_id).first()
    if person is None:
        raise ApiError(f"You may not see a person with id {payload.person_id}: name someone recorded by you "
                       "(POST /people) or on a case you may see.", field="person_id", status=404)
    team = _team(user, payload.team_id, "team_id") if payload.team_id is not None else None
    case = services.case_open(incident=incident, person=person, concern=payload.concern, acts=payload.acts,
                              team=team, by=user)
    return case_out(Case.objects.select_related("team", "incident", "person").get(pk=case.pk), with_acts=True)


@router.put("/cases/{reference}/status", response={200: CaseDetail, **ERRORS}, summary="Move a case to another state")
def case_status(request: HttpRequest, reference: Reference, payload: CaseStatusIn) -> dict[str, Any]:
    """Move the case along its lifecycle (the moves allowed are in the case states). A move the
    states do not allow answers 409. Closing a case with open actions, unassessed acts or
    unfinished referral considerations, and reopening a closed case, need a `reason`; while a
    case is closed every change to it answers 409."""
    user = actor(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    case_status_change(case=case, to=payload.status, reason=payload.reason, by=user)
    return case_out(Case.objects.select_related("team", "incident", "person").get(pk=case.pk), with_acts=True)


@router.put("/cases/{reference}/acts/{number}", response={200: ActUpdated, **ERRORS}, summary="Reword an act")
def act_update(request: HttpRequest, reference: Reference, number: Id, payload: ActIn) -> dict[str, Any]:
    """Change an act's wording. A completed assessment of the act keeps the wording it assessed
    (see `act_description` on the assessment); `reworded_since_assessment` says a revisit is due."""
    user = actor(request)
    case = selectors.case_for(user, reference, permission=Permission.EDIT_CASE)
    act = services.act_update(act=selectors.act_for(case, number), description=payload.description, by=user)
    return {"number": act.number, "description": act.description,
            "reworded_since_assessment": services.act_reworded_since_assessment(act)}


# --- People --------------------------------------------------------------------------------------


def _people(user: User) -> Any:
    # People are personal data: a reader sees the people of the cases they may see (and those they
    # recorded themselves that no case is about yet).
    require_any_team(user, Permission.VIEW_CASE)
    return selectors.people_of(user)


@router.get("/people", response={200: PersonList, **ERRORS}, summary="List people")
def person_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The professionals concerned in the cases you may see."""
    count, items = page(_people(actor(request)), paging.limit, paging.offset)
    return {"count": count, "limit": paging.limit, "offset": paging.offset,
            "items": [person_out(p) for p in items]}


@router.get("/people/{person_id}", response={200: PersonOut, **ERRORS}, summary="Get a person")
def person_detail(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    person = _people(actor(request)).filter(pk=person_id).first()
    if person is None:
        raise ApiError("No such person.", status=404)
    return person_out(person)


@router.post("/people", response={201: PersonOut, **ERRORS}, summary="Record a person")
def person_create(request: HttpRequest, payload: PersonIn,
                  idempotency_key: IdempotencyKey = None) -> Status[dict[str, Any]]:
    """Record the professional a concern is about, before opening their case."""
    return created_once(request, idempotency_key, payload, lambda: _person_create(request, payload))


def _person_create(request: HttpRequest, payload: PersonIn) -> dict[str, Any]:
    user = actor(request)
    if payload.registration_body != "none" and not payload.registration_number.strip():
        # As on the web form: a registered professional's number is needed.
        raise ApiError("Enter the registration number, or give registration_body 'none'.",
                       field="registration_number", status=422)
    data = payload.model_dump()
    years = data.pop("years_in_role")
    person = services.person_create(
        organisation=_organisation(user), **data,
        years_in_role=Decimal(str(round(years, 1))) if years is not None else None, by=user,
    )
    return person_out(person)


# --- Incidents -----------------------------------------------------------------------------------


@router.get("/incidents", response={200: IncidentList, **ERRORS}, summary="List incidents")
def incident_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Incidents of your organisation, newest first. Patient details are never included."""
    user = actor(request)
    require_any_team(user, Permission.VIEW_CASE)
    count, items = page(selectors.incidents_of(user), paging.limit, paging.offset)
    return {"count": count, "limit": paging.limit, "offset": paging.offset,
            "items": [incident_out(i) for i in items]}


@router.get("/incidents/{reference}", response={200: IncidentOut, **ERRORS}, summary="Get an incident")
def incident_detail(request: HttpRequest, reference: IncidentReference) -> dict[str, Any]:
    user = actor(request)
    require_any_team(user, Permission.VIEW_CASE)
    return incident_out(selectors.incident_for(user, reference))


@router.post("/incidents", response={201: IncidentOut, **ERRORS}, summary="Record an incident")
def incident_create(request: HttpRequest, payload: IncidentIn,
                    idempotency_key: IdempotencyKey = None) -> Status[dict[str, Any]]:
    return created_once(request, idempotency_key, payload, lambda: _incident_create(request, payload))


def _incident_create(request: HttpRequest, payload: IncidentIn) -> dict[str, Any]:
    user = actor(request)
    require_any_team(user, Permission.OPEN_CASE)
    incident = services.incident_create(
        organisation=_organisation(user), occurred_at=payload.occurred_at,
        team=_team(user, payload.team_id, "team_id"), description=payload.description,
        location=payload.location, external_reference=payload.external_reference, by=user,
    )
    return incident_out(incident)


# --- Contextual factors --------------------------------------------------------------------------


@router.get("/factors", response={200: list[FactorOut], **ERRORS}, summary="List contextual factors", tags=["factors"])
def factor_catalogue(request: HttpRequest) -> list[dict[str, Any]]:
    """The contextual factors your organisation records: the default ten, then its own."""
    return [
        {"id": f.id, "title": f.title, "description": f.description, "special_category": f.special_category,
         "builtin": f.builtin}
        for f in factors_for(_organisation(actor(request)))
    ]


def _record_out(record: FactorRecord, title: str, special: bool) -> dict[str, Any]:
    return {
        "factor_id": record.factor_id, "title": title, "special_category": special, "present": record.present,
        "contribution": record.contribution, "account": record.account,
        "documents": [d.token for d in record.documents.all()], "recorded_by": record.recorded_by.username,
        "recorded_at": record.recorded_at,
    }


@router.get("/cases/{reference}/factors", response={200: list[FactorRecordOut], **ERRORS},
            summary="List a case's factor records", tags=["factors"])
def factor_records(request: HttpRequest, reference: Reference) -> list[dict[str, Any]]:
    """What the case found about each contextual factor recorded so far, in taxonomy order.

    Reading a special-category record (such as personal health) is written to the audit log.
    """
    user = actor(request)
    case = selectors.case_for(user, reference)
    records = selectors.factor_records(case)
    rows = []
    for factor in factors_for(case.organisation):
        record = records.get(factor.id)
        if record is None:
            continue
        if factor.special_category:
            services.special_category_viewed(
                case=case, what=f"contextual factor '{factor.title}' on case {case.reference} (API)",
                object_type="factorrecord", object_id=str(record.pk), by=user,
            )
        rows.append(_record_out(record, factor.title, factor.special_category))
    return rows


@router.put("/cases/{reference}/factors/{factor_id}", response={200: FactorRecordOut, **ERRORS},
            summary="Record or update a factor record", tags=["factors"])
def factor_record_save(request: HttpRequest, reference: Reference, factor_id: FactorId,
                       payload: FactorRecordIn) -> dict[str, Any]:
    user = actor(request)
    case = selectors.case_for(user, reference)
    factor = factor_for(case.organisation, factor_id)
    if factor is None:
        raise ApiError(f"'{factor_id}' is not a contextual factor of your organisation.", status=404)
    require(user, Permission.RECORD_FACTORS, case.team_id)
    record = services.factor_record_save(
        case=case, factor_id=factor.id, present=payload.present, contribution=payload.contribution,
        account=payload.account, documents=documents_named(case, payload.documents), by=user,
    )
    return _record_out(record, factor.title, factor.special_category)
