from django.urls import path

from charter import views, views_imports

app_name = "charter"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("attributions.csv", views.awards_export, {"fmt": "csv"}, name="awards_csv"),
    path("attributions.xlsx", views.awards_export, {"fmt": "xlsx"}, name="awards_xlsx"),
    path("import/", views_imports.import_new, name="import_new"),
    path("import/<int:pk>/", views_imports.import_detail, name="import_detail"),
    path("import/<int:pk>/appliquer/", views_imports.import_apply, name="import_apply"),
    path("ocds/extension.json", views.ocds_extension, name="ocds_extension"),
    path("ocds/release-schema.json", views.ocds_release_schema, name="ocds_release_schema"),
    path("<slug:slug>/", views.buyer, name="buyer"),
    path("<slug:slug>/attributions.csv", views.awards_export, {"fmt": "csv"}, name="buyer_awards_csv"),
    path("<slug:slug>/attributions.xlsx", views.awards_export, {"fmt": "xlsx"}, name="buyer_awards_xlsx"),
]
