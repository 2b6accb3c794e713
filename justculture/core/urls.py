from django.urls import path

from justculture.core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("guide/", views.guide_outline, name="guide"),
    path("about/", views.about, name="about"),
]
