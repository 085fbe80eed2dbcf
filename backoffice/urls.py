from django.urls import path

from backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("structures/", views.structure_queue, name="structures"),
    path("structures/<int:pk>/", views.structure_review, name="structure"),
    path("structures/<int:pk>/verifier/", views.structure_verify, name="structure_verify"),
    path("structures/<int:pk>/refuser/", views.structure_reject, name="structure_reject"),
    path("structures/<int:pk>/precision/", views.structure_clarify, name="structure_clarify"),
    path("appels-d-offres-echus/", views.tenders_past_deadline, name="tenders_past_deadline"),
    path("historique/<slug:kind>/<int:pk>/", views.object_history, name="history"),
]
