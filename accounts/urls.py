"""Pages under /espace/ (the signed-in user's space). The dashboard itself is wired in ess2024/urls.py."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("mes-donnees/", views.personal_data, name="personal_data"),
    path("mes-donnees/export.json", views.personal_data_download, name="personal_data_download"),
    path("mes-donnees/supprimer-mon-compte/", views.account_delete, name="delete"),
]
