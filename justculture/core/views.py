"""Pages every user sees: start, sign in and out, the guide outline. Views stay thin."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from justculture.core import security, twofactor
from justculture.core.forms import SignInForm
from justculture.core.models import User
from justculture.core.permissions import Permission, any_team_permission, requires_two_factor
from justculture.guide import default_guide


def start(request: HttpRequest) -> HttpResponse:
    return render(request, "core/start.jinja", {"guide": default_guide()})


def guide_outline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/guide.jinja", {"guide": default_guide()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.jinja", {"guide": default_guide()})


def landing_url(user: Any) -> str:
    """Where a user lands after signing in: the case list for people who work on cases, else the start page."""
    if isinstance(user, User) and any_team_permission(user, Permission.VIEW_CASE):
        return reverse(settings.LOGIN_REDIRECT_URL)
    return reverse("core:start")


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` address from the query or form when it points into this site, else the landing page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return landing_url(request.user)


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """Username and password, with lock-out after repeated failures (core.security); a user who
    needs a second factor is sent on to the code page, or to set an app up."""

    template_name = "core/sign_in.jinja"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        context["sso_enabled"] = getattr(settings, "OIDC_ENABLED", False)
        context["sso_provider"] = getattr(settings, "OIDC_PROVIDER_NAME", "")
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        if username and security.locked_until(username, security.client_ip(request)) is not None:
            # The password is not even checked, so a lock says nothing about whether it was right.
            security.note_refused(request, username)
            return self._locked(self.get_form())
        return super().post(request, *args, **kwargs)

    def _locked(self, form: AuthenticationForm) -> HttpResponse:
        # Show the lock as the form's only error without validating it (that would try the password).
        form._errors = ErrorDict()  # type: ignore[attr-defined]
        form.cleaned_data = {}
        form.add_error(None, forms.ValidationError(security.locked_message(), code="locked"))
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            username = str(form.data.get("username", ""))[:150]
            if security.note_failure(self.request, username):
                return self._locked(form)
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        security.note_success(self.request, user)
        response: HttpResponse = super().form_valid(form)  # signs in (a new session key)
        twofactor.clear_verified(self.request)
        need = twofactor.requirement(user)
        if need is None:
            return response
        target = reverse("core:two-factor-verify" if need == "verify" else "core:two-factor-setup")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': self.get_success_url()})}")


@method_decorator(twofactor.exempt, name="dispatch")
class SignOutView(auth_views.LogoutView):
    pass


def _wrong_code(request: HttpRequest, form: twofactor.CodeForm) -> HttpResponse | None:
    """Count a wrong code like a wrong password; when that locks sign-in, sign the session out."""
    form.add_error("code", "The code is not right. Enter the 6-digit code your app shows now")
    user = request.user
    assert isinstance(user, User)
    if security.note_failure(request, user.username, what="two-factor code"):
        logout(request)
        messages.error(request, security.locked_message())
        return HttpResponseRedirect(reverse("core:sign-in"))
    return None


def _locked_out(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    assert isinstance(user, User)
    if security.locked_until(user.username, security.client_ip(request)) is None:
        return None
    logout(request)
    messages.error(request, security.locked_message())
    return HttpResponseRedirect(reverse("core:sign-in"))


def _passed(request: HttpRequest) -> None:
    request.session.cycle_key()  # a session that has just gained more trust gets a new key
    twofactor.mark_verified(request)


@twofactor.exempt
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app."""
    user = request.user
    assert isinstance(user, User)
    next_url = _safe_next(request)
    need = twofactor.requirement(user)
    if need == "set-up":
        return HttpResponseRedirect(f"{reverse('core:two-factor-setup')}?{urlencode({'next': next_url})}")
    if need is None or twofactor.is_verified(request):
        return HttpResponseRedirect(next_url)
    form = twofactor.CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        locked = _locked_out(request)
        if locked is not None:
            return locked
        if form.is_valid():
            if twofactor.verify(user, form.cleaned_data["code"]):
                _passed(request)
                return HttpResponseRedirect(next_url)
            locked = _wrong_code(request, form)
            if locked is not None:
                return locked
    return render(request, "core/two_factor_verify.jinja", {"form": form, "next": next_url})


@twofactor.exempt
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set an authenticator app up: the secret as text and as a QR code, confirmed with a code."""
    user = request.user
    assert isinstance(user, User)
    next_url = _safe_next(request)
    if twofactor.confirmed_device(user) is not None:
        if twofactor.is_verified(request):
            messages.info(request, "You already have an authenticator app set up.")
            return HttpResponseRedirect(reverse("core:two-factor"))
        return HttpResponseRedirect(f"{reverse('core:two-factor-verify')}?{urlencode({'next': next_url})}")
    form = twofactor.CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        locked = _locked_out(request)
        if locked is not None:
            return locked
        if form.is_valid():
            if twofactor.confirm_setup(user, form.cleaned_data["code"]):
                _passed(request)
                messages.success(request, "Your authenticator app is set up. You will be asked for a code "
                                          "from it each time you sign in.")
                return HttpResponseRedirect(next_url)
            locked = _wrong_code(request, form)
            if locked is not None:
                return locked
    _device, secret = twofactor.pending_setup(user)
    uri = twofactor.provisioning_uri(user, secret)
    return render(request, "core/two_factor_setup.jinja", {
        "form": form, "next": next_url, "secret": twofactor.grouped(secret),
        "qr_code": twofactor.qr_code_svg(uri), "required": requires_two_factor(user),
    })


def two_factor(request: HttpRequest) -> HttpResponse:
    """Your two-factor sign-in: whether it is set up, required, and (when optional) turning it off."""
    user = request.user
    assert isinstance(user, User)
    device = twofactor.confirmed_device(user)
    form = twofactor.CodeForm()
    return render(request, "core/two_factor.jinja", {
        "device": device, "required": requires_two_factor(user), "form": form,
    })


@require_POST
def two_factor_turn_off(request: HttpRequest) -> HttpResponse:
    """Remove the app, for users whose roles do not require it; needs a current code."""
    user = request.user
    assert isinstance(user, User)
    device = twofactor.confirmed_device(user)
    if device is None or requires_two_factor(user):
        return HttpResponseRedirect(reverse("core:two-factor"))
    form = twofactor.CodeForm(request.POST)
    if form.is_valid():
        if twofactor.verify(user, form.cleaned_data["code"]):
            twofactor.remove(user, by=user, reason="turned off by its owner")
            messages.success(request, "Two-factor sign-in is turned off.")
            return HttpResponseRedirect(reverse("core:two-factor"))
        locked = _wrong_code(request, form)
        if locked is not None:
            return locked
    return render(request, "core/two_factor.jinja", {"device": device, "required": False, "form": form},
                  status=200)


@login_not_required
def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "core/signed_out.jinja")


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.jinja", status=404)


@login_not_required
def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/403.jinja", {"reason": str(exception or "")}, status=403)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "core/500.jinja", status=500)
