"""Included under "cases/" before the cases app, so these routes are matched first.

"organisation-regulators/" has a single segment, so no "<reference>/..." route can take it; it is
listed first all the same.
"""

from django.urls import path

from justculture.decisions import views

app_name = "decisions"

urlpatterns = [
    path("organisation-regulators/", views.regulators, name="regulators"),
    path("<str:reference>/decision/", views.decision, name="decision"),
    path("<str:reference>/decision/new/", views.decision_new, name="decision-new"),
    path("<str:reference>/referral/", views.referral, name="referral"),
    path("<str:reference>/advice/new/", views.advice_new, name="advice-new"),
]
