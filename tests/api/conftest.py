"""API test helpers: a client that sends a real token created through the service."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from justculture.api.services import token_create
from justculture.core.models import AuditEvent, Organisation, User

# Answers that reach outcome D of the NHS guide (question id, answer).
TO_D = [("1a", "no"), ("2a", "no"), ("2b", "no"), ("2c", "no"), ("3a", "no")]


class ApiClient:
    """Calls /api/ with a bearer token (or none) and decodes the JSON reply."""

    def __init__(self, token: str | None) -> None:
        self.client = Client(HTTP_HOST="localhost")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> tuple[int, Any]:
        url = "/api" + path
        send = getattr(self.client, method.lower())
        if method.upper() == "GET":
            response = send(url, query, **self.headers)
        else:
            response = send(url, json.dumps(body if body is not None else {}), content_type="application/json",
                            **self.headers)
        assert response["Content-Type"].startswith("application/json"), response.content[:500]
        return response.status_code, response.json()

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("PUT", path, body)


@pytest.fixture
def api_for(db: Any) -> Callable[[User | None], ApiClient]:
    """An API client for the user (a fresh token, created as an operator would), or with no token."""

    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, plain = token_create(user=user, by=None, name="tests")
        return ApiClient(plain)

    return make


@pytest.fixture
def handler_api(handler: User, api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_for(handler)


@pytest.fixture
def outsider_api(outsider: User, api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_for(outsider)


@pytest.fixture
def anonymous_api(api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_for(None)


@pytest.fixture
def analyst(org: Organisation, make_user: Callable[..., User]) -> User:
    """Sees aggregate figures only, never a case."""
    return make_user(org, "equality-analyst")


@pytest.fixture
def analyst_api(analyst: User, api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_for(analyst)


@pytest.fixture
def investigator_api(org: Organisation, make_user: Callable[..., User],
                     api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    """May see cases, record factors and assess, but not decide or manage actions."""
    return api_for(make_user(org, "investigator"))


@pytest.fixture
def decider_api(org: Organisation, make_user: Callable[..., User],
                api_for: Callable[[User | None], ApiClient]) -> ApiClient:
    return api_for(make_user(org, "decision-maker"))


def audit_actions(since: int = 0) -> list[str]:
    return list(AuditEvent.objects.filter(pk__gt=since).order_by("id").values_list("action", flat=True))


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """These tests sign nobody in with a password; a fast hasher keeps creating users cheap."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
