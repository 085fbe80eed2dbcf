from django.urls import path

from meetups import views

app_name = "meetups"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/inscription/", views.register, name="register"),
    path("<slug:slug>/inscription/<int:pk>/rendez-vous/", views.meeting_requests, name="requests"),
    path("<slug:slug>/inscription/<int:pk>/annuler/", views.cancel, name="cancel"),
    path("<slug:slug>/agenda/", views.agenda, name="agenda"),
]
