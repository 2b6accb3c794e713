"""Included under "cases/" before the cases app, so these routes are matched first.

"organisation-regulators/" has a single segment, so no "<reference>/..." route can take it; it is
listed first all the same.
"""

from django.urls import path

from justculture.decisions import views

app_name = "decisions"

# The new-decision and referral pages show the fairness figures: their routes are in
# justculture/casework/views.py and config/urls.py adds them to this namespace.

urlpatterns = [
    path("organisation-regulators/", views.regulators, name="regulators"),
    path("<str:reference>/decision/", views.decision, name="decision"),
    path("<str:reference>/advice/new/", views.advice_new, name="advice-new"),
]
