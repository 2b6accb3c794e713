from django.urls import include, path

from justculture.assessments import urls as assessment_urls
from justculture.cases import urls as case_urls
from justculture.casework import views as casework_views
from justculture.decisions import urls as decision_urls

# The "cases" namespace: the cases app's own pages, and those in casework/views.py that read or
# change several apps. More specific routes first ("<reference>/" would take "incidents/new/").
_case_pages = (case_urls.urlpatterns + casework_views.case_urlpatterns, "cases")
_assessment_pages = (assessment_urls.urlpatterns + casework_views.assessment_urlpatterns, "assessments")
_decision_pages = (decision_urls.urlpatterns + casework_views.decision_urlpatterns, "decisions")

urlpatterns = [
    path("", include("justculture.core.urls")),
    path("api/", include("justculture.api.urls")),
    path("cases/", include("justculture.cases.factor_urls")),
    path("cases/", include(_assessment_pages)),
    path("cases/", include(_decision_pages)),
    path("actions/", include("justculture.actions.urls")),
    path("insights/", include("justculture.insights.urls")),
    path("cases/", include("justculture.actions.case_urls")),
    path("cases/", include("justculture.packs.urls")),
    path("fairness/", include("justculture.fairness.urls")),
    path("cases/", include("justculture.fairness.case_urls")),
    path("audit/", include("justculture.auditlog.urls")),
    path("", include("justculture.retention.urls")),
    path("cases/", include(_case_pages)),
]

handler403 = "justculture.core.views.forbidden"
handler404 = "justculture.core.views.not_found"
handler500 = "justculture.core.views.server_error"
