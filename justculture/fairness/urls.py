from django.urls import path

from justculture.fairness import views

app_name = "fairness"

urlpatterns = [
    path("", views.index, name="index"),
    path("workforce/", views.workforce, name="workforce"),
]
