from django.urls import path

from justculture.retention import views

app_name = "retention"

urlpatterns = [
    path("retention/", views.periods, name="periods"),
    path("retention/<str:rule>/change/", views.period_change, name="period-change"),
    path("subject-access/", views.people, name="people"),
    path("subject-access/<int:person_id>/", views.export, name="export"),
]
