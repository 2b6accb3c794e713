"""Included under "cases/" before the cases app, so "<reference>/equality/" is matched here."""

from django.urls import path

from justculture.fairness import views

app_name = "fairness_case"

urlpatterns = [
    path("<str:reference>/equality/", views.equality, name="equality"),
]
