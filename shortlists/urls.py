"""URL map of the shortlists app (`/listes/`)."""

from django.urls import path

from shortlists import views

app_name = "shortlists"
urlpatterns = [
    path("", views.index, name="index"),
    path("ajouter/<slug:slug>/", views.add, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/renommer/", views.rename, name="rename"),
    path("<int:pk>/supprimer/", views.delete, name="delete"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/inviter/", views.invite, name="invite"),
    path("<int:pk>/structures/<int:entry_pk>/note/", views.entry_note, name="entry_note"),
    path("<int:pk>/structures/<int:entry_pk>/retirer/", views.entry_remove, name="entry_remove"),
]
