"""Read-only pages of the audit log. There are deliberately no routes that change or remove events."""

from django.urls import path

from justculture.auditlog import views

app_name = "auditlog"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export_csv, name="export"),
]
