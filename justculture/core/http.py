"""Small helpers shared by views."""

from __future__ import annotations

from django.http import HttpRequest

from justculture.core.models import User


def current_user(request: HttpRequest) -> User:
    """The signed-in user (every view but sign-in runs behind LoginRequiredMiddleware)."""
    user = request.user
    assert isinstance(user, User)
    return user
