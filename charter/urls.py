from django.urls import path

from charter import views

app_name = "charter"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
]
