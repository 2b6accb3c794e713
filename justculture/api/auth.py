"""Bearer-token authentication for the API. Session cookies are never looked at here, so a browser
that is signed in to the web pages cannot be made to call the API (no CSRF exposure)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security.http import HttpAuthBase

from justculture.api.services import token_authenticate
from justculture.core.models import User


class TokenAuth(HttpAuthBase):
    """``Authorization: Bearer jc_...``. Anything else is treated as no credentials (401)."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        # Our own parsing rather than ninja's HttpBearer, which logs an unexpected header in full
        # under DEBUG: that header may hold a secret.
        value = request.headers.get("Authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        user = token_authenticate(token.strip())
        if user is None:
            return None
        # Services and selectors take the user; views never read request.user (the session user).
        request.api_user = user  # type: ignore[attr-defined]
        return user


def actor(request: HttpRequest) -> User:
    """The user the request's token belongs to."""
    user = getattr(request, "api_user", None)
    assert isinstance(user, User)
    return user
