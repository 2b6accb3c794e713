from django.urls import include, path

urlpatterns = [
    path("", include("justculture.core.urls")),
    path("api/", include("justculture.api.urls")),
    path("cases/", include("justculture.factors.urls")),
    path("cases/", include("justculture.assessments.urls")),
    path("cases/", include("justculture.decisions.urls")),
    path("actions/", include("justculture.actions.urls")),
    path("insights/", include("justculture.insights.urls")),
    path("cases/", include("justculture.actions.case_urls")),
    path("cases/", include("justculture.packs.urls")),
    path("fairness/", include("justculture.fairness.urls")),
    path("cases/", include("justculture.fairness.case_urls")),
    path("audit/", include("justculture.auditlog.urls")),
    path("", include("justculture.retention.urls")),
    path("cases/", include("justculture.cases.urls")),
]

handler403 = "justculture.core.views.forbidden"
handler404 = "justculture.core.views.not_found"
handler500 = "justculture.core.views.server_error"
