"""The signed-in member's own structure pages, under /espace/structure/."""

from django.urls import path

from structures import views_proofs, views_space

app_name = "structures_space"
urlpatterns = [
    path("nouvelle/", views_space.structure_create, name="create"),
    path("nouvelle/<slug:step>/", views_space.structure_create, name="create_step"),
    path("rejoindre/<str:siret>/", views_space.join_request_create, name="join"),
    path("invitation/<str:token>/", views_space.invitation_accept, name="invitation"),
    path("rappel-completude/<str:token>/", views_proofs.reminder_unsubscribe, name="reminder_unsubscribe"),
    path("<slug:slug>/", views_space.structure_detail, name="detail"),
    path("<slug:slug>/modifier/<slug:section>/", views_space.structure_edit_section, name="edit"),
    path("<slug:slug>/archiver/", views_space.structure_archive, name="archive"),
    # What the profile proves (structures.views_proofs): references, labels, photos, offers.
    path("<slug:slug>/profil/<slug:kind>/", views_proofs.proofs_list, name="proofs"),
    path("<slug:slug>/profil/<slug:kind>/<int:pk>/", views_proofs.proof_edit, name="proof_edit"),
    path("<slug:slug>/profil/<slug:kind>/<int:pk>/supprimer/", views_proofs.proof_delete, name="proof_delete"),
    path("<slug:slug>/profil/photos/<int:pk>/deplacer/", views_proofs.photo_move, name="photo_move"),
    path("<slug:slug>/rappel-completude/", views_proofs.reminder_preference, name="reminder_preference"),
    path("<slug:slug>/nouvelle-verification/", views_space.structure_request_review, name="request_review"),
    path("<slug:slug>/equipe/", views_space.team, name="team"),
    path("<slug:slug>/equipe/membres/<int:pk>/role/", views_space.member_role, name="member_role"),
    path("<slug:slug>/equipe/membres/<int:pk>/retirer/", views_space.member_remove, name="member_remove"),
    path("<slug:slug>/equipe/invitations/<int:pk>/annuler/", views_space.invitation_revoke, name="invitation_revoke"),
    path(
        "<slug:slug>/equipe/demandes/<int:pk>/<str:decision>/",
        views_space.join_request_decide,
        name="join_request_decide",
    ),
]
