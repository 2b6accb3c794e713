"""Crafted input refused at the edge, each with the answer a person or an API caller relies on: a
huge page number shows the last page, a date at the end of the calendar is an error naming its
field, a NUL character in the address is a 404 or a 400, and the API answers a wrong method or
a body over the limit in JSON. tests/security/test_route_fuzz.py sweeps every route for 5xx."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from justculture.api.services import token_create
from justculture.cases.models import Case
from justculture.core.models import AuditEvent, Organisation, User
from justculture.core.paging import capped_page
from tests.conftest import client_for


def _client(user: User) -> Client:
    client = client_for(user)
    client.raise_request_exception = False
    return client


def _api(user: User) -> tuple[Client, dict[str, str]]:
    _token, plain = token_create(user=user, by=None, name="edge tests")
    return Client(raise_request_exception=False), {"Authorization": f"Bearer {plain}"}


# --- Page numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["99999999999999999999", "9" * 5000, "-1", "0", "abc", "1e309", ""])
def test_any_page_number_shows_a_page(raw: str, org: Organisation) -> None:
    rows = AuditEvent.objects.filter(organisation_id=org.pk).order_by("id")
    page = capped_page(rows, raw, per_page=25)
    assert page.number == 1  # the only page (an empty list has one)
    assert page.rows == list(rows[:25])


def test_a_huge_page_number_on_the_case_list_shows_the_last_page(
    handler: User, make_case: Callable[..., Case],
) -> None:
    case = make_case(handler)
    response = _client(handler).get("/cases/", {"page": "99999999999999999999"})
    assert response.status_code == 200
    assert case.reference in response.content.decode()


# --- Dates at the ends of the calendar ------------------------------------------------------------


@pytest.fixture
def broad(org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(org, "auditor", "patient-safety-lead", "equality-analyst", "hr-adviser", "org-admin")


@pytest.mark.parametrize(("url", "field", "value", "message"), [
    ("/audit/", "date_to", "9999-12-31", "Enter a date for &#39;recorded to&#39; in 2199 or earlier"),
    ("/audit/", "date_from", "0001-01-01", "Enter a date for &#39;recorded from&#39; in 1900 or later"),
    ("/insights/", "date_to", "9999-12-31", "Enter a date for &#39;incident to&#39; in 2199 or earlier"),
    ("/insights/", "date_from", "0001-01-01", "Enter a date for &#39;incident from&#39; in 1900 or later"),
    ("/fairness/", "end_date", "9999-12-31", "Enter a date for the last day of the two years in 2199 or earlier"),
    ("/fairness/", "end_date", "0001-01-01", "Enter a date for the last day of the two years in 1900 or later"),
])
def test_a_date_off_the_calendar_is_an_error_naming_the_field(
    url: str, field: str, value: str, message: str, broad: User,
) -> None:
    response = _client(broad).get(url, {field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert f'href="#{field}"' in page  # the error summary links to the field


@pytest.mark.parametrize("url", ["/audit/", "/audit/export.csv", "/insights/", "/insights/export.csv"])
def test_a_range_to_the_last_day_of_the_calendar_is_no_server_error(url: str, broad: User) -> None:
    response = _client(broad).get(url, {"date_from": "2026-01-01", "date_to": "9999-12-31"})
    assert response.status_code < 500


def test_the_api_takes_its_date_limits_from_the_same_rule(broad: User) -> None:
    client, headers = _api(broad)
    response = client.get("/api/insights", {"date_to": "9999-12-31"}, headers=headers)
    assert response.status_code == 422
    assert response.json() == {"message": "date_to: must be a date between 1900 and 2199", "field": "date_to"}


# --- NUL characters -------------------------------------------------------------------------------


def test_nul_in_a_case_reference_is_page_not_found(handler: User, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    client = _client(handler)
    for url in (f"/cases/{case.reference}%00/", f"/cases/{case.reference}%00/factors/",
                f"/cases/incidents/{case.incident.reference}%00/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()


def test_nul_in_the_query_string_is_a_bad_request_naming_the_parameter(handler: User) -> None:
    response = _client(handler).get("/cases/?q=%00")
    assert response.status_code == 400
    assert "q must not contain NUL characters" in response.content.decode()


def test_nul_in_an_api_address_is_a_json_error(handler: User, make_case: Callable[..., Case]) -> None:
    case = make_case(handler)
    client, headers = _api(handler)
    response = client.get(f"/api/cases/{case.reference}%00", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"message": "There is no such API address.", "field": None}
    response = client.get("/api/cases?q=%00", headers=headers)
    assert response.status_code == 400
    assert response.json() == {"message": "q must not contain NUL characters (%00).", "field": "q"}


# --- The API's answers to a wrong method and a body too large -------------------------------------


def test_a_method_the_api_does_not_take_is_json_with_allow(handler: User) -> None:
    client, headers = _api(handler)
    response = client.delete("/api/cases", headers=headers)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    body = response.json()
    assert body["field"] is None
    assert "DELETE is not allowed" in body["message"]


def test_a_body_over_the_limit_is_a_json_413(handler: User, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client, headers = _api(handler)
    response = client.post("/api/people", json.dumps({"name": "x" * 2000}), content_type="application/json",
                           headers=headers)
    assert response.status_code == 413
    assert response.json() == {"message": "The request body is too large: send no more than 1,000 bytes.",
                               "field": None}
