"""URL map of the api app, mounted at /api/ outside i18n_patterns: one address per resource, whatever the language.

A new version gets its own prefix ("v2/…") beside this one; v1 keeps answering as documented.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views

app_name = "api"

tenders = views.TenderViewSet
structures = views.StructureViewSet

urlpatterns = [
    path("v1/appels-d-offres/", tenders.as_view({"get": "list"}), name="tender-list"),
    path("v1/appels-d-offres/<slug:slug>/", tenders.as_view({"get": "retrieve"}), name="tender-detail"),
    path("v1/structures/", structures.as_view({"get": "list"}), name="structure-list"),
    path("v1/structures/<slug:slug>/", structures.as_view({"get": "retrieve"}), name="structure-detail"),
    path("v1/charte/", views.CharterView.as_view(), name="charter"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", views.docs, name="docs"),
]
