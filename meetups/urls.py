from django.urls import path

from meetups import views, views_staff

app_name = "meetups"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/inscription/", views.register, name="register"),
    path("<slug:slug>/inscription/<int:pk>/rendez-vous/", views.meeting_requests, name="requests"),
    path("<slug:slug>/inscription/<int:pk>/indisponibilites/", views.unavailability, name="unavailability"),
    path("<slug:slug>/inscription/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("<slug:slug>/acheteur/", views.buyer, name="buyer"),
    path("<slug:slug>/acheteur/indisponibilites/", views.buyer_unavailability, name="buyer_unavailability"),
    path("<slug:slug>/demandes/<int:pk>/reponse/", views.respond, name="respond"),
    path("<slug:slug>/agenda/", views.agenda, name="agenda"),
    path("<slug:slug>/agenda/<str:token>.ics", views.calendar_feed, name="calendar"),
    path("<slug:slug>/rendez-vous/<int:pk>/avis/", views.rate, name="rate"),
    path("<slug:slug>/equipe/", views_staff.staff_home, name="staff"),
    path("<slug:slug>/equipe/publier/", views_staff.publish, name="publish"),
    path("<slug:slug>/equipe/accueil/", views_staff.check_in_page, name="check_in"),
    path("<slug:slug>/equipe/absences/", views_staff.record_no_shows, name="no_shows"),
    path("<slug:slug>/equipe/badges/", views_staff.badges, name="badges"),
    path("<slug:slug>/badge/<str:token>/", views_staff.badge_scan, name="badge_scan"),
]
