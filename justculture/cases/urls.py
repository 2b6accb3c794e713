from django.urls import path

from justculture.cases import views

app_name = "cases"

# The case page, its status and its timeline read several apps: their routes are in
# justculture/casework/views.py and config/urls.py adds them to this namespace.

urlpatterns = [
    path("", views.case_list, name="list"),
    path("incidents/new/", views.incident_new, name="incident-new"),
    path("incidents/<str:incident_ref>/", views.incident_detail, name="incident"),
    path("incidents/<str:incident_ref>/new-case/", views.case_new, name="case-new"),
    path("<str:reference>/concern/", views.concern_edit, name="concern"),
    path("<str:reference>/acts/new/", views.act_new, name="act-new"),
    path("<str:reference>/acts/<int:number>/edit/", views.act_edit, name="act-edit"),
]
