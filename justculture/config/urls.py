from django.urls import include, path

urlpatterns = [
    path("", include("justculture.core.urls")),
    path("cases/", include("justculture.factors.urls")),
    path("cases/", include("justculture.assessments.urls")),
    path("cases/", include("justculture.cases.urls")),
]

handler403 = "justculture.core.views.forbidden"
handler404 = "justculture.core.views.not_found"
handler500 = "justculture.core.views.server_error"
