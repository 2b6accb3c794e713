"""A case's actions. Included under "cases/" before the cases app, so these routes win."""

from django.urls import path

from justculture.actions import views

app_name = "case_actions"

urlpatterns = [
    path("<str:reference>/actions/", views.case_action_list, name="list"),
    path("<str:reference>/actions/new/", views.action_new, name="new"),
    path("<str:reference>/actions/<int:pk>/", views.action_detail, name="detail"),
]
