"""OpenID Connect single sign-on (mozilla-django-oidc), for organisations with an identity provider.

Off unless OIDC_RP_CLIENT_ID is set (settings.OIDC_ENABLED). A person signs in at the provider; we
accept them when the provider vouches for an e-mail address that belongs to exactly one active
account of the organisation named by OIDC_ORGANISATION. No account is ever created or changed by
sign-on: accounts and roles are still given by the organisation. The two-factor rules apply after
single sign-on exactly as after a password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from justculture.core import audit, security, twofactor
from justculture.core.audit_actions import AuditAction
from justculture.core.models import User

FAILED_MESSAGE = (
    "Single sign-on did not work. Your account may not be set up for it yet: ask your "
    "organisation's administrator, or sign in with your username and password."
)


class OrganisationOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Matches the provider's verified e-mail address to one active user of the organisation."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # A provider that says the address is unverified is not trusted with it.
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        email = str(claims.get("email") or "").strip()
        if not email or not settings.OIDC_ORGANISATION:
            return User.objects.none()
        return User.objects.filter(
            email__iexact=email, is_active=True, organisation__slug=settings.OIDC_ORGANISATION
        )

    def create_user(self, claims: dict[str, Any]) -> None:  # never called: OIDC_CREATE_USER is False
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        # The library checks the signature, expiry and nonce; the audience must be this service too.
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        if settings.OIDC_RP_CLIENT_ID not in (audience if isinstance(audience, list) else [audience]):
            raise SuspiciousOperation("The identity provider's token was not issued for this service.")
        return payload


def _require_enabled() -> None:
    if not getattr(settings, "OIDC_ENABLED", False):
        raise Http404("Single sign-on is not set up.")


@method_decorator(login_not_required, name="dispatch")
@method_decorator(twofactor.exempt, name="dispatch")
class SignOnStartView(OIDCAuthenticationRequestView):  # type: ignore[misc]
    """Sends the browser to the identity provider (with state, nonce and PKCE)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]


@method_decorator(login_not_required, name="dispatch")
@method_decorator(twofactor.exempt, name="dispatch")
class SignOnCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """Where the provider sends the browser back; signs the matched user in, and audits it."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[no-any-return]

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        user: User = self.user
        twofactor.clear_verified(self.request)
        security.note_success(self.request, user, method="single sign-on")
        return response

    def login_failure(self) -> HttpResponse:
        audit.record(by=None, action=AuditAction.SIGN_IN_FAILED, object_type="user", object_id="",
                     summary="Failed single sign-on: no single matching account, or the provider refused",
                     changes={"ip_address": security.client_ip(self.request)})
        messages.error(self.request, FAILED_MESSAGE)
        return HttpResponseRedirect(reverse("core:sign-in"))
