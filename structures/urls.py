from django.urls import path

from structures import views, views_imports, views_proofs

app_name = "structures"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export"),
    path("imports/", views_imports.import_list, name="import_list"),
    path("imports/modele.csv", views_imports.import_template, name="import_template"),
    path("imports/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/appliquer/", views_imports.import_apply, name="import_apply"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/labels/<int:pk>/justificatif/", views_proofs.label_document, name="label_document"),
]
