from django.urls import path

from justculture.core import oidc, views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", views.two_factor_verify, name="two-factor-verify"),
    path("sign-in/sso/", oidc.SignOnStartView.as_view(), name="sso-start"),
    path("sign-in/sso/callback/", oidc.SignOnCallbackView.as_view(), name="sso-callback"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("account/two-factor/", views.two_factor, name="two-factor"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/turn-off/", views.two_factor_turn_off, name="two-factor-turn-off"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("guide/", views.guide_outline, name="guide"),
    path("about/", views.about, name="about"),
]
