"""Included under "cases/" before the cases app, so "<reference>/pack/" is matched here."""

from django.urls import path

from justculture.packs import views

app_name = "packs"

urlpatterns = [
    path("<str:reference>/pack/", views.pack, name="pack"),
    path("<str:reference>/pack/<uuid:request_id>/", views.status, name="status"),
    path("<str:reference>/pack/<uuid:request_id>/download/", views.download, name="download"),
]
