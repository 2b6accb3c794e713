"""The authorisation matrix: every route x every role (plus anonymous and a user with no role) x
our own organisation's objects / another organisation's objects, against authorization_matrix.yaml.

Routes come from walking the URL configuration (tests/security/routes.py), so a new route without
an entry in the matrix fails here, naming it; so does an entry for a route that no longer exists.
Each route is one test; it collects every mismatch (route x who x organisation) into one message,
together with the row as observed, so the author of a new route can check it and copy it in.

Web routes are requested with real signed-in sessions; API routes (/api/...) with a bearer token
from justculture.api.services.token_create. Pages that answer GET are fetched; routes that only
accept POST (``method: POST`` in the matrix) get an empty form posted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from justculture.core.models import User
from tests.security.routes import (
    ANONYMOUS,
    OTHER_MARKERS,
    Route,
    World,
    all_routes,
    api_token_for,
    client_as,
    outcome_of,
    signed_in_kinds,
    world_for_module,
)

MATRIX_FILE = Path(__file__).with_name("authorization_matrix.yaml")
OUTCOMES = {"ok", "login", "two-factor", "400", "401", "403", "404", "405", "422"}


def load_matrix() -> dict[str, Any]:
    data = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))
    routes: dict[str, Any] = data["routes"]
    return routes


def excluded() -> set[str]:
    data = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))
    return set((data.get("excluded") or {}).keys())


ROUTES = all_routes()


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("matrix-media"))) as made:
        yield made


@pytest.fixture
def matrix_world(world: World, db: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = world.media_root  # where the world's evidence file was stored
    return world


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    matrix = load_matrix()
    names = {r.name for r in ROUTES}
    missing = sorted(names - set(matrix) - excluded())
    stale = sorted(set(matrix) - names)
    stale_excluded = sorted(excluded() - names)
    problems = []
    if missing:
        problems.append("routes with no entry in authorization_matrix.yaml: " + ", ".join(missing))
    if stale:
        problems.append("authorization_matrix.yaml names routes that no longer exist: " + ", ".join(stale))
    if stale_excluded:
        problems.append("authorization_matrix.yaml excludes routes that no longer exist: " + ", ".join(stale_excluded))
    assert not problems, "\n".join(problems)


def test_every_entry_names_every_role() -> None:
    """A new role in roles.yaml needs its expected outcome on every route, and no entry may let
    anyone reach another organisation's object."""
    kinds = [*signed_in_kinds(), ANONYMOUS]
    shared = set(yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8")).get("shared") or {})
    problems = []
    for name, entry in load_matrix().items():
        own = entry.get("own") or {}
        for kind in kinds:
            if kind not in own:
                problems.append(f"{name}: no expected outcome for {kind}")
        for kind, value in own.items():
            if kind not in kinds:
                problems.append(f"{name}: {kind} is not a role in roles.yaml")
            if str(value) not in OUTCOMES:
                problems.append(f"{name}: {kind}: unknown outcome {value!r}")
        other = entry.get("other")
        values = other.values() if isinstance(other, dict) else [other]
        for value in values:
            if value is not None and str(value) not in OUTCOMES:
                problems.append(f"{name}: other organisation: unknown outcome {value!r}")
            if str(value) == "ok" and name not in shared:
                problems.append(f"{name}: the matrix lets a user reach another organisation's object")
    assert not problems, "\n".join(problems)


def _client(route: Route, user: User | None, clients: dict[Any, Client]) -> tuple[Client, dict[str, str]]:
    """A signed-in client (one per user and test, reused: signing in is the slow part), or for the
    API a plain client and the user's bearer token."""
    if route.is_api:
        headers = {"Authorization": f"Bearer {api_token_for(user)}"} if user is not None else {}
        client = Client()
        client.raise_request_exception = False
        return client, headers
    key = user.pk if user is not None else None
    if key not in clients:
        clients[key] = client_as(user)
    return clients[key], {}


def _request(route: Route, user: User | None, kwargs: dict[str, Any], method: str,
             clients: dict[Any, Client] | None = None) -> tuple[str, Any]:
    client, headers = _client(route, user, {} if clients is None else clients)
    url = route.url(kwargs)
    if method == "GET":
        response = client.get(url, headers=headers)
    elif route.is_api:  # an empty JSON body
        response = client.generic(method, url, "{}", content_type="application/json", headers=headers)
    else:  # an empty form
        response = client.post(url, {}, headers=headers)
    return outcome_of(response.status_code, response.get("Location", "")), response


def _leaks(response: Any) -> list[str]:
    """The other organisation's tell-tale text, if a page of ours shows any of it."""
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or not any(t in kind for t in ("html", "csv", "json", "text")):
        return []
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode("utf-8", "replace")
    else:
        body = response.content.decode("utf-8", "replace")
    return [marker for marker in OTHER_MARKERS if marker in body]


def _flow(row: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in row.items()) + "}"


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_route_matches_the_matrix(route: Route, matrix_world: World) -> None:
    if route.name in excluded():
        pytest.skip(f"{route.name} is excluded in authorization_matrix.yaml")
    matrix = load_matrix()
    entry = matrix.get(route.name)
    own, other = matrix_world.own, matrix_world.other
    if route.is_api:
        method = route.api_methods()[0]
    elif entry is not None:
        method = entry.get("method", "GET")
    else:  # a new route: see whether it answers GET at all, to show the right row in the failure
        probe, _ = _request(route, own.users["case-handler"], own.fresh_kwargs(route), "GET")
        method = "POST" if probe == "405" else "GET"
    mismatches: list[str] = []
    observed_own: dict[str, str] = {}
    observed_other: dict[str, str] = {}
    # Signing out ends the session: that route gets a fresh client for every request.
    clients: dict[Any, Client] | None = None if route.name == "core:sign-out" else {}

    kinds: list[str] = [*signed_in_kinds(), ANONYMOUS]
    for kind in kinds:
        user = own.users[kind] if kind != ANONYMOUS else None
        result, response = _request(route, user, own.fresh_kwargs(route), method, clients)
        observed_own[kind] = result
        for marker in _leaks(response):
            mismatches.append(f"{route.name} x {kind} x own organisation: the page shows the other "
                              f"organisation's {marker!r}")

    if route.params:
        for kind in signed_in_kinds():
            result, response = _request(route, own.users[kind], other.fresh_kwargs(route), method, clients)
            observed_other[kind] = result
            for marker in _leaks(response):
                mismatches.append(f"{route.name} x {kind} x other organisation: the page shows the "
                                  f"other organisation's {marker!r}")

    other_values = set(observed_other.values())
    observed_other_row: Any = None
    if observed_other:
        observed_other_row = other_values.pop() if len(other_values) == 1 else observed_other
    observed = f"own: {_flow(observed_own)}\n  other: {observed_other_row if not isinstance(observed_other_row, dict) else _flow(observed_other_row)}"
    if entry is None:
        pytest.fail(f"{route.name} (/{route.template}) has no entry in authorization_matrix.yaml. "
                    f"Observed (check it before copying it in):\n{route.name}:\n  method: {method}\n  {observed}")

    if entry.get("method", "GET") != method:
        mismatches.append(f"{route.name}: the matrix says method {entry.get('method', 'GET')}, the API "
                          f"operation is {method}")
    expected_own = entry.get("own") or {}
    for kind in kinds:
        want = str(expected_own.get(kind, "<missing>"))
        if observed_own[kind] != want:
            mismatches.append(f"{route.name} x {kind} x own organisation: expected {want}, got {observed_own[kind]}")
    expected_other = entry.get("other")
    if route.params and expected_other is None:
        mismatches.append(f"{route.name}: names an object, so the matrix needs an 'other' outcome")
    if not route.params and expected_other is not None:
        mismatches.append(f"{route.name}: names no object, so 'other' must be left out")
    for kind, got in observed_other.items():
        want = str(expected_other.get(kind) if isinstance(expected_other, dict) else expected_other)
        if got != want:
            mismatches.append(f"{route.name} x {kind} x other organisation: expected {want}, got {got}")
    assert not mismatches, "\n".join(mismatches) + f"\nObserved:\n  {observed}"


def test_incident_page_follows_the_cases_on_it(
    handler: User, other_team: Any, make_user: Any, make_case: Any,
) -> None:
    """An incident names a patient: a case handler for another team sees it only once assigned to
    a case on it (the matrix covers organisation-wide roles; this covers a team-scoped one)."""
    from django.urls import reverse

    from tests.conftest import client_for

    case = make_case(handler)
    elsewhere = make_user(handler.organisation, ("case-handler", other_team))
    url = reverse("cases:incident", args=[case.incident.reference])
    assert client_for(elsewhere).get(url).status_code == 404
    case.assigned_to.add(elsewhere)
    response = client_for(elsewhere).get(url)
    assert response.status_code == 200
    assert "A patient&#39;s antibiotic dose was missed." in response.content.decode()
