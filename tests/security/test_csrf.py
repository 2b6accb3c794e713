"""Forged cross-site requests: every web route, posted to by a signed-in user's browser without the
CSRF token, with a wrong one, with a token from another session, or with the right token from
another site, is refused (403) and the database is left exactly as it was. With the right token
the same post gets past the CSRF check, so the refusals are the check's doing, not the view's.

API routes authenticate with a bearer token, never the session cookie, so CSRF does not apply to
them; instead a signed-in browser session must not be able to use them at all (401).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from justculture.core import twofactor
from justculture.core.models import User
from tests.security.routes import ALL_ROLES, Route, World, api_routes, web_routes, world_for_module

WEB = web_routes()
API = api_routes()
CSRF_REFUSAL = "CSRF verification failed"


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    with world_for_module(django_db_blocker, str(tmp_path_factory.mktemp("csrf-media"))) as made:
        yield made


@pytest.fixture
def csrf_world(world: World, db: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = world.media_root
    return world


def row_counts() -> dict[str, int]:
    """Rows in every table of the app (sessions aside: signing in writes one)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table != "django_session" and model._meta.managed
    }


def browser(user: User) -> Client:
    """A signed-in browser (past the second factor) whose posts go through the CSRF check."""
    client = Client(enforce_csrf_checks=True)
    client.raise_request_exception = False
    client.force_login(user)
    session = client.session
    twofactor.mark_verified(session)
    session.save()
    return client


def secret() -> str:
    return secrets.token_hex(16)  # 32 characters: the length of a CSRF secret


def forged_posts(client: Client, url: str) -> Iterator[tuple[str, Any]]:
    """Each kind of forged post, and the response to it."""
    cookie = secret()
    client.cookies["csrftoken"] = cookie
    yield "no token", client.post(url, {})
    yield "a wrong token", client.post(url, {"csrfmiddlewaretoken": secret()})
    yield "a wrong token in the header", client.post(url, {}, headers={"X-CSRFToken": secret()})
    other = secret()
    yield "the token of another session", client.post(url, {"csrfmiddlewaretoken": other})
    del client.cookies["csrftoken"]
    yield "a token but no cookie", client.post(url, {"csrfmiddlewaretoken": cookie})
    client.cookies["csrftoken"] = cookie
    yield "the right token from another site", client.post(
        url, {"csrfmiddlewaretoken": cookie}, headers={"Origin": "https://attacker.example"},
    )
    yield "the right token from a no-referrer page of another site", client.post(
        url, {"csrfmiddlewaretoken": cookie}, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    )


@pytest.mark.parametrize("route", WEB, ids=[r.name for r in WEB])
def test_forged_post_is_refused_and_changes_nothing(route: Route, csrf_world: World) -> None:
    own = csrf_world.own
    url = route.url(own.fresh_kwargs(route))
    client = browser(own.users[ALL_ROLES])
    before = row_counts()
    problems = []
    for what, response in forged_posts(client, url):
        body = response.content.decode("utf-8", "replace")
        if response.status_code != 403 or CSRF_REFUSAL not in body:
            problems.append(f"{route.name} ({url}) with {what}: expected a 403 CSRF refusal, got "
                            f"{response.status_code}")
    changed = {k: (before[k], v) for k, v in row_counts().items() if before.get(k) != v}
    if changed:
        problems.append(f"{route.name}: forged posts changed the database (before, after): {changed}")
    assert not problems, "\n".join(problems)

    # The control: the same post with the right token is not refused by the CSRF check.
    cookie = secret()
    client.cookies["csrftoken"] = cookie
    response = client.post(url, {"csrfmiddlewaretoken": cookie})
    assert CSRF_REFUSAL not in response.content.decode("utf-8", "replace"), (
        f"{route.name}: a post with the right token was refused as a forgery"
    )


def test_sign_in_cannot_be_forged(csrf_world: World) -> None:
    """Login CSRF: a forged sign-in form (from another site, without our token) signs no one in."""
    from tests.conftest import PASSWORD

    user = csrf_world.own.users["case-handler"]
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_refusal_is_the_csrf_check_not_the_view(csrf_world: World) -> None:
    """A post that changes something is refused without the token, and works with it."""
    own = csrf_world.own
    client = browser(own.users["case-handler"])
    url = f"/cases/{own.case.reference}/acts/new/"
    count = own.case.acts.count()
    client.cookies["csrftoken"] = cookie = secret()
    assert client.post(url, {"description": "Forged act"}).status_code == 403
    assert own.case.acts.count() == count
    response = client.post(url, {"description": "Real act", "csrfmiddlewaretoken": cookie})
    assert response.status_code == 302, response.content[:500]
    assert own.case.acts.count() == count + 1


@pytest.mark.skipif(not API, reason="the API has no routes")
def test_api_does_not_accept_the_session_cookie(csrf_world: World) -> None:
    """A signed-in browser session (what a forged cross-site request would carry) gets nowhere in
    the API: every route, read or write, answers 401 without a bearer token, and nothing changes."""
    own = csrf_world.own
    client = browser(own.users[ALL_ROLES])
    client.cookies["csrftoken"] = cookie = secret()
    before = row_counts()
    problems = []
    public = {r.name for r in API if "openapi" in r.name or r.name.endswith("api-root")}
    for route in API:
        if route.name in public:
            continue
        url = route.url(own.fresh_kwargs(route))
        for method in route.api_methods():
            response = client.generic(method, url, "{}", content_type="application/json",
                                      headers={"X-CSRFToken": cookie})
            if response.status_code != 401:
                problems.append(f"{route.name}: {method} {url} with only a session cookie answered "
                                f"{response.status_code}, not 401")
    changed = {k: (before[k], v) for k, v in row_counts().items() if before.get(k) != v}
    assert not changed, f"session-cookie requests to the API changed the database: {changed}"
    assert not problems, "\n".join(problems)
