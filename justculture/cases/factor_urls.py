"""Included under "cases/" before the cases app, so these more specific routes win.

"organisation-factors/" has a single segment, so it cannot be taken by the case routes
"<reference>/..." here; it is listed first all the same. "evidence/upload/" must come before
"evidence/<token>/".
"""

from django.urls import path

from justculture.cases import factor_views as views

app_name = "factors"

urlpatterns = [
    path("organisation-factors/", views.organisation_factors, name="organisation"),
    path("<str:reference>/factors/", views.factor_list, name="list"),
    path("<str:reference>/factors/<str:factor_id>/", views.factor_edit, name="edit"),
    path("<str:reference>/evidence/", views.evidence_list, name="evidence"),
    path("<str:reference>/evidence/upload/", views.evidence_upload, name="evidence-upload"),
    path("<str:reference>/evidence/<str:token>/", views.evidence_download, name="evidence-download"),
]
