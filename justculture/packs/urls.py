"""Included under "cases/" before the cases app, so "<reference>/pack/" is matched here."""

from django.urls import path

from justculture.packs import views

app_name = "packs"

urlpatterns = [
    path("<str:reference>/pack/", views.pack, name="pack"),
]
