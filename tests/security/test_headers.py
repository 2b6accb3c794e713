"""Response headers: a strict Content-Security-Policy everywhere, frame denial, no-referrer on case
pages, HSTS over HTTPS; and same-origin posts from no-referrer pages still pass the CSRF check."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.security.support import client_for_verified

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize("path", ["/sign-in/", "/signed-out/", "/", "/no-such-page/"])
def test_every_response_carries_the_policy_and_the_other_headers(db, path):
    response = Client().get(path)
    assert response["Content-Security-Policy"] == POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_signed_in_pages_carry_it_too(handler, case):
    client = client_for_verified(handler)
    for path in ["/cases/", f"/cases/{case.reference}/", "/account/two-factor/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == POLICY, path


@pytest.mark.parametrize(("path", "policy"), [
    ("/cases/", "no-referrer"),
    ("/cases/C-0001/", "no-referrer"),
    ("/actions/", "no-referrer"),
    ("/fairness/", "no-referrer"),
    ("/audit/", "no-referrer"),
    ("/", "same-origin"),
    ("/guide/", "same-origin"),
    ("/sign-in/", "same-origin"),
    ("/account/two-factor/", "same-origin"),
])
def test_case_pages_send_no_referrer(handler, case, path, policy):
    response = client_for_verified(handler).get(path)
    assert response["Referrer-Policy"] == policy


def test_no_inline_script_or_style_in_pages(handler, case):
    client = client_for_verified(handler)
    for path in ["/", "/cases/", f"/cases/{case.reference}/", "/account/two-factor/", "/account/two-factor/set-up/"]:
        html = client.get(path).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert "javascript:" not in html and " onclick=" not in html, path


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
def test_hsts_is_sent_over_https_only(db):
    assert Client().get("/sign-in/", secure=True)["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )
    assert "Strict-Transport-Security" not in Client().get("/sign-in/")


def _csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get("/sign-in/")
    return client, client.cookies["csrftoken"].value


@pytest.mark.parametrize("secure", [False, True])
def test_a_same_origin_post_with_a_null_origin_passes_csrf(handler, secure):
    client, token = _csrf_client()
    response = client.post("/sign-in/", {"username": handler.username, "password": "x", "csrfmiddlewaretoken": token},
                           HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin", secure=secure)
    assert response.status_code == 200  # the form answered (wrong password), not the CSRF check


@pytest.mark.parametrize("site", ["cross-site", "same-site", None])
def test_a_null_origin_from_elsewhere_is_still_refused(handler, site):
    client, token = _csrf_client()
    extra = {"HTTP_SEC_FETCH_SITE": site} if site else {}
    response = client.post("/sign-in/", {"username": handler.username, "password": "x", "csrfmiddlewaretoken": token},
                           HTTP_ORIGIN="null", **extra)
    assert response.status_code == 403


def test_the_token_is_still_required_for_same_origin_posts(handler):
    client, _token = _csrf_client()
    response = client.post("/sign-in/", {"username": handler.username, "password": "x"},
                           HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 403


def test_pages_and_api_replies_with_case_data_are_not_stored_by_browsers_or_proxies(handler, case):
    from justculture.api.services import token_create

    client = client_for_verified(handler)
    for path in ["/cases/", f"/cases/{case.reference}/", f"/cases/{case.reference}/equality/", "/sign-in/"]:
        response = client.get(path)
        assert "no-store" in response.get("Cache-Control", ""), path
    _token, plain = token_create(user=handler, by=None, name="tests")
    reply = Client().get(f"/api/cases/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert reply.status_code == 200
    assert "no-store" in reply["Cache-Control"]
    refused = Client().get("/api/cases", HTTP_AUTHORIZATION="Bearer nope")
    assert "no-store" in refused["Cache-Control"]


def test_static_files_keep_their_own_caching():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from justculture.core.security import SecurityHeadersMiddleware

    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("body {}"))
    assert "Cache-Control" not in middleware(RequestFactory().get("/static/justculture/app.css"))
    assert "no-store" in middleware(RequestFactory().get("/cases/"))["Cache-Control"]
