"""Pages every user sees: start, sign in and out, the guide outline. Views stay thin."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator

from justculture.core.forms import SignInForm
from justculture.core.models import User
from justculture.core.permissions import Permission, any_team_permission
from justculture.guide import default_guide


def start(request: HttpRequest) -> HttpResponse:
    return render(request, "core/start.jinja", {"guide": default_guide()})


def guide_outline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/guide.jinja", {"guide": default_guide()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.jinja", {"guide": default_guide()})


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "core/sign_in.jinja"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # People who work on cases land on the case list; aggregate-only roles on the start page.
        user = self.request.user
        if isinstance(user, User) and any_team_permission(user, Permission.VIEW_CASE):
            return str(super().get_default_redirect_url())
        return reverse("core:start")


class SignOutView(auth_views.LogoutView):
    pass


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
