"""The signed-in member's own structure pages, under /espace/structure/."""

from django.urls import path

from structures import views

app_name = "structures_space"
urlpatterns = [
    path("nouvelle/", views.index, name="create"),
]
