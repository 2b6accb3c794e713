from django.urls import path

from justculture.assessments import views

app_name = "assessments"

# "Check your answers" completes the assessment with its system-learning action (casework):
# its route is in justculture/casework/views.py and config/urls.py adds it to this namespace.

_ACT = "<str:reference>/acts/<int:number>/"
_VERSION = _ACT + "assessments/<int:version>/"

urlpatterns = [
    path(_ACT, views.act_detail, name="act"),
    path(_ACT + "assessments/start/", views.start, name="start"),
    path(_VERSION + "questions/<str:question_id>/", views.question, name="question"),
    path(_VERSION + "peers/new/", views.peer_new, name="peer-new"),
    path(_VERSION + "peers/<int:peer_id>/remove/", views.peer_remove, name="peer-remove"),
    path(_VERSION + "outcome/", views.outcome, name="outcome"),
    path(_VERSION + "revisit/", views.revisit, name="revisit"),
]
