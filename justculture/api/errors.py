"""Every error the API returns is JSON: {"message": ..., "field": ...} (field may be null).

A service's refusal is a ServiceError: the answer carries its field and its status as raised,
never anything worked out from the wording of the message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from justculture.core.errors import ServiceError

# Where a parameter came from is not part of its name for the caller.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


class ApiError(ServiceError):
    """A request an endpoint itself refuses (an unknown id in the body, say), with the field at
    fault (if one is) and the status: answered like any other ServiceError."""


def _field_name(location: Any, body_params: set[str]) -> str | None:
    parts = [str(p) for p in location] if isinstance(location, list | tuple) else [str(location)]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        # A JSON body is one parameter; its name is not something the caller ever wrote.
        if source == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    return ".".join(parts) or None


def _validation_message(error: dict[str, Any], field: str | None) -> str:
    text = str(error.get("msg", "is not valid"))
    text = text.removeprefix("Value error, ")
    return f"{field}: {text}" if field else text


def install(api: NinjaAPI, body_params: set[str]) -> None:
    """Exception handlers for the API, so nothing it refuses is an HTML page or a 500."""

    def reply(request: HttpRequest, message: str, field: str | None, status: int) -> HttpResponse:
        return api.create_response(request, {"message": message, "field": field}, status=status)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        field = _field_name(first.get("loc", ()), body_params)
        return reply(request, _validation_message(first, field), field, 422)

    @api.exception_handler(AuthenticationError)
    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = reply(request, "Give a valid API token: Authorization: Bearer <token>. Tokens that are "
                                  "unknown, expired or revoked are refused.", None, 401)
        response["WWW-Authenticate"] = 'Bearer realm="justculture"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return reply(request, str(exc), None, exc.status_code)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return reply(request, str(exc) or "Not found.", None, 404)

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return reply(request, str(exc) or "You do not have permission to do this.", None, 403)

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return reply(request, f"The request body is too large: send no more than {limit:,} bytes.", None, 413)

    @api.exception_handler(ServiceError)
    def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        # Every service's refusal (and ApiError): 400 a broken rule, 409 a conflict with the
        # record's state (a closed case), as the error says.
        return reply(request, exc.message, exc.field, exc.status)


class JsonMethodNotAllowedMiddleware:
    """A method an API address does not take (DELETE on /api/cases) is a JSON 405 with its Allow
    header, like every other API error; django-ninja answers it with plain text, outside the
    exception handlers above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code != 405 or not request.path_info.startswith("/api/")
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        allowed = response.get("Allow", "")
        answer = JsonResponse({"message": f"{request.method} is not allowed here. Allowed: {allowed}.",
                               "field": None}, status=405)
        answer["Allow"] = allowed
        return answer
