"""/api/: the REST API. Its views authenticate by token themselves, so the site-wide sign-in and
two-factor redirects (meant for browsers with a session) do not apply to them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from justculture.api.api import api

app_name = "api"


def _token_only(patterns: list[Any]) -> list[Any]:
    # ninja's own page at /api/ itself is replaced below (its name is kept: the OpenAPI document
    # is built from that address).
    patterns = [p for p in patterns if getattr(p, "name", None) != "api-root"]
    for pattern in patterns:
        # What django.contrib.auth.decorators.login_not_required sets; the TwoFactorMiddleware
        # also reads it.
        pattern.callback.login_required = False
    return patterns


@login_not_required
def unknown(request: HttpRequest) -> JsonResponse:
    """/api/ itself: a JSON 404 pointing at the OpenAPI document, rather than ninja's page."""
    return JsonResponse({"message": "There is no such API address. See /api/openapi.json.", "field": None},
                        status=404)


urlpatterns = [
    *_token_only(api.urls[0]),
    path("", unknown, name="api-root"),
]
