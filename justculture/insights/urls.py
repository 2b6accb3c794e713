from django.urls import path

from justculture.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="csv"),
    path("summary.pdf", views.summary_pdf, name="pdf"),
]
