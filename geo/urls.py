"""`/espace/structure/sites/<slug>/`: a structure's sites (included by ess2024/urls.py before structures_space)."""

from django.urls import path

from geo import views

app_name = "geo"
urlpatterns = [
    path("<slug:slug>/", views.sites, name="sites"),
    path("<slug:slug>/<int:pk>/supprimer/", views.site_delete, name="site_delete"),
    path("<slug:slug>/<int:pk>/principal/", views.site_set_main, name="site_set_main"),
]
