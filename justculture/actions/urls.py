"""Actions across cases: "my actions" and the organisation's tracker. Included under "actions/"."""

from django.urls import path

from justculture.actions import views

app_name = "actions"

urlpatterns = [
    path("", views.tracker, name="tracker"),
    path("mine/", views.my_actions, name="mine"),
]
