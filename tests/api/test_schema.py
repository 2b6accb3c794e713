"""Schemathesis against /api/openapi.json, in-process through the WSGI application, with a valid
token for a user who holds most permissions and a case to find. Bounded: a few examples per
operation, so the whole run stays well under a minute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from justculture.api.services import token_create
from justculture.cases.models import Case
from justculture.config.wsgi import application
from justculture.core.models import Organisation, User

# The document is read once, at collection, through the WSGI application itself.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", application, headers={"Host": "localhost"},
)


@pytest.fixture
def keep_connection(db: Any) -> Iterator[None]:
    # Like Django's test client: keep the test's database connection (and its transaction) open
    # across the requests the WSGI application handles.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(keep_connection: None, org: Organisation, make_user: Callable[..., User], make_case: Callable[..., Case]) -> str:
    user = make_user(org, "case-handler", "patient-safety-lead", "hr-adviser")
    make_case(user)
    _token, plain = token_create(user=user, by=None, name="schemathesis")
    return plain


@schema.parametrize()
@settings(
    max_examples=5, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, api_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}", "Host": "localhost"},
        checks=[not_a_server_error, response_schema_conformance],
    )
