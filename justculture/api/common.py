"""Small helpers shared by the endpoint modules: response codes and turning records into dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Header, Schema
from ninja.responses import Status

from justculture.api.auth import actor
from justculture.api.errors import ApiError
from justculture.api.schemas import Error
from justculture.cases.models import Case, EvidenceDocument, FactorRecord, Incident, Person
from justculture.cases.states import case_states
from justculture.core import once
from justculture.core.models import Team

# Every operation documents the errors it can answer with (the schema check relies on it); 409 is
# a ConflictError, such as a change to a closed case.
ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def team_out(team: Team) -> dict[str, Any]:
    return {"id": team.pk, "name": team.name, "site": team.site}


def person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk, "name": person.name, "role_title": person.role_title, "staff_group": person.staff_group,
        "registration_body": person.registration_body, "registration_number": person.registration_number,
        "band_or_grade": person.band_or_grade,
        "years_in_role": float(person.years_in_role) if person.years_in_role is not None else None,
        "employment_type": person.employment_type,
    }


def incident_out(incident: Incident) -> dict[str, Any]:
    return {
        "reference": incident.reference, "occurred_at": incident.occurred_at, "team": team_out(incident.team),
        "location": incident.location, "description": incident.description,
        "external_reference": incident.external_reference, "created_at": incident.created_at,
    }


def case_out(case: Case, *, with_acts: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "reference": case.reference, "status": case.status, "status_title": case_states().title(case.status),
        "team": team_out(case.team), "incident": case.incident.reference,
        "incident_occurred_at": case.incident.occurred_at, "person": person_out(case.person),
        "concern": case.concern, "latest_outcome": case.latest_outcome, "created_at": case.created_at,
        "updated_at": case.updated_at, "closed_at": case.closed_at,
    }
    if with_acts:
        data["acts"] = [{"number": a.number, "description": a.description} for a in case.acts.all()]
        data["status_history"] = [
            {"from_status": c.from_status, "to_status": c.to_status, "reason": c.reason,
             "outstanding": c.outstanding or {}, "changed_by": c.changed_by.username, "changed_at": c.changed_at}
            for c in case.status_changes.select_related("changed_by")
        ]
    return data


def page(items: QuerySet[Any], limit: int, offset: int) -> tuple[int, list[Any]]:
    return items.count(), list(items[offset : offset + limit])


def documents_named(case: Case, tokens: list[str], field: str = "documents") -> list[EvidenceDocument]:
    """The case's documents with these tokens; a token not of this case is a 404 naming the field."""
    wanted = list(dict.fromkeys(tokens))
    found = list(case.documents.filter(token__in=wanted))
    if len(found) != len(wanted):
        known = {d.token for d in found}
        missing = next(t for t in wanted if t not in known)
        raise ApiError(f"Case {case.reference} has no evidence document {missing}.", field=field, status=404)
    return found


def factor_records_named(case: Case, factor_ids: list[str], field: str = "factor_ids") -> list[FactorRecord]:
    wanted = list(dict.fromkeys(factor_ids))
    found = list(case.factor_records.filter(factor_id__in=wanted))
    if len(found) != len(wanted):
        known = {r.factor_id for r in found}
        missing = next(f for f in wanted if f not in known)
        raise ApiError(f"Case {case.reference} has no record of the contextual factor '{missing}'.", field=field,
                       status=404)
    return found


# Creating requests accept an Idempotency-Key header (core/once.py): a retry with the same key and
# body gets the first reply again instead of creating a second record.
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=once.KEY_MAX,
    description="Any unique string (a UUID, say) for this request. A retry with the same key and body within "
                "24 hours gets the first reply and creates nothing more; the same key with another body is "
                "refused (409).",
)]


def created_once(request: HttpRequest, key: str | None, payload: Schema | None,
                 write: Callable[[], dict[str, Any]]) -> Status[dict[str, Any]]:
    """Run ``write`` (which creates a record and returns its reply) once per Idempotency-Key."""
    body = {"path": request.path, "payload": payload.model_dump(mode="json") if payload is not None else None}
    reply = once.api(actor(request), f"api {request.method} {request.path}", key, body, lambda: (201, write()))
    return Status(reply.status, reply.body)
