"""Every reference a request carries is checked against what the caller may see, not only against
their organisation (penetration test finding 1): a user who sees only Ward 7 must not attach a
Maternity professional to a Ward 7 case, nor read them, nor name a Maternity incident."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from justculture.cases.models import Case, Person
from justculture.core.models import Organisation, Team, User
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

NEW_PERSON = {"name": "Ali Khan", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
              "employment_type": "substantive", "registration_body": "nmc", "registration_number": "99Z9999Z"}


@pytest.fixture
def ward_user(org: Organisation, team: Team, make_user: Callable[..., User]) -> User:
    """Handles Ward 7's cases only."""
    return make_user(org, ("case-handler", team))


@pytest.fixture
def maternity_case(org: Organisation, other_team: Team, make_user: Callable[..., User],
                   make_case: Callable[..., Case]) -> Case:
    maternity_user = make_user(org, ("case-handler", other_team))
    return make_case(maternity_user, name="Morgan Maternity", on_team=other_team)


def _ward_incident(api: ApiClient, team: Team) -> str:
    status, body = api.post("/incidents", {"occurred_at": "2026-11-02T10:00:00Z", "team_id": team.pk,
                                           "location": "Bay 2", "description": "A dose was missed."})
    assert status == 201, body
    return str(body["reference"])


def test_a_case_cannot_be_opened_about_a_person_of_a_team_the_caller_cannot_see(
        ward_user: User, team: Team, maternity_case: Case, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(ward_user)
    incident = _ward_incident(api, team)
    status, body = api.post("/cases", {"incident": incident, "person_id": maternity_case.person_id,
                                       "concern": "A missed dose."})
    assert status == 404
    assert body["field"] == "person_id"
    assert "Morgan" not in str(body) and maternity_case.person.registration_number not in str(body)
    assert Case.objects.filter(person_id=maternity_case.person_id).count() == 1


def test_a_person_of_another_team_is_not_readable(
        ward_user: User, maternity_case: Case, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(ward_user)
    status, _body = api.get(f"/people/{maternity_case.person_id}")
    assert status == 404
    status, body = api.get("/people")
    assert status == 200
    assert maternity_case.person_id not in [p["id"] for p in body["items"]]


def test_an_incident_of_another_team_cannot_be_named(
        ward_user: User, maternity_case: Case, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(ward_user)
    status, person = api.post("/people", NEW_PERSON)
    assert status == 201
    status, body = api.post("/cases", {"incident": maternity_case.incident.reference, "person_id": person["id"],
                                       "concern": "A missed dose."})
    assert status == 404 and body["field"] == "incident"


def test_a_case_cannot_be_put_in_a_team_the_caller_may_not_open_cases_for(
        ward_user: User, team: Team, other_team: Team, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(ward_user)
    incident = _ward_incident(api, team)
    status, person = api.post("/people", NEW_PERSON)
    assert status == 201
    status, _body = api.post("/cases", {"incident": incident, "person_id": person["id"], "concern": "A dose.",
                                        "team_id": other_team.pk})
    assert status == 403
    assert not Case.objects.filter(person_id=person["id"]).exists()


def test_a_person_you_recorded_is_yours_to_read_and_name_until_a_case_is_opened(
        ward_user: User, team: Team, org: Organisation, make_user: Callable[..., User],
        api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(ward_user)
    status, person = api.post("/people", NEW_PERSON)
    assert status == 201
    # What was just created can be read back (it answered 404 before).
    assert api.get(f"/people/{person['id']}")[0] == 200
    # A colleague on the same ward does not see a record no case is about yet.
    colleague = api_for(make_user(org, ("case-handler", team)))
    assert colleague.get(f"/people/{person['id']}")[0] == 404
    status, body = api.post("/cases", {"incident": _ward_incident(api, team), "person_id": person["id"],
                                       "concern": "A missed dose."})
    assert status == 201, body
    assert body["person"]["id"] == person["id"]
    # Once the case is open, everyone who may see the case may see the person.
    assert colleague.get(f"/people/{person['id']}")[0] == 200


def test_the_person_record_says_who_made_it(ward_user: User, api_for: Callable[[User | None], ApiClient]) -> None:
    status, person = api_for(ward_user).post("/people", NEW_PERSON)
    assert status == 201
    assert Person.objects.get(pk=person["id"]).created_by_id == ward_user.pk

