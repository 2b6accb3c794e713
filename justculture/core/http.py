"""Small helpers shared by views."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from justculture.core.errors import ConflictError
from justculture.core.models import User


def current_user(request: HttpRequest) -> User:
    """The signed-in user (every view but sign-in runs behind LoginRequiredMiddleware)."""
    user = request.user
    assert isinstance(user, User)
    return user


class ConflictPageMiddleware:
    """A change refused because of the record's state (a closed case, a record someone else has
    changed) is shown as a page that says so, with status 409, instead of a server error.

    Views with a form catch ``ServiceError`` and show it in the form; this catches what reaches
    no form (a button, a link, or a case closed by someone else while the page was open). What
    the person had typed is shown back to them, so that nothing they wrote is lost.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ConflictError) or request.path.startswith("/api/"):
            return None
        typed = [
            (name, value) for name, value in request.POST.items()
            if name != "csrfmiddlewaretoken" and isinstance(value, str) and len(value.strip()) > 20
        ] if request.method == "POST" else []
        return render(request, "conflict.jinja", {
            "message": exception.message, "typed": typed, "back": request.path,
        }, status=409)
