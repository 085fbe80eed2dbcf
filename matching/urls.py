from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("preferences/", views.preferences, name="preferences"),
    path("recherches/suivre/", views.save_search, name="save_search"),
    path("recherches/<int:pk>/supprimer/", views.delete_search, name="delete_search"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
