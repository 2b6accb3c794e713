"""Creating API calls honour an Idempotency-Key header: a retry creates nothing more and gets the
first reply (penetration test finding 8)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from justculture.cases.models import Incident, Person
from justculture.core.models import User
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

PERSON = {"name": "Ali Khan", "role_title": "Staff nurse", "staff_group": "nursing-midwifery",
          "employment_type": "substantive", "registration_body": "nmc", "registration_number": "99Z9999Z"}


def _post(api: ApiClient, path: str, body: dict, key: str | None) -> tuple[int, dict]:
    headers = dict(api.headers)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    response = api.client.post("/api" + path, json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


def test_a_retry_with_the_same_key_gets_the_first_reply_and_creates_nothing(
        handler: User, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(handler)
    first = _post(api, "/people", PERSON, "3f6c1b9e-person-1")
    again = _post(api, "/people", PERSON, "3f6c1b9e-person-1")
    assert first[0] == again[0] == 201
    assert again[1] == first[1]
    assert Person.objects.filter(name="Ali Khan").count() == 1


def test_the_same_key_with_another_body_is_refused(handler: User, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(handler)
    assert _post(api, "/people", PERSON, "key-2")[0] == 201
    status, body = _post(api, "/people", {**PERSON, "name": "Someone Else"}, "key-2")
    assert status == 409 and body["field"] == "Idempotency-Key"
    assert not Person.objects.filter(name="Someone Else").exists()


def test_without_a_key_each_call_creates(handler: User, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(handler)
    _post(api, "/people", PERSON, None)
    _post(api, "/people", PERSON, None)
    assert Person.objects.filter(name="Ali Khan").count() == 2


def test_a_refused_request_does_not_use_up_its_key(
        handler: User, team, api_for: Callable[[User | None], ApiClient]) -> None:
    api = api_for(handler)
    incident = {"occurred_at": "2026-11-02T10:00:00Z", "team_id": team.pk + 999, "location": "Bay 2",
                "description": "A dose was missed."}
    assert _post(api, "/incidents", incident, "key-3")[0] == 404
    status, body = _post(api, "/incidents", {**incident, "team_id": team.pk}, "key-3")
    assert status == 201, body
    assert _post(api, "/incidents", {**incident, "team_id": team.pk}, "key-3")[1] == body
    assert Incident.objects.count() == 1


def test_keys_belong_to_their_caller(handler: User, org, make_user, api_for: Callable[[User | None], ApiClient]) -> None:
    _post(api_for(handler), "/people", PERSON, "shared-key")
    other = api_for(make_user(org, "case-handler"))
    status, _body = _post(other, "/people", PERSON, "shared-key")
    assert status == 201
    assert Person.objects.filter(name="Ali Khan").count() == 2
